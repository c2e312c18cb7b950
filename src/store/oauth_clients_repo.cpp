#include "store/oauth_repositories.hpp"
#include "store/repo_util.hpp"

namespace bs::store {
namespace {

using namespace detail;

constexpr std::string_view kSelect =
    "SELECT client_id, client_secret_hash, client_secret_encrypted, client_secret_expires_at,"
    " registration_token_hash, token_endpoint_auth_method, grant_types, scope, metadata, service_account,"
    " enabled, created_by, created_at, updated_at FROM oauth_clients";

OAuthClient to_client(const Row& r) {
  OAuthClient c;
  c.client_id = r.text(0);
  c.client_secret_hash = r.opt_text(1);
  c.client_secret_encrypted = r.opt_text(2);
  c.client_secret_expires_at = r.integer(3);
  c.registration_token_hash = r.opt_text(4);
  c.token_endpoint_auth_method = r.text(5);
  c.grant_types = split_words(r.text(6));
  c.scope = split_words(r.text(7));
  c.metadata = r.text(8);
  c.service_account = r.integer(9) != 0;
  c.enabled = r.integer(10) != 0;
  c.created_by = r.text(11);
  c.created_at = r.integer(12);
  c.updated_at = r.integer(13);
  return c;
}

// $1..$12: client_id and every column insert and update both write, in column order, so the two
// statements cannot drift apart.
std::vector<Value> client_values(const OAuthClient& c) {
  return {
      text(c.client_id),
      opt(c.client_secret_hash),
      opt(c.client_secret_encrypted),
      integer(c.client_secret_expires_at),
      opt(c.registration_token_hash),
      text(c.token_endpoint_auth_method),
      text(join_words(c.grant_types)),
      text(join_words(c.scope)),
      text(c.metadata),
      boolean(c.service_account),
      boolean(c.enabled),
      text(c.created_by),
  };
}

}  // namespace

Status insert_client(Executor ex, const OAuthClient& c) {
  auto p = client_values(c);
  p.push_back(integer(c.created_at));
  p.push_back(integer(c.updated_at));
  auto r = ex.exec(
      "INSERT INTO oauth_clients (client_id, client_secret_hash, client_secret_encrypted,"
      " client_secret_expires_at, registration_token_hash, token_endpoint_auth_method, grant_types, scope,"
      " metadata, service_account, enabled, created_by, created_at, updated_at)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
      p);
  if (!r) return error_of(r);
  return ok();
}

Result<std::optional<OAuthClient>> find_client(Executor ex, std::string_view client_id) {
  static const std::string sql = std::string(kSelect) + " WHERE client_id = $1";
  const Value p[] = {text(client_id)};
  return query_one<OAuthClient>(ex, sql, p, to_client);
}

Result<bool> update_client(Executor ex, const OAuthClient& c) {
  auto p = client_values(c);
  p.push_back(integer(c.updated_at));
  auto r = ex.exec(
      "UPDATE oauth_clients SET client_secret_hash = $2, client_secret_encrypted = $3,"
      " client_secret_expires_at = $4, registration_token_hash = $5, token_endpoint_auth_method = $6,"
      " grant_types = $7, scope = $8, metadata = $9, service_account = $10, enabled = $11, created_by = $12,"
      " updated_at = $13 WHERE client_id = $1",
      p);
  if (!r) return error_of(r);
  return *r > 0;
}

Result<bool> delete_client(Executor ex, const ClientRevocation& cutoff) {
  const std::string_view client_id = cutoff.client_id;
  // Revoke first: deleting a token row records nothing, and the client's access tokens are JWTs
  // other instances accept until they see a revocation (the trigger on revoked_at records it). In
  // this order a failure part-way leaves revoked tokens of a still-existing client, which a retry
  // finishes. No expiry filter: verifiers may allow clock leeway past exp, and this is rare.
  const Value revoke_p[] = {text(client_id), integer(cutoff.revoked_at)};
  if (auto r = ex.exec("UPDATE oauth_tokens SET revoked_at = $2 WHERE client_id = $1 AND revoked_at IS NULL",
                       revoke_p);
      !r) {
    return error_of(r);
  }
  const Value p[] = {text(client_id)};
  if (auto r = ex.exec("DELETE FROM oauth_tokens WHERE client_id = $1", p); !r) return error_of(r);
  auto r = ex.exec("DELETE FROM oauth_clients WHERE client_id = $1", p);
  if (!r) return error_of(r);
  if (*r == 0) return false;
  // Its tokens issued without a row (client_credentials) are revoked by the cut-off.
  if (auto st = record_client_revocation(ex, cutoff); !st) return error_of(st);
  return true;
}

Result<bool> set_client_enabled(Executor ex, std::string_view client_id, bool enabled, std::int64_t now) {
  // True whenever the client exists, even if it already was in that state: callers map false to 404.
  const Value p[] = {text(client_id), boolean(enabled), integer(now)};
  auto r = ex.exec("UPDATE oauth_clients SET enabled = $2, updated_at = $3 WHERE client_id = $1", p);
  if (!r) return error_of(r);
  return *r > 0;
}

Result<Page<OAuthClient, std::string>> list_clients(Executor ex, const ClientQuery& q) {
  if (auto st = check_limit(q.limit); !st) return error_of(st);
  // At most eight distinct statements, so the drivers' statement caches stay small.
  std::string sql(kSelect);
  std::vector<Value> p = {integer(q.limit + 1)};
  const char* glue = " WHERE ";
  auto where = [&](std::string_view column, std::string_view op, Value v) {
    p.push_back(std::move(v));
    sql += glue;
    sql += column;
    sql += op;
    sql += "$" + std::to_string(p.size());
    glue = " AND ";
  };
  if (q.after_client_id) where("client_id", " > ", text(*q.after_client_id));
  if (q.enabled) where("enabled", " = ", boolean(*q.enabled));
  if (q.service_account) where("service_account", " = ", boolean(*q.service_account));
  sql += " ORDER BY client_id LIMIT $1";
  auto rows = ex.query(sql, p);
  if (!rows) return error_of(rows);
  return make_page<OAuthClient, std::string>(*rows, q.limit, to_client,
                                             [](const OAuthClient& c) { return c.client_id; });
}

}  // namespace bs::store
