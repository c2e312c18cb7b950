#include "store/badge_issuer_repositories.hpp"
#include "store/repo_util.hpp"

namespace bs::store {
namespace {

using namespace detail;

constexpr std::string_view kIssuerSelect = "SELECT id, profile, created_by, created_at FROM badge_issuers ";
constexpr std::string_view kAchievementSelect =
    "SELECT id, issuer_id, achievement, created_by, created_at FROM badge_achievements ";
constexpr std::string_view kCredentialSelect =
    "SELECT id, credential_id, issuer_id, achievement_id, recipient, delivered_to, credential, compact_jws,"
    " created_by, issued_at, revoked_at, revocation_reason FROM badge_issued_credentials ";

BadgeIssuer to_issuer(const Row& r) {
  return {r.text(0), r.text(1), r.text(2), r.integer(3)};
}

BadgeAchievement to_achievement(const Row& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3), r.integer(4)};
}

IssuedCredential to_credential(const Row& r) {
  IssuedCredential c;
  c.id = r.text(0);
  c.credential_id = r.text(1);
  c.issuer_id = r.text(2);
  c.achievement_id = r.text(3);
  c.recipient = r.text(4);
  c.delivered_to = r.opt_text(5);
  c.credential = r.text(6);
  c.compact_jws = r.text(7);
  c.created_by = r.text(8);
  c.issued_at = r.integer(9);
  c.revoked_at = r.opt_integer(10);
  c.revocation_reason = r.opt_text(11);
  return c;
}

// Keyset listing by id with an optional issuer filter: $1 limit, then the filters in order.
template <class T, class Map>
Result<Page<T, std::string>> list_by_id(Executor ex, std::string_view select,
                                        const std::optional<std::string>& issuer_id,
                                        const std::optional<std::string>& after_id, std::int64_t limit,
                                        Map map) {
  if (auto st = check_limit(limit); !st) return error_of(st);
  std::string sql(select);
  std::vector<Value> p = {integer(limit + 1)};
  std::string where;
  if (issuer_id) {
    p.push_back(text(*issuer_id));
    where += "issuer_id = $" + std::to_string(p.size());
  }
  if (after_id) {
    p.push_back(text(*after_id));
    where += std::string(where.empty() ? "" : " AND ") + "id > $" + std::to_string(p.size());
  }
  if (!where.empty()) sql += "WHERE " + where + " ";
  sql += "ORDER BY id LIMIT $1";
  auto rows = ex.query(sql, p);
  if (!rows) return error_of(rows);
  return make_page<T, std::string>(*rows, limit, map, [](const T& row) { return row.id; });
}

}  // namespace

Status insert_badge_issuer(Executor ex, const BadgeIssuer& i) {
  const Value p[] = {text(i.id), text(i.profile), text(i.created_by), integer(i.created_at)};
  auto r =
      ex.exec("INSERT INTO badge_issuers (id, profile, created_by, created_at) VALUES ($1, $2, $3, $4)", p);
  if (!r) return error_of(r);
  return ok();
}

Result<std::optional<BadgeIssuer>> find_badge_issuer(Executor ex, std::string_view id) {
  static const std::string sql = std::string(kIssuerSelect) + "WHERE id = $1";
  const Value p[] = {text(id)};
  return query_one<BadgeIssuer>(ex, sql, p, to_issuer);
}

Result<Page<BadgeIssuer, std::string>> list_badge_issuers(Executor ex,
                                                          const std::optional<std::string>& after_id,
                                                          std::int64_t limit) {
  return list_by_id<BadgeIssuer>(ex, kIssuerSelect, std::nullopt, after_id, limit, to_issuer);
}

Status insert_badge_achievement(Executor ex, const BadgeAchievement& a) {
  const Value p[] = {text(a.id), text(a.issuer_id), text(a.achievement), text(a.created_by),
                     integer(a.created_at)};
  auto r = ex.exec(
      "INSERT INTO badge_achievements (id, issuer_id, achievement, created_by, created_at)"
      " VALUES ($1, $2, $3, $4, $5)",
      p);
  if (!r) return error_of(r);
  return ok();
}

Result<std::optional<BadgeAchievement>> find_badge_achievement(Executor ex, std::string_view id) {
  static const std::string sql = std::string(kAchievementSelect) + "WHERE id = $1";
  const Value p[] = {text(id)};
  return query_one<BadgeAchievement>(ex, sql, p, to_achievement);
}

Result<Page<BadgeAchievement, std::string>> list_badge_achievements(
    Executor ex, const std::optional<std::string>& issuer_id, const std::optional<std::string>& after_id,
    std::int64_t limit) {
  return list_by_id<BadgeAchievement>(ex, kAchievementSelect, issuer_id, after_id, limit, to_achievement);
}

Status insert_issued_credential(Executor ex, const IssuedCredential& c) {
  const Value p[] = {text(c.id),         text(c.credential_id), text(c.issuer_id),  text(c.achievement_id),
                     text(c.recipient),  opt(c.delivered_to),   text(c.credential), text(c.compact_jws),
                     text(c.created_by), integer(c.issued_at),  opt(c.revoked_at),  opt(c.revocation_reason)};
  auto r = ex.exec(
      "INSERT INTO badge_issued_credentials (id, credential_id, issuer_id, achievement_id, recipient, "
      "delivered_to,"
      " credential, compact_jws, created_by, issued_at, revoked_at, revocation_reason)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
      p);
  if (!r) return error_of(r);
  return ok();
}

Result<std::optional<IssuedCredential>> find_issued_credential(Executor ex, std::string_view id) {
  static const std::string sql = std::string(kCredentialSelect) + "WHERE id = $1";
  const Value p[] = {text(id)};
  return query_one<IssuedCredential>(ex, sql, p, to_credential);
}

Result<std::optional<IssuedCredential>> find_issued_credential_by_credential_id(
    Executor ex, std::string_view credential_id) {
  static const std::string sql = std::string(kCredentialSelect) + "WHERE credential_id = $1";
  const Value p[] = {text(credential_id)};
  return query_one<IssuedCredential>(ex, sql, p, to_credential);
}

Result<Page<IssuedCredential, std::string>> list_issued_credentials(
    Executor ex, const std::optional<std::string>& issuer_id, const std::optional<std::string>& after_id,
    std::int64_t limit) {
  return list_by_id<IssuedCredential>(ex, kCredentialSelect, issuer_id, after_id, limit, to_credential);
}

Result<bool> revoke_issued_credential(Executor ex, std::string_view id, std::int64_t now,
                                      const std::optional<std::string>& reason) {
  const Value p[] = {text(id), integer(now), opt(reason)};
  auto r = ex.exec(
      "UPDATE badge_issued_credentials SET revoked_at = $2, revocation_reason = $3"
      " WHERE id = $1 AND revoked_at IS NULL",
      p);
  if (!r) return error_of(r);
  return *r > 0;
}

Result<std::vector<IssuedCredential>> list_revoked_credentials(Executor ex, std::string_view issuer_id) {
  static const std::string sql = std::string(kCredentialSelect) +
                                 "WHERE issuer_id = $1 AND revoked_at IS NOT NULL ORDER BY revoked_at, id";
  const Value p[] = {text(issuer_id)};
  auto rows = ex.query(sql, p);
  if (!rows) return error_of(rows);
  std::vector<IssuedCredential> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back(to_credential(r));
  return out;
}

}  // namespace bs::store
