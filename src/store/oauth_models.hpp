// Rows of the OAuth tables (migrations/*/0002_oauth.sql). Timestamps are Unix seconds;
// std::optional marks a nullable column.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bs::store {

struct OAuthClient {
  std::string client_id;
  // HMAC-SHA256 (hex) of the client secret; nullopt for public and private_key_jwt clients.
  std::optional<std::string> client_secret_hash;
  // The secret itself, AES-GCM-encrypted under the key-encryption key (base64): only for
  // client_secret_jwt, whose HS256 assertions can only be verified with the secret in hand.
  std::optional<std::string> client_secret_encrypted;
  std::int64_t client_secret_expires_at = 0;           // 0: never (RFC 7591)
  std::optional<std::string> registration_token_hash;  // RFC 7592 registration_access_token (HMAC hex)
  std::string token_endpoint_auth_method;              // none | client_secret_basic | ... | private_key_jwt
  std::vector<std::string> grant_types;                // stored space-separated
  std::vector<std::string> scope;                      // registered scopes, stored space-separated
  std::string metadata;                                // the full registered metadata, JSON object
  bool service_account = false;                        // may be granted admin:* scopes (admin API only)
  bool enabled = true;
  std::string created_by;  // "registration", or the admin actor
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct OAuthToken {
  std::string jti;   // access tokens: the JWT's jti; refresh tokens: HMAC hex of the token
  std::string kind;  // "access" | "refresh"
  std::string client_id;
  std::string subject;                    // user id, or the client_id for client_credentials
  std::vector<std::string> scope;         // stored space-separated
  std::string audience;                   // space-separated when several
  std::optional<std::string> grant_id;    // the authorization grant / refresh family it belongs to
  std::optional<std::string> parent_jti;  // refresh rotation: the token this one replaced
  std::int64_t issued_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> revoked_at;
  std::optional<std::int64_t> used_at;  // refresh tokens: when rotated (reuse detection)
};

// One revocation, as every instance polls them to keep its in-memory deny list current.
struct Revocation {
  std::int64_t id = 0;  // assigned by the database; increases
  std::string jti;
  std::int64_t expires_at = 0;  // the revoked token's expiry: the row is useless after it
  std::int64_t revoked_at = 0;
};

// Every access token of a client issued up to issued_before_us is revoked (a cut-off, for the
// tokens that have no row to mark: migrations/*/0009_client_revocations.sql).
struct ClientRevocation {
  std::string client_id;
  std::int64_t issued_before_us = 0;  // microseconds since the Unix epoch
  std::int64_t expires_at = 0;        // no token it covers is live after this
  std::int64_t revoked_at = 0;
};

}  // namespace bs::store
