// Client authentication at the token, introspection, revocation and PAR endpoints (RFC 6749 §2.3,
// RFC 7523 §3): client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt, and
// none for public clients. A client must use the method it registered; anything else is
// invalid_client, and the caller answers 401 (with WWW-Authenticate: Basic when Basic was tried).
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "auth/audit.hpp"
#include "common/errors.hpp"
#include "crypto/jose.hpp"
#include "oauth/client_registry.hpp"
#include "oauth/client_secrets.hpp"
#include "store/database.hpp"
#include "store/oauth_models.hpp"

namespace bs::oauth {

inline constexpr std::string_view kJwtBearerAssertionType =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// What the request presented, already taken apart by the HTTP layer.
struct PresentedClientCredentials {
  std::optional<std::pair<std::string, std::string>> basic;  // decoded and URL-decoded id, secret
  bool basic_malformed = false;
  std::optional<std::string> client_id;      // form parameter
  std::optional<std::string> client_secret;  // form parameter
  std::optional<std::string> client_assertion_type;
  std::optional<std::string> client_assertion;
  std::string ip;
};

// RFC 7523 §3: an assertion lives at most this long, so that its jti need only be remembered briefly.
inline constexpr std::int64_t kMaxAssertionLifetime = 600;

// The checks of a client assertion that need no database, apart so they can be tested and fuzzed
// alone. Errors are invalid_client; the description is the reason for the audit log, never for
// the client. The client an assertion names: iss and sub both the client_id (RFC 7523 §3 items 1-2).
Result<std::string> assertion_client_id(const crypto::DecodedJws& assertion);

struct AssertionClaims {
  std::string jti;
  std::int64_t exp = 0;
};
// The claims of an assertion whose signature verified (items 3-6): iss, aud naming one of audiences,
// exp present and at most kMaxAssertionLifetime ahead, nbf / iat, a non-empty jti. Replay (item 7)
// is the caller's, against the database.
Result<AssertionClaims> check_assertion_claims(const crypto::DecodedJws& assertion,
                                               const std::string& client_id,
                                               const std::vector<std::string>& audiences, std::int64_t now);

struct AuthenticatedClient {
  store::OAuthClient client;
  std::string method;  // the method used (equal to the registered one)
};

class ClientAuthenticator {
 public:
  // token_endpoint: the absolute URL that RFC 7523 assertions may name as aud (the issuer too).
  ClientAuthenticator(store::Database& db, ClientRegistry& clients, const ClientSecrets& secrets,
                      auth::AuditLog& audit, std::string issuer, std::string token_endpoint);

  Result<AuthenticatedClient> authenticate(const PresentedClientCredentials& presented);
  // The common case decided without touching the database: a client_secret_basic or
  // client_secret_post client found in the cache, enabled, presenting its valid secret. nullopt for
  // anything else (the caller then runs authenticate(), which also audits failures).
  std::optional<AuthenticatedClient> authenticate_without_blocking(
      const PresentedClientCredentials& presented);

 private:
  Result<AuthenticatedClient> authenticate_assertion(const PresentedClientCredentials& presented);
  Result<store::OAuthClient> load(std::string_view client_id);
  Result<AuthenticatedClient> failure(const PresentedClientCredentials& presented,
                                      const std::string& client_id, const std::string& reason);
  // A registered JWK, parsed and validated once per distinct JSON text (nullopt: unusable).
  std::optional<crypto::Jwk> registered_key(const nlohmann::json& jwk);

  store::Database& db_;
  ClientRegistry& clients_;
  const ClientSecrets& secrets_;
  auth::AuditLog& audit_;
  std::string issuer_;
  std::string token_endpoint_;
  // Parsing a public JWK (with its point-on-curve check) costs more than verifying the assertion,
  // so private_key_jwt keys are kept parsed, keyed by their exact JSON: a client that registers
  // new keys is matched against the new text at once. Bounded: cleared when full.
  std::mutex parsed_keys_mutex_;
  std::unordered_map<std::string, std::optional<crypto::Jwk>> parsed_keys_;
};

}  // namespace bs::oauth
