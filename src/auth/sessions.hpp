// Login sessions: email + password -> a signed session JWT (typ session+jwt, its own audience, so it
// can never pass as an OAuth access token) and an opaque, rotating refresh token stored hashed.
#pragma once

#include <cstdint>
#include <string>

#include "auth/audit.hpp"
#include "auth/login_throttle.hpp"
#include "auth/principal.hpp"
#include "auth/users.hpp"
#include "keys/keyring.hpp"
#include "store/database.hpp"

namespace bs::auth {

inline constexpr std::string_view kSessionTokenType = "session+jwt";

struct SessionOptions {
  std::string issuer;
  std::int64_t ttl = 900;
  std::int64_t refresh_ttl = 30 * 86400;
  std::string hash_key;  // keys the refresh-token hashes
};

struct SessionTokens {
  std::string access_token;
  std::string refresh_token;
  std::int64_t expires_in = 0;
  std::string session_id;
  std::string user_id;
};

class SessionService {
 public:
  SessionService(store::Database& db, keys::Keyring& keyring, UserService& users, LoginThrottle& throttle,
                 AuditLog& audit, SessionOptions options);

  // invalid email/password -> unauthorized; throttled -> too_many_requests with retry_after.
  Result<SessionTokens> login(std::string_view email, std::string_view password, const std::string& ip);
  // Rotates the refresh token; a used, revoked or expired one -> invalid_grant.
  Result<SessionTokens> refresh(std::string_view refresh_token, const std::string& ip);
  Status logout(const Principal& principal);
  // Verifies a session JWT (signature, typ, iss, aud, exp) and that its session is live.
  Result<Principal> verify(std::string_view token);

  std::string audience() const { return options_.issuer + "/auth"; }

 private:
  Result<SessionTokens> issue(const store::User& user, const std::string& session_id,
                              const std::string& refresh);
  std::string hash_refresh(std::string_view token) const;

  store::Database& db_;
  keys::Keyring& keyring_;
  UserService& users_;
  LoginThrottle& throttle_;
  AuditLog& audit_;
  SessionOptions options_;
  std::string dummy_hash_;  // verified against for unknown emails, so timing does not reveal accounts
};

}  // namespace bs::auth
