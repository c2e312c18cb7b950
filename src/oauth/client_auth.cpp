#include "oauth/client_auth.hpp"

#include "crypto/jose.hpp"
#include "store/oauth_repositories.hpp"

namespace bs::oauth {

Result<std::string> assertion_client_id(const crypto::DecodedJws& assertion) {
  const auto& claims = assertion.payload;
  const std::string iss =
      claims.value("iss", nlohmann::json()).is_string() ? claims["iss"].get<std::string>() : "";
  const std::string sub =
      claims.value("sub", nlohmann::json()).is_string() ? claims["sub"].get<std::string>() : "";
  if (iss.empty() || iss != sub)
    return fail(ErrorCode::invalid_client, "assertion iss and sub must both be the client_id");
  return iss;
}

Result<AssertionClaims> check_assertion_claims(const crypto::DecodedJws& assertion,
                                               const std::string& client_id,
                                               const std::vector<std::string>& audiences, std::int64_t now) {
  crypto::JwtExpectations expect;
  expect.issuer = client_id;
  expect.audiences = audiences;
  expect.now = now;
  expect.max_lifetime_seconds = kMaxAssertionLifetime;
  if (auto st = crypto::validate_jwt_claims(assertion, expect); !st)
    return fail(ErrorCode::invalid_client, "assertion: " + st.error().description);
  const auto& claims = assertion.payload;
  auto jti = claims.find("jti");
  if (jti == claims.end() || !jti->is_string() || jti->get<std::string>().empty())
    return fail(ErrorCode::invalid_client, "assertion has no jti");
  const auto exp = claims["exp"].get<std::int64_t>();
  if (exp - now > kMaxAssertionLifetime) return fail(ErrorCode::invalid_client, "assertion lives too long");
  return AssertionClaims{jti->get<std::string>(), exp};
}

ClientAuthenticator::ClientAuthenticator(store::Database& db, ClientRegistry& clients,
                                         const ClientSecrets& secrets, auth::AuditLog& audit,
                                         std::string issuer, std::string token_endpoint)
    : db_(db),
      clients_(clients),
      secrets_(secrets),
      audit_(audit),
      issuer_(std::move(issuer)),
      token_endpoint_(std::move(token_endpoint)) {}

Result<AuthenticatedClient> ClientAuthenticator::failure(const PresentedClientCredentials& presented,
                                                         const std::string& client_id,
                                                         const std::string& reason) {
  audit_.record({"client_auth.failed",
                 "client:" + client_id,
                 client_id,
                 presented.ip,
                 "failure",
                 {{"reason", reason}}});
  // One description for every failure: the answer does not tell which part was wrong.
  return fail(ErrorCode::invalid_client, "client authentication failed");
}

Result<store::OAuthClient> ClientAuthenticator::load(std::string_view client_id) {
  auto found = clients_.find(client_id);
  if (!found) return std::unexpected(found.error());
  if (!*found) return fail(ErrorCode::invalid_client, "unknown client");
  if (!(*found)->enabled) return fail(ErrorCode::invalid_client, "client disabled");
  return **found;
}

Result<AuthenticatedClient> ClientAuthenticator::authenticate(const PresentedClientCredentials& p) {
  if (p.basic_malformed) return failure(p, "", "malformed Basic credentials");
  const int methods = (p.basic ? 1 : 0) + (p.client_secret ? 1 : 0) + (p.client_assertion ? 1 : 0);
  if (methods > 1)
    return fail(ErrorCode::invalid_request,
                "use exactly one client authentication method (RFC 6749 section 2.3)");

  if (p.client_assertion || p.client_assertion_type) return authenticate_assertion(p);

  std::string client_id;
  std::optional<std::string> secret;
  std::string method;
  if (p.basic) {
    client_id = p.basic->first;
    secret = p.basic->second;
    method = "client_secret_basic";
    if (p.client_id && *p.client_id != client_id)
      return fail(ErrorCode::invalid_request, "client_id differs from the authenticated client");
  } else if (p.client_secret) {
    if (!p.client_id) return fail(ErrorCode::invalid_request, "client_secret without client_id");
    client_id = *p.client_id;
    secret = p.client_secret;
    method = "client_secret_post";
  } else if (p.client_id) {
    client_id = *p.client_id;
    method = "none";
  } else {
    return fail(ErrorCode::invalid_client, "client authentication required");
  }

  auto client = load(client_id);
  if (!client) {
    if (client.error().code != ErrorCode::invalid_client) return std::unexpected(client.error());
    // Spend the same time as a real comparison so unknown ids do not answer faster.
    if (secret) (void)secrets_.matches(*secret, std::string(64, '0'));
    return failure(p, client_id, client.error().description);
  }
  if (client->token_endpoint_auth_method != method)
    return failure(p, client_id, "used " + method + ", registered " + client->token_endpoint_auth_method);
  if (method != "none") {
    if (!client->client_secret_hash || !secrets_.matches(*secret, *client->client_secret_hash))
      return failure(p, client_id, "wrong secret");
    if (client->client_secret_expires_at != 0 && client->client_secret_expires_at <= store::unix_now())
      return failure(p, client_id, "secret expired");
  }
  return AuthenticatedClient{std::move(*client), method};
}

std::optional<AuthenticatedClient> ClientAuthenticator::authenticate_without_blocking(
    const PresentedClientCredentials& p) {
  if (p.basic_malformed || p.client_assertion || p.client_assertion_type) return std::nullopt;
  const std::string* client_id = nullptr;
  const std::string* secret = nullptr;
  std::string_view method;
  if (p.basic && !p.client_secret && (!p.client_id || *p.client_id == p.basic->first)) {
    client_id = &p.basic->first;
    secret = &p.basic->second;
    method = "client_secret_basic";
  } else if (!p.basic && p.client_id && p.client_secret) {
    client_id = &*p.client_id;
    secret = &*p.client_secret;
    method = "client_secret_post";
  } else {
    return std::nullopt;
  }
  auto client = clients_.find_cached(*client_id);
  if (!client || !client->enabled || client->token_endpoint_auth_method != method) return std::nullopt;
  if (!client->client_secret_hash || !secrets_.matches(*secret, *client->client_secret_hash))
    return std::nullopt;
  if (client->client_secret_expires_at != 0 && client->client_secret_expires_at <= store::unix_now())
    return std::nullopt;
  return AuthenticatedClient{std::move(*client), std::string(method)};
}

std::optional<crypto::Jwk> ClientAuthenticator::registered_key(const nlohmann::json& jwk) {
  constexpr std::size_t kMaxParsedKeys = 4096;
  std::string text = jwk.dump();
  {
    std::lock_guard lock(parsed_keys_mutex_);
    if (auto it = parsed_keys_.find(text); it != parsed_keys_.end()) return it->second;
  }
  auto parsed = crypto::Jwk::from_json(jwk);
  std::optional<crypto::Jwk> key = parsed ? std::optional<crypto::Jwk>(std::move(*parsed)) : std::nullopt;
  std::lock_guard lock(parsed_keys_mutex_);
  if (parsed_keys_.size() >= kMaxParsedKeys) parsed_keys_.clear();
  parsed_keys_.emplace(std::move(text), key);
  return key;
}

Result<AuthenticatedClient> ClientAuthenticator::authenticate_assertion(const PresentedClientCredentials& p) {
  if (!p.client_assertion || !p.client_assertion_type)
    return fail(ErrorCode::invalid_request, "client_assertion and client_assertion_type go together");
  if (*p.client_assertion_type != kJwtBearerAssertionType)
    return fail(ErrorCode::invalid_request, "unsupported client_assertion_type");
  auto jws = crypto::decode_jws(*p.client_assertion);
  if (!jws) return failure(p, p.client_id.value_or(""), "assertion: " + jws.error().description);
  auto named = assertion_client_id(*jws);
  if (!named) {
    const auto& iss = jws->payload.value("iss", nlohmann::json());
    return failure(p, iss.is_string() ? iss.get<std::string>() : "", named.error().description);
  }
  const std::string& iss = *named;
  if (p.client_id && *p.client_id != iss) return failure(p, iss, "assertion names another client");

  auto client = load(iss);
  if (!client) {
    if (client.error().code != ErrorCode::invalid_client) return std::unexpected(client.error());
    return failure(p, iss, client.error().description);
  }
  const auto& method = client->token_endpoint_auth_method;
  crypto::Jwk key;
  if (method == "client_secret_jwt") {
    if (jws->alg != crypto::JwsAlg::HS256) return failure(p, iss, "client_secret_jwt needs HS256");
    if (!client->client_secret_encrypted) return failure(p, iss, "no secret on record");
    auto secret = secrets_.decrypt(*client->client_secret_encrypted, client->client_id);
    if (!secret) return std::unexpected(secret.error());
    key = crypto::Jwk::symmetric(*secret);
    key.alg = crypto::JwsAlg::HS256;
  } else if (method == "private_key_jwt") {
    if (jws->alg == crypto::JwsAlg::HS256) return failure(p, iss, "private_key_jwt needs an asymmetric alg");
    auto metadata = client_metadata(*client);
    if (auto want = metadata.find("token_endpoint_auth_signing_alg");
        want != metadata.end() && want->is_string() && *want != crypto::jws_alg_name(jws->alg))
      return failure(p, iss, "assertion alg differs from token_endpoint_auth_signing_alg");
    auto keys = metadata.find("jwks");
    if (keys == metadata.end() || !keys->is_object() || !(*keys)["keys"].is_array())
      return failure(p, iss, "client has no registered jwks");
    const std::string kid =
        jws->header.value("kid", nlohmann::json()).is_string() ? jws->header["kid"].get<std::string>() : "";
    bool found = false;
    for (const auto& candidate : (*keys)["keys"]) {
      auto jwk = registered_key(candidate);
      if (!jwk || !jwk->compatible_with(jws->alg)) continue;
      if (!kid.empty() && jwk->kid != kid) continue;
      key = std::move(*jwk);
      found = true;
      break;
    }
    if (!found) return failure(p, iss, "no registered key matches the assertion");
  } else {
    return failure(p, iss, "used a client assertion, registered " + method);
  }
  if (auto st = crypto::verify_jws(*jws, key); !st)
    return failure(p, iss, "assertion signature: " + st.error().description);

  auto claims = check_assertion_claims(*jws, iss, {token_endpoint_, issuer_}, store::unix_now());
  if (!claims) return failure(p, iss, claims.error().description);
  // RFC 7523 §3 item 7: a jti is accepted once. The record outlives the assertion's validity.
  auto recorded = store::record_assertion_jti(db_, iss, claims->jti, claims->exp + 60);
  if (!recorded) {
    if (recorded.error().code == ErrorCode::conflict) return failure(p, iss, "assertion jti replayed");
    return std::unexpected(recorded.error());
  }
  return AuthenticatedClient{std::move(*client), method};
}

}  // namespace bs::oauth
