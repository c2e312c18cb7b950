// GET /.well-known/oauth-authorization-server (RFC 8414): everything a client discovers us by.
#include "oauth/endpoints/endpoints.hpp"
#include "oauth/scopes.hpp"

namespace bs::oauth {

nlohmann::json authorization_server_metadata(const std::string& issuer, bool require_par) {
  const nlohmann::json client_auth_methods = {"client_secret_basic", "client_secret_post",
                                              "client_secret_jwt", "private_key_jwt"};
  const nlohmann::json signing_algs = {"HS256", "RS256", "ES256", "EdDSA"};
  nlohmann::json with_none = client_auth_methods;
  with_none.push_back("none");
  return {
      {"issuer", issuer},
      {"authorization_endpoint", issuer + "/oauth/authorize"},
      {"token_endpoint", issuer + "/oauth/token"},
      {"pushed_authorization_request_endpoint", issuer + "/oauth/par"},
      {"require_pushed_authorization_requests", require_par},
      {"jwks_uri", issuer + "/.well-known/jwks.json"},
      {"registration_endpoint", issuer + "/oauth/register"},
      {"introspection_endpoint", issuer + "/oauth/introspect"},
      {"revocation_endpoint", issuer + "/oauth/revoke"},
      {"scopes_supported", supported_scopes()},
      {"response_types_supported", {"code"}},
      {"response_modes_supported", {"query"}},
      {"grant_types_supported", {"authorization_code", "client_credentials", "refresh_token"}},
      {"authorization_response_iss_parameter_supported", true},
      {"request_parameter_supported", true},
      {"request_uri_parameter_supported", false},
      {"request_object_signing_alg_values_supported", {"RS256", "ES256", "EdDSA"}},
      {"token_endpoint_auth_methods_supported", with_none},
      {"token_endpoint_auth_signing_alg_values_supported", signing_algs},
      {"introspection_endpoint_auth_methods_supported", client_auth_methods},
      {"introspection_endpoint_auth_signing_alg_values_supported", signing_algs},
      {"revocation_endpoint_auth_methods_supported", with_none},
      {"revocation_endpoint_auth_signing_alg_values_supported", signing_algs},
      {"code_challenge_methods_supported", {"S256"}},
  };
}

}  // namespace bs::oauth
