#include "store/badge_host_repositories.hpp"
#include "store/repo_util.hpp"

namespace bs::store {
namespace {

using namespace detail;

constexpr std::string_view kCredentialColumns =
    "owner_user_id, issuer_id, credential_id, credential, compact_jws, valid_from, created_at, updated_at";

ObCredentialRow to_credential(const Row& r) {
  ObCredentialRow c;
  c.owner_user_id = r.text(0);
  c.issuer_id = r.text(1);
  c.credential_id = r.text(2);
  c.credential = r.text(3);
  c.compact_jws = r.opt_text(4);
  c.valid_from = r.integer(5);
  c.created_at = r.integer(6);
  c.updated_at = r.integer(7);
  return c;
}

// "since" is optional: one SQL text for both cases, ($2 IS NULL OR valid_from > $2) would make
// PostgreSQL guess the parameter's type.
std::string since_clause(bool has_since) {
  return has_since ? " AND valid_from > $2" : "";
}

}  // namespace

Result<bool> insert_ob_credential_if_absent(Executor ex, const ObCredentialRow& row) {
  static const std::string sql = "INSERT INTO ob_credentials (" + std::string(kCredentialColumns) +
                                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING";
  const Value p[] = {text(row.owner_user_id), text(row.issuer_id),    text(row.credential_id),
                     text(row.credential),    opt(row.compact_jws),   integer(row.valid_from),
                     integer(row.created_at), integer(row.updated_at)};
  auto r = ex.exec(sql, p);
  if (!r) return error_of(r);
  return *r > 0;
}

Result<bool> replace_ob_credential_if_newer(Executor ex, const ObCredentialRow& row) {
  static const std::string sql =
      "UPDATE ob_credentials SET credential = $4, compact_jws = $5, valid_from = $6, updated_at = $7 "
      "WHERE owner_user_id = $1 AND issuer_id = $2 AND credential_id = $3 AND valid_from < $6";
  const Value p[] = {text(row.owner_user_id), text(row.issuer_id),  text(row.credential_id),
                     text(row.credential),    opt(row.compact_jws), integer(row.valid_from),
                     integer(row.updated_at)};
  auto r = ex.exec(sql, p);
  if (!r) return error_of(r);
  return *r > 0;
}

Result<std::optional<ObCredentialRow>> find_ob_credential(Executor ex, std::string_view owner_user_id,
                                                          std::string_view issuer_id,
                                                          std::string_view credential_id) {
  static const std::string sql = "SELECT " + std::string(kCredentialColumns) +
                                 " FROM ob_credentials WHERE owner_user_id = $1 AND issuer_id = $2 AND "
                                 "credential_id = $3";
  const Value p[] = {text(owner_user_id), text(issuer_id), text(credential_id)};
  return query_one<ObCredentialRow>(ex, sql, p, to_credential);
}

Result<std::vector<ObCredentialRow>> list_ob_credentials(Executor ex, std::string_view owner_user_id,
                                                         std::optional<std::int64_t> since,
                                                         std::int64_t limit, std::int64_t offset) {
  if (auto st = check_limit(limit); !st) return std::unexpected(st.error());
  if (offset < 0) return fail(ErrorCode::invalid_request, "offset must not be negative");
  const std::string sql = "SELECT " + std::string(kCredentialColumns) +
                          " FROM ob_credentials WHERE owner_user_id = $1" + since_clause(since.has_value()) +
                          " ORDER BY valid_from, issuer_id, credential_id LIMIT " + std::to_string(limit) +
                          " OFFSET " + std::to_string(offset);
  std::vector<Value> p = {text(owner_user_id)};
  if (since) p.push_back(integer(*since));
  auto rows = ex.query(sql, p);
  if (!rows) return error_of(rows);
  std::vector<ObCredentialRow> out;
  out.reserve(rows->size());
  for (const Row& r : *rows) out.push_back(to_credential(r));
  return out;
}

Result<std::int64_t> count_ob_credentials(Executor ex, std::string_view owner_user_id,
                                          std::optional<std::int64_t> since) {
  const std::string sql =
      "SELECT COUNT(*) FROM ob_credentials WHERE owner_user_id = $1" + since_clause(since.has_value());
  std::vector<Value> p = {text(owner_user_id)};
  if (since) p.push_back(integer(*since));
  auto rows = ex.query(sql, p);
  if (!rows) return error_of(rows);
  return rows->empty() ? 0 : rows->front().integer(0);
}

Status upsert_ob_profile(Executor ex, const ObProfileRow& row) {
  static const std::string sql =
      "INSERT INTO ob_profiles (user_id, profile, updated_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (user_id) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at";
  const Value p[] = {text(row.user_id), text(row.profile), integer(row.updated_at)};
  auto r = ex.exec(sql, p);
  if (!r) return error_of(r);
  return ok();
}

Result<std::optional<ObProfileRow>> find_ob_profile(Executor ex, std::string_view user_id) {
  static const std::string sql = "SELECT user_id, profile, updated_at FROM ob_profiles WHERE user_id = $1";
  const Value p[] = {text(user_id)};
  return query_one<ObProfileRow>(ex, sql, p, [](const Row& r) {
    return ObProfileRow{r.text(0), r.text(1), r.integer(2)};
  });
}

}  // namespace bs::store
