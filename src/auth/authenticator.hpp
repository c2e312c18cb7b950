// The one authentication path: resolves whatever credential a request carries to a Principal.
// Session JWTs and OAuth access tokens are told apart by their JOSE "typ" (session+jwt / at+jwt).
#pragma once

#include <functional>
#include <optional>

#include "auth/api_keys.hpp"
#include "auth/principal.hpp"
#include "auth/sessions.hpp"

namespace bs::auth {

class Authenticator {
 public:
  using AccessTokenVerifier = std::function<Result<Principal>(std::string_view token)>;

  Authenticator(SessionService& sessions, ApiKeyService& api_keys)
      : sessions_(sessions), api_keys_(api_keys) {}
  // A verifier's answer for a token it verified before, without decoding it; nullopt otherwise.
  using CachedAccessTokenVerifier = std::function<std::optional<Result<Principal>>(std::string_view token)>;

  // The OAuth server plugs in its access-token verifier (RFC 9068 at+jwt), and the lookup of the
  // tokens it verified before, which answers a repeated token before its header is even decoded.
  void set_access_token_verifier(AccessTokenVerifier verifier, CachedAccessTokenVerifier cached = {}) {
    access_tokens_ = std::move(verifier);
    cached_access_tokens_ = std::move(cached);
  }

  // unauthorized when nothing was presented; invalid_token when what was presented is not valid.
  Result<Principal> authenticate(const Credentials& credentials);
  // The same answer for a thread that must never wait: nullopt when it needs the database (an API
  // key, a session token), since OAuth access tokens are verified in memory.
  std::optional<Result<Principal>> authenticate_without_blocking(const Credentials& credentials);

 private:
  SessionService& sessions_;
  ApiKeyService& api_keys_;
  AccessTokenVerifier access_tokens_;
  CachedAccessTokenVerifier cached_access_tokens_;
};

}  // namespace bs::auth
