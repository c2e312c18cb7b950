#include "store/repo_util.hpp"

namespace bs::store {
namespace {

using namespace detail;

constexpr std::string_view kSelect =
    "SELECT id, user_id, refresh_token_hash, created_at, expires_at, refreshed_at, revoked_at FROM "
    "auth_sessions ";

AuthSession to_session(const Row& r) {
  AuthSession s;
  s.id = r.text(0);
  s.user_id = r.text(1);
  s.refresh_token_hash = r.text(2);
  s.created_at = r.integer(3);
  s.expires_at = r.integer(4);
  s.refreshed_at = r.opt_integer(5);
  s.revoked_at = r.opt_integer(6);
  return s;
}

}  // namespace

Status insert_auth_session(Executor ex, const AuthSession& s) {
  const Value p[] = {text(s.id),
                     text(s.user_id),
                     text(s.refresh_token_hash),
                     integer(s.created_at),
                     integer(s.expires_at),
                     opt(s.refreshed_at),
                     opt(s.revoked_at)};
  auto r = ex.exec(
      "INSERT INTO auth_sessions (id, user_id, refresh_token_hash, created_at, expires_at, refreshed_at,"
      " revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      p);
  if (!r) return error_of(r);
  return ok();
}

Result<std::optional<AuthSession>> find_auth_session_by_id(Executor ex, std::string_view id) {
  static const std::string sql = std::string(kSelect) + "WHERE id = $1";
  const Value p[] = {text(id)};
  return query_one<AuthSession>(ex, sql, p, to_session);
}

Result<std::optional<AuthSession>> find_auth_session_by_refresh_hash(Executor ex,
                                                                     std::string_view refresh_hash) {
  static const std::string sql = std::string(kSelect) + "WHERE refresh_token_hash = $1";
  const Value p[] = {text(refresh_hash)};
  return query_one<AuthSession>(ex, sql, p, to_session);
}

Result<bool> rotate_auth_session_refresh(Executor ex, std::string_view id, std::string_view old_hash,
                                         std::string_view new_hash, std::int64_t now) {
  // One conditional UPDATE is the compare-and-swap: the database serializes concurrent updates of
  // the row, and the loser's WHERE no longer matches the hash the winner replaced.
  const Value p[] = {text(id), text(old_hash), text(new_hash), integer(now)};
  auto r = ex.exec(
      "UPDATE auth_sessions SET refresh_token_hash = $3, refreshed_at = $4"
      " WHERE id = $1 AND refresh_token_hash = $2 AND revoked_at IS NULL AND expires_at > $4",
      p);
  if (!r) return error_of(r);
  return *r > 0;
}

Result<bool> revoke_auth_session(Executor ex, std::string_view id, std::int64_t now) {
  const Value p[] = {text(id), integer(now)};
  auto r = ex.exec("UPDATE auth_sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", p);
  if (!r) return error_of(r);
  return *r > 0;
}

Result<std::int64_t> revoke_user_auth_sessions(Executor ex, std::string_view user_id, std::int64_t now) {
  const Value p[] = {text(user_id), integer(now)};
  return ex.exec("UPDATE auth_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL", p);
}

Result<std::int64_t> delete_expired_auth_sessions(Executor ex, std::int64_t now) {
  const Value p[] = {integer(now)};
  return ex.exec("DELETE FROM auth_sessions WHERE expires_at <= $1", p);
}

}  // namespace bs::store
