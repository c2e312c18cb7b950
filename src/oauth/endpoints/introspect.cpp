// POST /oauth/introspect (RFC 7662). An inactive, unknown, foreign or malformed token all answer
// {"active": false} and nothing else.
#include "common/text.hpp"
#include "oauth/endpoints/endpoints.hpp"

namespace bs::oauth {

namespace {

bool may_introspect(const IntrospectionCaller& caller, const AccessTokenClaims& claims,
                    const TokenOptions& options) {
  if (caller.admin) return true;
  if (!caller.client) return false;
  const auto& id = caller.client->client.client_id;
  if (claims.client_id == id) return true;
  // A resource server may introspect the tokens meant for it.
  for (const auto& rs : options.resource_servers) {
    if (std::find(rs.client_ids.begin(), rs.client_ids.end(), id) == rs.client_ids.end()) continue;
    if (std::find(claims.audience.begin(), claims.audience.end(), rs.identifier) != claims.audience.end())
      return true;
  }
  return false;
}

}  // namespace

Result<nlohmann::json> introspection_endpoint(const IntrospectionCaller& caller, const Params& params,
                                              TokenService& tokens) {
  if (auto st = params.reject_duplicates({"token", "token_type_hint"}); !st)
    return std::unexpected(st.error());
  auto token = params.get("token");
  if (!token || token->empty()) return fail(ErrorCode::invalid_request, "token is required");
  const nlohmann::json inactive = {{"active", false}};

  auto claims = tokens.verify_access_token(*token);
  if (!claims) {
    if (claims.error().code == ErrorCode::service_unavailable) return std::unexpected(claims.error());
    return inactive;
  }
  if (!may_introspect(caller, *claims, tokens.options())) return inactive;
  nlohmann::json body = {{"active", true},
                         {"scope", join(claims->scope, " ")},
                         {"client_id", claims->client_id},
                         {"sub", claims->subject},
                         {"aud", claims->audience.size() == 1 ? nlohmann::json(claims->audience[0])
                                                              : nlohmann::json(claims->audience)},
                         {"iss", tokens.options().issuer},
                         {"exp", claims->expires_at},
                         {"iat", claims->issued_at},
                         {"jti", claims->jti},
                         {"token_type", "Bearer"}};
  return body;
}

}  // namespace bs::oauth
