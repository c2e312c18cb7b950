// POST /oauth/revoke (RFC 7009). The answer is 200 whether or not the token existed or belonged to
// the caller (§2.2), so the endpoint cannot be used to probe for tokens; foreign attempts are audited.
#include "oauth/endpoints/endpoints.hpp"

namespace bs::oauth {

Status revocation_endpoint(const AuthenticatedClient& client, const Params& params, TokenService& tokens,
                           auth::AuditLog& audit, const std::string& ip) {
  if (auto st = params.reject_duplicates({"token", "token_type_hint"}); !st) return st;
  auto token = params.get("token");
  if (!token || token->empty()) return fail(ErrorCode::invalid_request, "token is required");
  // token_type_hint is only a hint (§2.1): every supported type is searched whatever it says.

  auto claims = tokens.decode_access_token(*token);
  if (!claims) return {};  // not one of ours: nothing to do
  const auto& caller = client.client.client_id;
  if (claims->client_id != caller) {
    audit.record({"token.revoke_denied",
                  "client:" + caller,
                  claims->jti,
                  ip,
                  "denied",
                  {{"token_client_id", claims->client_id}}});
    return {};
  }
  if (auto st = tokens.revoke(claims->jti, claims->expires_at); !st) return st;
  audit.record({"token.revoked", "client:" + caller, claims->jti, ip, "success"});
  return {};
}

}  // namespace bs::oauth
