#include <algorithm>

#include "store/authorization_repositories.hpp"
#include "store/repo_util.hpp"

namespace bs::store {
namespace {

using namespace detail;

constexpr std::string_view kColumns =
    "id, subject, client_id, scope, remember, created_at, updated_at, revoked_at";

OAuthConsent to_consent(const Row& r) {
  OAuthConsent c;
  c.id = r.text(0);
  c.subject = r.text(1);
  c.client_id = r.text(2);
  c.scope = split_words(r.text(3));
  c.remember = r.integer(4) != 0;
  c.created_at = r.integer(5);
  c.updated_at = r.integer(6);
  c.revoked_at = r.opt_integer(7);
  return c;
}

std::string select_sql(std::string_view rest) {
  return "SELECT " + std::string(kColumns) + " FROM oauth_consents " + std::string(rest);
}

ConsentLedgerEntry to_entry(const Row& r) {
  ConsentLedgerEntry e;
  e.id = r.integer(0);
  e.consent_id = r.text(1);
  e.subject = r.text(2);
  e.client_id = r.text(3);
  e.action = r.text(4);
  e.scope = split_words(r.text(5));
  e.actor = r.text(6);
  e.at = r.integer(7);
  return e;
}

// Revokes the live consents whose `column` is $1 and returns them as revoked.
Result<std::vector<OAuthConsent>> revoke_where(Executor ex, const std::string& sql, std::string_view key,
                                               std::int64_t now) {
  const Value p[] = {text(key), integer(now)};
  auto rows = ex.query(sql, p);
  if (!rows) return error_of(rows);
  std::vector<OAuthConsent> out;
  out.reserve(rows->size());
  for (const Row& r : *rows) out.push_back(to_consent(r));
  // RETURNING has no ORDER BY; sorted here so callers (and their ledger entries) are deterministic.
  std::ranges::sort(out, {}, &OAuthConsent::id);
  return out;
}

std::string revoke_sql(std::string_view column) {
  return "UPDATE oauth_consents SET revoked_at = $2, updated_at = $2 WHERE " + std::string(column) +
         " = $1 AND revoked_at IS NULL RETURNING " + std::string(kColumns);
}

}  // namespace

// --- consents --------------------------------------------------------------------------------------

Status insert_consent(Executor ex, const OAuthConsent& c) {
  // DO NOTHING (no conflict target: it covers both the primary key and the partial unique index of
  // live consents) rather than a unique violation, which on PostgreSQL would abort the caller's
  // transaction; a grant racing another is an expected outcome the caller recovers from.
  static const std::string sql = "INSERT INTO oauth_consents (" + std::string(kColumns) +
                                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING";
  const Value p[] = {
      text(c.id),          text(c.subject),       text(c.client_id),     text(join_words(c.scope)),
      boolean(c.remember), integer(c.created_at), integer(c.updated_at), opt(c.revoked_at)};
  auto r = ex.exec(sql, p);
  if (!r) return error_of(r);
  if (*r == 0) {
    return fail(ErrorCode::conflict,
                "consent id already exists, or the subject has a live consent to the client");
  }
  return ok();
}

Result<std::optional<OAuthConsent>> find_consent(Executor ex, std::string_view id) {
  static const std::string sql = select_sql("WHERE id = $1");
  const Value p[] = {text(id)};
  return query_one<OAuthConsent>(ex, sql, p, to_consent);
}

Result<std::optional<OAuthConsent>> find_live_consent(Executor ex, std::string_view subject,
                                                      std::string_view client_id) {
  // Matches the partial unique index's predicate, so both dialects answer from that index.
  static const std::string sql = select_sql("WHERE subject = $1 AND client_id = $2 AND revoked_at IS NULL");
  const Value p[] = {text(subject), text(client_id)};
  return query_one<OAuthConsent>(ex, sql, p, to_consent);
}

Result<bool> update_consent_scope(Executor ex, std::string_view id, const std::vector<std::string>& scope,
                                  bool remember, std::int64_t now) {
  const Value p[] = {text(id), text(join_words(scope)), boolean(remember), integer(now)};
  auto r = ex.exec(
      "UPDATE oauth_consents SET scope = $2, remember = $3, updated_at = $4 WHERE id = $1 AND revoked_at IS "
      "NULL",
      p);
  if (!r) return error_of(r);
  return *r > 0;
}

Result<bool> revoke_consent(Executor ex, std::string_view id, std::int64_t now) {
  const Value p[] = {text(id), integer(now)};
  auto r = ex.exec(
      "UPDATE oauth_consents SET revoked_at = $2, updated_at = $2 WHERE id = $1 AND revoked_at IS NULL", p);
  if (!r) return error_of(r);
  return *r > 0;
}

Result<std::vector<OAuthConsent>> revoke_consents_of_subject(Executor ex, std::string_view subject,
                                                             std::int64_t now) {
  static const std::string sql = revoke_sql("subject");
  return revoke_where(ex, sql, subject, now);
}

Result<std::vector<OAuthConsent>> revoke_consents_of_client(Executor ex, std::string_view client_id,
                                                            std::int64_t now) {
  static const std::string sql = revoke_sql("client_id");
  return revoke_where(ex, sql, client_id, now);
}

Result<Page<OAuthConsent, std::string>> list_consents(Executor ex, const ConsentQuery& q) {
  if (auto st = check_limit(q.limit); !st) return error_of(st);
  // At most sixteen distinct statements, so the drivers' statement caches stay small.
  std::string sql = select_sql("");
  std::vector<Value> p = {integer(q.limit + 1)};
  const char* glue = "WHERE ";
  auto where = [&](std::string_view condition, std::optional<Value> v) {
    sql += glue;
    sql += condition;
    if (v) {
      p.push_back(std::move(*v));
      sql += std::to_string(p.size());
    }
    glue = " AND ";
  };
  if (q.subject) where("subject = $", text(*q.subject));
  if (q.client_id) where("client_id = $", text(*q.client_id));
  if (q.after_id) where("id > $", text(*q.after_id));
  if (!q.include_revoked) where("revoked_at IS NULL", std::nullopt);
  sql += " ORDER BY id LIMIT $1";
  auto rows = ex.query(sql, p);
  if (!rows) return error_of(rows);
  return make_page<OAuthConsent, std::string>(*rows, q.limit, to_consent,
                                              [](const OAuthConsent& c) { return c.id; });
}

// --- ledger ----------------------------------------------------------------------------------------

Result<std::int64_t> append_consent_ledger(Executor ex, const ConsentLedgerEntry& e) {
  const Value p[] = {text(e.consent_id),        text(e.subject), text(e.client_id), text(e.action),
                     text(join_words(e.scope)), text(e.actor),   integer(e.at)};
  auto rows = ex.query(
      "INSERT INTO oauth_consent_ledger (consent_id, subject, client_id, action, scope, actor, at)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
      p);
  if (!rows) return error_of(rows);
  if (rows->empty()) return fail(ErrorCode::internal_error, "consent ledger insert returned no id");
  return rows->front().integer(0);
}

Result<Page<ConsentLedgerEntry, std::int64_t>> list_consent_ledger(
    Executor ex, std::string_view consent_id, const std::optional<std::int64_t>& after_id,
    std::int64_t limit) {
  if (auto st = check_limit(limit); !st) return error_of(st);
  static constexpr std::string_view kSelect =
      "SELECT id, consent_id, subject, client_id, action, scope, actor, at FROM oauth_consent_ledger"
      " WHERE consent_id = $2";
  static const std::string first = std::string(kSelect) + " ORDER BY id LIMIT $1";
  static const std::string next = std::string(kSelect) + " AND id > $3 ORDER BY id LIMIT $1";
  std::vector<Value> p = {integer(limit + 1), text(consent_id)};
  if (after_id) p.push_back(integer(*after_id));
  auto rows = ex.query(after_id ? next : first, p);
  if (!rows) return error_of(rows);
  return make_page<ConsentLedgerEntry, std::int64_t>(*rows, limit, to_entry,
                                                     [](const ConsentLedgerEntry& e) { return e.id; });
}

}  // namespace bs::store
