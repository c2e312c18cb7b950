// The OAuth endpoints' logic, free of HTTP: each takes the authenticated caller and the request
// parameters and returns the response body or an Error. One file per endpoint; the thin HTTP
// adapters are in src/http/handlers/oauth_endpoints.cpp.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "auth/audit.hpp"
#include "common/params.hpp"
#include "oauth/client_auth.hpp"
#include "oauth/grants/grant.hpp"
#include "oauth/token_service.hpp"

namespace bs::oauth {

// POST /oauth/token: dispatches on grant_type.
Result<nlohmann::json> token_endpoint(const AuthenticatedClient& client, const Params& params,
                                      GrantContext& context);

// POST /oauth/introspect (RFC 7662). The caller is a client, or an admin credential (admin:tokens).
struct IntrospectionCaller {
  std::optional<AuthenticatedClient> client;
  bool admin = false;
};
Result<nlohmann::json> introspection_endpoint(const IntrospectionCaller& caller, const Params& params,
                                              TokenService& tokens);

// POST /oauth/revoke (RFC 7009). Unknown tokens and other clients' tokens answer success, unchanged.
Status revocation_endpoint(const AuthenticatedClient& client, const Params& params, TokenService& tokens,
                           auth::AuditLog& audit, const std::string& ip);

// GET /.well-known/oauth-authorization-server (RFC 8414).
nlohmann::json authorization_server_metadata(const std::string& issuer, bool require_par);

}  // namespace bs::oauth
