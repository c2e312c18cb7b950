// The authorization_code grant (RFC 6749 §4.1.3) with PKCE (RFC 7636 §4.6). A code is used once:
// a second use is refused and revokes every token issued from the first (RFC 6749 §4.1.2).
#include "common/text.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "oauth/authorization_request.hpp"
#include "oauth/grants/grant.hpp"
#include "oauth/scopes.hpp"
#include "store/authorization_repositories.hpp"

namespace bs::oauth {

Result<TokenResponseBody> authorization_code_grant(const AuthenticatedClient& authenticated,
                                                   const Params& params, GrantContext& context) {
  const auto& client = authenticated.client;
  if (std::find(client.grant_types.begin(), client.grant_types.end(), "authorization_code") ==
      client.grant_types.end())
    return fail(ErrorCode::unauthorized_client,
                "the client is not registered for the authorization code grant");
  if (auto st = params.reject_duplicates({"code", "redirect_uri", "code_verifier"}); !st)
    return std::unexpected(st.error());
  auto code = params.get("code");
  if (!code || code->empty()) return fail(ErrorCode::invalid_request, "code is required");
  const auto now = store::unix_now();
  const auto code_hash = crypto::hex_encode(crypto::sha256(*code));

  // A code presented by another client is refused without spending it, so whoever injects a stolen
  // code into their own client cannot burn the victim's (a code's client_id never changes).
  auto issued = store::find_authorization_code(context.db, code_hash);
  if (!issued) return std::unexpected(issued.error());
  if (*issued && (*issued)->client_id != client.client_id)
    return fail(ErrorCode::invalid_grant, "the code was issued to another client");

  auto consumed = store::consume_authorization_code(context.db, code_hash, now);
  if (!consumed) return std::unexpected(consumed.error());
  using store::CodeConsumption;
  switch (consumed->outcome) {
    case CodeConsumption::not_found:
    case CodeConsumption::expired:
      return fail(ErrorCode::invalid_grant, "the code is invalid or expired");
    case CodeConsumption::already_used: {
      const auto& replayed = *consumed->code;
      if (replayed.client_id == client.client_id) {
        auto revoked = context.tokens.revoke_grant(replayed.grant_id);
        context.audit.record({"authorization_code.replayed",
                              "client:" + client.client_id,
                              replayed.subject,
                              context.ip,
                              "denied",
                              {{"revoked_tokens", revoked ? *revoked : 0}}});
      }
      return fail(ErrorCode::invalid_grant, "the code was already used");
    }
    case CodeConsumption::consumed:
      break;
  }
  const auto& c = *consumed->code;
  // The code is spent from here on, whatever goes wrong below (RFC 6749 §10.5).
  if (c.client_id != client.client_id)
    return fail(ErrorCode::invalid_grant, "the code was issued to another client");
  auto redirect_uri = params.get("redirect_uri");
  if (!redirect_uri || *redirect_uri != c.redirect_uri)
    return fail(ErrorCode::invalid_grant, "redirect_uri must repeat the one of the authorization request");
  auto verifier = params.get("code_verifier");
  if (!c.code_challenge.empty()) {
    if (!verifier) return fail(ErrorCode::invalid_grant, "code_verifier is required");
    if (!pkce_value_well_formed(*verifier) || !pkce_verifies(*verifier, c.code_challenge))
      return fail(ErrorCode::invalid_grant, "code_verifier does not match the code_challenge");
  } else if (verifier) {
    return fail(ErrorCode::invalid_grant, "code_verifier given for a code issued without PKCE");
  }

  const auto audience = split_spaces(c.audience);
  auto access = context.tokens.issue_access_token(client.client_id, c.subject, c.scope, audience, c.grant_id);
  if (!access) return std::unexpected(access.error());
  TokenResponseBody body = {{"access_token", access->token},
                            {"token_type", "Bearer"},
                            {"expires_in", access->claims.expires_at - access->claims.issued_at},
                            {"scope", join(c.scope, " ")}};
  const bool offline = std::find(c.scope.begin(), c.scope.end(), kScopeOfflineAccess) != c.scope.end();
  const bool may_refresh = std::find(client.grant_types.begin(), client.grant_types.end(), "refresh_token") !=
                           client.grant_types.end();
  if (offline && may_refresh) {
    auto refresh =
        context.tokens.issue_refresh_token(client.client_id, c.subject, c.scope, c.audience, c.grant_id,
                                           now + context.tokens.options().refresh_token_ttl);
    if (!refresh) return std::unexpected(refresh.error());
    body["refresh_token"] = refresh->token;
  }
  return body;
}

}  // namespace bs::oauth
