// POST /oauth/revoke (RFC 7009). The answer is 200 whether or not the token existed or belonged to
// the caller (§2.2), so the endpoint cannot be used to probe for tokens; foreign attempts are audited.
#include "oauth/endpoints/endpoints.hpp"

namespace bs::oauth {

namespace {

// Not one of our JWTs: perhaps a refresh token. Revoking it revokes its whole grant family, the
// access tokens issued from it included (§2.1: the server SHOULD).
Status revoke_refresh_token(const std::string& caller, const std::string& token, TokenService& tokens,
                            auth::AuditLog& audit, const std::string& ip) {
  // Refresh tokens are base64url: a value with a dot was a JWT that did not verify, not one of them.
  if (token.find('.') != std::string::npos) return {};
  auto found = tokens.find_refresh_token(token);
  if (!found) return std::unexpected(found.error());
  if (!*found) return {};  // unknown: nothing to do
  const auto& record = **found;
  if (record.client_id != caller) {
    audit.record({"token.revoke_denied",
                  "client:" + caller,
                  record.jti,
                  ip,
                  "denied",
                  {{"token_client_id", record.client_id}, {"kind", "refresh"}}});
    return {};
  }
  Result<std::int64_t> revoked = std::int64_t{0};
  if (record.grant_id) {
    revoked = tokens.revoke_grant(*record.grant_id);
  } else {
    auto one = tokens.revoke_by_jti(record.jti);
    revoked = one ? Result<std::int64_t>(*one ? 1 : 0) : std::unexpected(one.error());
  }
  if (!revoked) return std::unexpected(revoked.error());
  audit.record({"token.revoked",
                "client:" + caller,
                record.jti,
                ip,
                "success",
                {{"kind", "refresh"}, {"tokens_revoked", *revoked}}});
  return {};
}

}  // namespace

Status revocation_endpoint(const AuthenticatedClient& client, const Params& params, TokenService& tokens,
                           auth::AuditLog& audit, const std::string& ip) {
  if (auto st = params.reject_duplicates({"token", "token_type_hint"}); !st) return st;
  auto token = params.get("token");
  if (!token || token->empty()) return fail(ErrorCode::invalid_request, "token is required");
  // token_type_hint is only a hint (§2.1): every supported type is searched whatever it says.

  const auto& caller = client.client.client_id;
  auto claims = tokens.decode_access_token(*token);
  if (!claims) return revoke_refresh_token(caller, *token, tokens, audit, ip);
  if (claims->client_id != caller) {
    audit.record({"token.revoke_denied",
                  "client:" + caller,
                  claims->jti,
                  ip,
                  "denied",
                  {{"token_client_id", claims->client_id}}});
    return {};
  }
  if (auto st = tokens.revoke(*claims); !st) return st;
  audit.record({"token.revoked", "client:" + caller, claims->jti, ip, "success"});
  return {};
}

}  // namespace bs::oauth
