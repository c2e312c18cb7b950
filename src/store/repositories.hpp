// Repository functions: the only SQL outside the drivers, written once for both dialects.
//
// Convention: every function takes an Executor, which is either
//   - a Connection& (inside Database::transaction): compose several calls into one atomic unit, or
//   - a Database&: the single statement runs in its own auto-commit transaction.
// Functions that change rows by key return Result<bool>: whether a row changed (false: no such
// row, or its state did not allow the change). Inserting a duplicate key is ErrorCode::conflict.
// Page limits must be 1..kMaxPageLimit (invalid_request otherwise).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"
#include "store/models.hpp"

namespace bs::store {

// A non-owning handle on whatever runs the statement; cheap to copy, converts implicitly.
class Executor {
 public:
  Executor(Connection& c) : conn_(&c) {}  // NOLINT(google-explicit-constructor): implicit by design
  Executor(Database& db) : db_(&db) {}    // NOLINT(google-explicit-constructor)
  Result<Rows> query(std::string_view sql, std::span<const Value> params = {}) const {
    return conn_ ? conn_->query(sql, params) : db_->query(sql, params);
  }
  Result<std::int64_t> exec(std::string_view sql, std::span<const Value> params = {}) const {
    return conn_ ? conn_->exec(sql, params) : db_->exec(sql, params);
  }

 private:
  Connection* conn_ = nullptr;
  Database* db_ = nullptr;
};

inline constexpr std::int64_t kMaxPageLimit = 1000;

// --- users -------------------------------------------------------------------------------------
Status insert_user(Executor ex, const User& user);
Result<std::optional<User>> find_user_by_id(Executor ex, std::string_view id);
// email is matched ignoring ASCII case (emails are stored lower-cased).
Result<std::optional<User>> find_user_by_email(Executor ex, std::string_view email);
// Ordered by id; rows with id > after_id (all rows when nullopt).
Result<Page<User, std::string>> list_users(Executor ex, const std::optional<std::string>& after_id,
                                           std::int64_t limit);
// Updates every column except id and created_at.
Result<bool> update_user(Executor ex, const User& user);
// Also deletes the user's auth sessions (ON DELETE CASCADE).
Result<bool> delete_user(Executor ex, std::string_view id);
Result<std::int64_t> count_users(Executor ex);

// --- API keys ----------------------------------------------------------------------------------
Status insert_api_key(Executor ex, const ApiKey& key);
Result<std::optional<ApiKey>> find_api_key(Executor ex, std::string_view id);
// Ordered by id; rows with id > after_id (all rows when nullopt).
Result<Page<ApiKey, std::string>> list_api_keys(Executor ex, const std::optional<std::string>& after_id,
                                                std::int64_t limit);
// Sets revoked_at unless already revoked; false when no such key or already revoked.
Result<bool> revoke_api_key(Executor ex, std::string_view id, std::int64_t now);
// Moves last_used_at forward to now (never back). Callers on a hot path should skip the call when
// the loaded key's last_used_at is recent enough: every call that changes a row is a write.
Result<bool> touch_api_key_last_used(Executor ex, std::string_view id, std::int64_t now);

// --- signing keys ------------------------------------------------------------------------------
Status insert_signing_key(Executor ex, const SigningKeyRecord& key);
// Every row, ordered by activates_at then kid.
Result<std::vector<SigningKeyRecord>> list_signing_keys(Executor ex);
Result<bool> update_signing_key_retired(Executor ex, std::string_view kid,
                                        std::optional<std::int64_t> retired_at);
Result<bool> update_signing_key_expires(Executor ex, std::string_view kid,
                                        std::optional<std::int64_t> expires_at);
// Keeps the key's public half published at least until `until` (forever when nullopt). Only ever
// extends: an earlier `until` than the stored one changes nothing. Concurrent calls are safe.
Status retain_signing_key_public(Executor ex, std::string_view kid, std::optional<std::int64_t> until);

// --- auth sessions -----------------------------------------------------------------------------
Status insert_auth_session(Executor ex, const AuthSession& session);
Result<std::optional<AuthSession>> find_auth_session_by_id(Executor ex, std::string_view id);
Result<std::optional<AuthSession>> find_auth_session_by_refresh_hash(Executor ex,
                                                                     std::string_view refresh_hash);
// Compare-and-swap of the refresh token hash: swaps (and sets refreshed_at = now) only while the
// stored hash is old_hash, the session is not revoked and expires_at > now. Of several concurrent
// rotations with the same old hash exactly one returns true, so a replayed refresh token loses.
Result<bool> rotate_auth_session_refresh(Executor ex, std::string_view id, std::string_view old_hash,
                                         std::string_view new_hash, std::int64_t now);
// Sets revoked_at unless already revoked; false when no such session or already revoked.
Result<bool> revoke_auth_session(Executor ex, std::string_view id, std::int64_t now);
// Revokes every live session of a user (password change, account disabled); returns how many.
Result<std::int64_t> revoke_user_auth_sessions(Executor ex, std::string_view user_id, std::int64_t now);
// Deletes sessions whose expires_at <= now; returns how many.
Result<std::int64_t> delete_expired_auth_sessions(Executor ex, std::int64_t now);

// --- audit events ------------------------------------------------------------------------------
// Ignores event.id; returns the id the database assigned.
Result<std::int64_t> insert_audit_event(Executor ex, const AuditEvent& event);

struct AuditQuery {
  std::optional<std::int64_t> before_id;  // cursor: events with id < before_id
  std::int64_t limit = 50;
  std::optional<std::string> event;  // only this event name
};
// Newest first (id descending).
Result<Page<AuditEvent, std::int64_t>> list_audit_events(Executor ex, const AuditQuery& query);

}  // namespace bs::store
