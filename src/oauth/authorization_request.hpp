// The authorization request (RFC 6749 §4.1.1 with PKCE, RFC 7636; RFC 8707 resources), from plain
// parameters, a signed request object (JAR, RFC 9101) or a pushed request (PAR, RFC 9126).
// Errors found before the client and its redirect URI are known good are never redirected
// (RFC 6749 §4.1.2.1); every later one is, with state and iss.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "common/params.hpp"
#include "oauth/client_registry.hpp"
#include "oauth/token_service.hpp"
#include "store/database.hpp"

namespace bs::oauth {

struct AuthorizationRequest {
  std::string client_id;
  std::string redirect_uri;
  std::vector<std::string> scope;
  std::optional<std::string> state;
  std::string code_challenge;
  std::string code_challenge_method;
  std::vector<std::string> resources;
  std::vector<std::string> audience;
  std::optional<std::string> nonce;
  std::optional<std::string> prompt;

  nlohmann::json to_json() const;
  static Result<AuthorizationRequest> from_json(const nlohmann::json& j);
};

// A failed authorization request: either answered directly (400 JSON) or redirected to the client.
struct AuthorizationError {
  Error error;
  std::optional<std::string> redirect_uri;  // set when the error is to be redirected
  std::optional<std::string> state;
};

struct AuthorizationRequestOptions {
  std::string issuer;
  bool require_pkce = true;  // for every client; public clients always need it
  bool require_par = false;
  std::int64_t par_ttl = 60;
};

inline constexpr std::string_view kRequestUriPrefix = "urn:ietf:params:oauth:request_uri:";

class AuthorizationRequestParser {
 public:
  AuthorizationRequestParser(store::Database& db, ClientRegistry& clients, TokenService& tokens,
                             AuthorizationRequestOptions options);

  const AuthorizationRequestOptions& options() const { return options_; }

  // GET|POST /oauth/authorize parameters -> a validated request.
  std::expected<AuthorizationRequest, AuthorizationError> parse(const Params& params);

  // POST /oauth/par (RFC 9126): validates the pushed parameters for an authenticated client and
  // stores them; errors are never redirected here. Returns {request_uri, expires_in}.
  Result<nlohmann::json> push(const store::OAuthClient& client, const Params& params);

  // The redirect of an error, per RFC 6749 §4.1.2.1 plus RFC 9207's iss.
  std::string error_redirect(const AuthorizationError& error) const;

 private:
  // Validates merged parameters for a known client whose redirect URI is settled.
  std::expected<AuthorizationRequest, AuthorizationError> validate(const store::OAuthClient& client,
                                                                   const Params& params,
                                                                   const std::string& redirect_uri);
  Result<Params> request_object_params(const store::OAuthClient& client, const std::string& request_object);

  store::Database& db_;
  ClientRegistry& clients_;
  TokenService& tokens_;
  AuthorizationRequestOptions options_;
};

// Does redirect_uri match one the client registered? Exact string match; for native clients a
// loopback IP redirect may use any port (RFC 8252 §7.3).
bool redirect_uri_registered(const store::OAuthClient& client, const std::string& redirect_uri);

// Appends form-encoded query parameters to a URI (keeping any query it already has).
std::string with_query(const std::string& uri,
                       const std::vector<std::pair<std::string, std::string>>& params);

// RFC 7636 §4.6: BASE64URL(SHA256(verifier)) == challenge, in constant time.
bool pkce_verifies(const std::string& verifier, const std::string& challenge);
// 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~" (RFC 7636 §4.1).
bool pkce_value_well_formed(const std::string& value);

}  // namespace bs::oauth
