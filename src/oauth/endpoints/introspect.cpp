// POST /oauth/introspect (RFC 7662). An inactive, unknown, foreign or malformed token all answer
// {"active": false} and nothing else.
#include <algorithm>

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

// RFC 7662 for a refresh token: only its client (or an admin) learns about it; resource servers
// never see refresh tokens. A rotated (used) token is no longer usable, so it is inactive. exp is
// whichever comes first, the family's absolute deadline or the idle deadline.
Result<nlohmann::json> introspect_refresh_token(const IntrospectionCaller& caller, const std::string& token,
                                                TokenService& tokens) {
  const nlohmann::json inactive = {{"active", false}};
  if (token.find('.') != std::string::npos) return inactive;  // a JWT that failed, not a refresh token
  auto found = tokens.find_refresh_token(token);
  if (!found) return std::unexpected(found.error());
  if (!*found) return inactive;
  const auto& r = **found;
  const auto now = store::unix_now();
  const auto idle_deadline = r.issued_at + tokens.options().refresh_token_idle_ttl;
  const auto exp = std::min(r.expires_at, idle_deadline);
  if (r.revoked_at || r.used_at || exp <= now) return inactive;
  if (!caller.admin && !(caller.client && caller.client->client.client_id == r.client_id)) return inactive;
  return nlohmann::json{{"active", true},     {"scope", join(r.scope, " ")},    {"client_id", r.client_id},
                        {"sub", r.subject},   {"iss", tokens.options().issuer}, {"exp", exp},
                        {"iat", r.issued_at}, {"token_type", "refresh_token"}};
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
    return introspect_refresh_token(caller, *token, tokens);
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
