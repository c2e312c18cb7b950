// The client_credentials grant (RFC 6749 §4.4): a confidential client gets a token for itself.
#include "common/text.hpp"
#include "oauth/grants/grant.hpp"
#include "oauth/scopes.hpp"

namespace bs::oauth {

Result<std::vector<std::string>> requested_scope(const store::OAuthClient& client, const Params& params) {
  auto raw = params.get("scope");
  if (!raw) return client.scope;
  auto scope = parse_scope(*raw);
  if (!scope) return scope;
  if (!scope_subset(*scope, client.scope))
    return fail(ErrorCode::invalid_scope, "the requested scope exceeds what the client registered");
  return scope;
}

Result<TokenResponseBody> client_credentials_grant(const AuthenticatedClient& authenticated,
                                                   const Params& params, GrantContext& context) {
  const auto& client = authenticated.client;
  if (authenticated.method == "none")
    return fail(ErrorCode::unauthorized_client, "public clients cannot use client_credentials");
  if (std::find(client.grant_types.begin(), client.grant_types.end(), "client_credentials") ==
      client.grant_types.end())
    return fail(ErrorCode::unauthorized_client, "the client is not registered for client_credentials");
  if (auto st = params.reject_duplicates({"scope"}); !st) return std::unexpected(st.error());

  auto scope = requested_scope(client, params);
  if (!scope) return std::unexpected(scope.error());
  for (const auto& s : *scope)
    if (is_admin_scope(s) && !client.service_account)
      return fail(ErrorCode::invalid_scope, "admin scopes are for service accounts only");
  // offline_access means nothing without a user; a client token never carries it.
  std::erase(*scope, std::string(kScopeOfflineAccess));

  auto audience = context.tokens.resolve_audience(params.all("resource"), *scope);
  if (!audience) return std::unexpected(audience.error());
  auto token = context.tokens.issue_client_access_token(client.client_id, *scope, *audience,
                                                        context.durable_later.get());
  if (!token) return std::unexpected(token.error());

  TokenResponseBody body = {{"access_token", token->token},
                            {"token_type", "Bearer"},
                            {"expires_in", token->claims.expires_at - token->claims.issued_at}};
  if (!scope->empty()) body["scope"] = join(*scope, " ");
  return body;
}

}  // namespace bs::oauth
