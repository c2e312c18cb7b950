#include <algorithm>

#include "store/repo_util.hpp"

namespace bs::store {
namespace {

using namespace detail;

constexpr std::string_view kColumns =
    "id, email, name, password_hash, role, disabled, created_at, updated_at";

User to_user(const Row& r) {
  User u;
  u.id = r.text(0);
  u.email = r.text(1);
  u.name = r.text(2);
  u.password_hash = r.text(3);
  u.role = r.text(4);
  u.disabled = r.integer(5) != 0;
  u.created_at = r.integer(6);
  u.updated_at = r.integer(7);
  return u;
}

// ASCII only: SQLite's lower() and PostgreSQL's locale-dependent lower() disagree beyond ASCII,
// and doing it here keeps one rule for both.
std::string lower_ascii(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(),
                         [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; });
  return out;
}

std::string select_sql(std::string_view rest) {
  return "SELECT " + std::string(kColumns) + " FROM users " + std::string(rest);
}

}  // namespace

Status insert_user(Executor ex, const User& u) {
  const Value p[] = {text(u.id),   text(lower_ascii(u.email)), text(u.name),          text(u.password_hash),
                     text(u.role), boolean(u.disabled),        integer(u.created_at), integer(u.updated_at)};
  auto r = ex.exec(
      "INSERT INTO users (id, email, name, password_hash, role, disabled, created_at, updated_at)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      p);
  if (!r) return error_of(r);
  return ok();
}

Result<std::optional<User>> find_user_by_id(Executor ex, std::string_view id) {
  static const std::string sql = select_sql("WHERE id = $1");
  const Value p[] = {text(id)};
  return query_one<User>(ex, sql, p, to_user);
}

Result<std::optional<User>> find_user_by_email(Executor ex, std::string_view email) {
  static const std::string sql = select_sql("WHERE email = $1");
  const Value p[] = {text(lower_ascii(email))};
  return query_one<User>(ex, sql, p, to_user);
}

Result<Page<User, std::string>> list_users(Executor ex, const std::optional<std::string>& after_id,
                                           std::int64_t limit) {
  if (auto st = check_limit(limit); !st) return error_of(st);
  static const std::string first = select_sql("ORDER BY id LIMIT $1");
  static const std::string next = select_sql("WHERE id > $2 ORDER BY id LIMIT $1");
  std::vector<Value> p = {integer(limit + 1)};
  if (after_id) p.push_back(text(*after_id));
  auto rows = ex.query(after_id ? next : first, p);
  if (!rows) return error_of(rows);
  return make_page<User, std::string>(*rows, limit, to_user, [](const User& u) { return u.id; });
}

Result<bool> update_user(Executor ex, const User& u) {
  const Value p[] = {text(u.id),   text(lower_ascii(u.email)), text(u.name),         text(u.password_hash),
                     text(u.role), boolean(u.disabled),        integer(u.updated_at)};
  auto r = ex.exec(
      "UPDATE users SET email = $2, name = $3, password_hash = $4, role = $5, disabled = $6, updated_at = $7"
      " WHERE id = $1",
      p);
  if (!r) return error_of(r);
  return *r > 0;
}

Result<bool> delete_user(Executor ex, std::string_view id) {
  const Value p[] = {text(id)};
  auto r = ex.exec("DELETE FROM users WHERE id = $1", p);
  if (!r) return error_of(r);
  return *r > 0;
}

Result<std::int64_t> count_users(Executor ex) {
  auto rows = ex.query("SELECT COUNT(*) FROM users");
  if (!rows) return error_of(rows);
  return rows->empty() ? 0 : rows->front().integer(0);
}

}  // namespace bs::store
