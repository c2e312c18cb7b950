#include <sstream>

#include "store/repo_util.hpp"

namespace bs::store {
namespace {

using namespace detail;

constexpr std::string_view kSelect =
    "SELECT id, name, key_hash, scopes, created_by, created_at, expires_at, revoked_at, last_used_at"
    " FROM api_keys ";

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (s.empty()) continue;
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

std::vector<std::string> split_scopes(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string scope; in >> scope;) out.push_back(std::move(scope));
  return out;
}

ApiKey to_api_key(const Row& r) {
  ApiKey k;
  k.id = r.text(0);
  k.name = r.text(1);
  k.key_hash = r.text(2);
  k.scopes = split_scopes(r.text(3));
  k.created_by = r.opt_text(4);
  k.created_at = r.integer(5);
  k.expires_at = r.opt_integer(6);
  k.revoked_at = r.opt_integer(7);
  k.last_used_at = r.opt_integer(8);
  return k;
}

}  // namespace

Status insert_api_key(Executor ex, const ApiKey& k) {
  const Value p[] = {
      text(k.id),         text(k.name),          text(k.key_hash),  text(join_scopes(k.scopes)),
      opt(k.created_by),  integer(k.created_at), opt(k.expires_at), opt(k.revoked_at),
      opt(k.last_used_at)};
  auto r = ex.exec(
      "INSERT INTO api_keys (id, name, key_hash, scopes, created_by, created_at, expires_at, revoked_at,"
      " last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      p);
  if (!r) return error_of(r);
  return ok();
}

Result<std::optional<ApiKey>> find_api_key(Executor ex, std::string_view id) {
  static const std::string sql = std::string(kSelect) + "WHERE id = $1";
  const Value p[] = {text(id)};
  return query_one<ApiKey>(ex, sql, p, to_api_key);
}

Result<Page<ApiKey, std::string>> list_api_keys(Executor ex, const std::optional<std::string>& after_id,
                                                std::int64_t limit) {
  if (auto st = check_limit(limit); !st) return error_of(st);
  static const std::string first = std::string(kSelect) + "ORDER BY id LIMIT $1";
  static const std::string next = std::string(kSelect) + "WHERE id > $2 ORDER BY id LIMIT $1";
  std::vector<Value> p = {integer(limit + 1)};
  if (after_id) p.push_back(text(*after_id));
  auto rows = ex.query(after_id ? next : first, p);
  if (!rows) return error_of(rows);
  return make_page<ApiKey, std::string>(*rows, limit, to_api_key, [](const ApiKey& k) { return k.id; });
}

Result<bool> revoke_api_key(Executor ex, std::string_view id, std::int64_t now) {
  const Value p[] = {text(id), integer(now)};
  auto r = ex.exec("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", p);
  if (!r) return error_of(r);
  return *r > 0;
}

Result<bool> touch_api_key_last_used(Executor ex, std::string_view id, std::int64_t now) {
  const Value p[] = {text(id), integer(now)};
  auto r = ex.exec(
      "UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)",
      p);
  if (!r) return error_of(r);
  return *r > 0;
}

}  // namespace bs::store
