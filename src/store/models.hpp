// Plain rows of the tables in migrations/*/0001_foundation.sql. Timestamps are Unix seconds;
// std::optional marks a nullable column.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bs::store {

struct User {
  std::string id;
  std::string email;  // stored lower-cased (ASCII); lookups by email ignore ASCII case
  std::string name;
  std::string password_hash;
  std::string role = "user";
  bool disabled = false;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct ApiKey {
  std::string id;
  std::string name;
  std::string key_hash;
  std::vector<std::string> scopes;  // stored space-separated
  std::optional<std::string> created_by;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> expires_at;
  std::optional<std::int64_t> revoked_at;
  std::optional<std::int64_t> last_used_at;
};

struct SigningKeyRecord {
  std::string kid;
  std::string alg;
  std::string private_key_encrypted;  // base64
  std::string public_jwk;             // JSON
  std::int64_t created_at = 0;
  std::int64_t activates_at = 0;           // signs from then
  std::optional<std::int64_t> retired_at;  // stops signing
  std::optional<std::int64_t> expires_at;  // unpublished after, unless retained
  // The public half stays published until then (or forever) for long-lived credentials it signed.
  std::optional<std::int64_t> retain_public_until;
  bool retain_public_forever = false;
};

struct AuthSession {
  std::string id;
  std::string user_id;
  std::string refresh_token_hash;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> refreshed_at;
  std::optional<std::int64_t> revoked_at;
};

struct AuditEvent {
  std::int64_t id = 0;  // assigned by the database on insert
  std::int64_t at = 0;
  std::string event;
  std::optional<std::string> actor;
  std::optional<std::string> subject;
  std::optional<std::string> ip;
  std::string outcome;
  std::optional<std::string> details;  // JSON
};

// One page of a cursor-paginated listing. next_cursor is set when more rows may follow; pass it
// back as the cursor to get them.
template <class T, class Cursor>
struct Page {
  std::vector<T> items;
  std::optional<Cursor> next_cursor;
};

}  // namespace bs::store
