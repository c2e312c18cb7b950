// The refresh_token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2).
//
// Every use rotates: the presented token is marked used (a compare-and-set, so of concurrent uses
// exactly one wins) and a new one of the same family (grant_id) replaces it, keeping the family's
// absolute deadline. Presenting a used token again is reuse: the whole family (every refresh and
// access token issued from the grant) is revoked, because either the legitimate client or an
// attacker holds a stolen copy and we cannot tell which.
//
// Grace period (TokenOptions::refresh_grace_period, seconds, 0 = off): a reuse within that long of
// the rotation is taken for a benign race (two tabs refreshing at once, a retry after a lost
// response). It is refused with invalid_grant but does not revoke the family, so the winner's new
// token keeps working. It never issues a second token from a used one: that would fork the family
// and let a thief inside the window go unnoticed.
//
// Every failure about the token itself is the same invalid_grant, so a client cannot learn whether
// a token exists, is another client's, or died of which cause; the audit log says which.
#include <algorithm>

#include "common/text.hpp"
#include "oauth/grants/grant.hpp"
#include "oauth/scopes.hpp"
#include "store/authorization_repositories.hpp"
#include "store/oauth_repositories.hpp"
#include "store/repositories.hpp"

namespace bs::oauth {

namespace {

constexpr std::string_view kInvalidGrant = "the refresh token is invalid, expired or revoked";

std::unexpected<Error> invalid_grant() {
  return fail(ErrorCode::invalid_grant, std::string(kInvalidGrant));
}

void audit_refusal(GrantContext& ctx, const std::string& client_id, const store::OAuthToken& token,
                   std::string_view reason) {
  ctx.audit.record({"refresh_token.rejected",
                    "client:" + client_id,
                    token.jti,
                    ctx.ip,
                    "failure",
                    {{"reason", reason}, {"token_client_id", token.client_id}}});
}

// The reuse of an already rotated token: revoke its family unless within the grace period.
Result<TokenResponseBody> reuse(GrantContext& ctx, const std::string& client_id,
                                const store::OAuthToken& token, std::int64_t now) {
  const auto grace = ctx.tokens.options().refresh_grace_period;
  const auto used_at = token.used_at.value_or(now);
  if (grace > 0 && now - used_at <= grace) {
    audit_refusal(ctx, client_id, token, "reused within the grace period");
    return invalid_grant();
  }
  std::int64_t revoked = 0;
  if (token.grant_id) {
    auto n = ctx.tokens.revoke_grant(*token.grant_id);
    if (!n) return std::unexpected(n.error());
    revoked = *n;
  }
  ctx.audit.record({"refresh_token.reuse_detected",
                    "client:" + client_id,
                    token.jti,
                    ctx.ip,
                    "denied",
                    {{"grant_id", token.grant_id.value_or("")},
                     {"subject", token.subject},
                     {"used_at", used_at},
                     {"tokens_revoked", revoked}}});
  return invalid_grant();
}

// The access token's audience: the family's, or (RFC 8707 §2.2) a subset of it named by resource.
Result<std::vector<std::string>> audience_of(const store::OAuthToken& token, const Params& params) {
  auto granted = split_spaces(token.audience);
  auto resources = params.all("resource");
  if (resources.empty()) return granted;
  std::vector<std::string> out;
  for (const auto& r : resources) {
    if (std::find(granted.begin(), granted.end(), r) == granted.end())
      return fail(ErrorCode::invalid_target, "the resource was not part of the original grant: " + r);
    if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  }
  return out;
}

}  // namespace

Result<TokenResponseBody> refresh_token_grant(const AuthenticatedClient& authenticated, const Params& params,
                                              GrantContext& ctx) {
  const auto& client = authenticated.client;
  if (std::find(client.grant_types.begin(), client.grant_types.end(), "refresh_token") ==
      client.grant_types.end())
    return fail(ErrorCode::unauthorized_client, "the client is not registered for refresh_token");
  if (auto st = params.reject_duplicates({"refresh_token", "scope"}); !st) return std::unexpected(st.error());
  auto presented = params.get("refresh_token");
  if (!presented || presented->empty()) return fail(ErrorCode::invalid_request, "refresh_token is required");

  auto found = ctx.tokens.find_refresh_token(*presented);
  if (!found) return std::unexpected(found.error());
  if (!*found) return invalid_grant();
  const store::OAuthToken& token = **found;
  const auto now = store::unix_now();
  // Bound to the client it was issued to (RFC 6749 §10.4). Another client's use is neither reuse
  // nor a rotation: the token is left as it is.
  if (token.client_id != client.client_id) {
    audit_refusal(ctx, client.client_id, token, "issued to another client");
    return invalid_grant();
  }
  if (token.revoked_at) {
    audit_refusal(ctx, client.client_id, token, "revoked");
    return invalid_grant();
  }
  if (token.used_at) return reuse(ctx, client.client_id, token, now);
  if (token.expires_at <= now) {
    audit_refusal(ctx, client.client_id, token, "expired");
    return invalid_grant();
  }
  if (now - token.issued_at > ctx.tokens.options().refresh_token_idle_ttl) {
    audit_refusal(ctx, client.client_id, token, "idle too long");
    return invalid_grant();
  }
  if (!token.grant_id) {
    // Without a family, reuse could not be answered by revoking it: not a token we issue.
    audit_refusal(ctx, client.client_id, token, "no grant family");
    return invalid_grant();
  }

  // RFC 6749 §6: the scope may narrow, never widen; nor may it outlive the client's registration.
  std::vector<std::string> scope = token.scope;
  if (auto raw = params.get("scope")) {
    auto requested = parse_scope(*raw);
    if (!requested) return std::unexpected(requested.error());
    if (!scope_subset(*requested, token.scope))
      return fail(ErrorCode::invalid_scope, "the requested scope exceeds the scope of the refresh token");
    scope = std::move(*requested);
  }
  if (!scope_subset(scope, client.scope))
    return fail(ErrorCode::invalid_scope, "the scope exceeds what the client now registers");
  auto audience = audience_of(token, params);
  if (!audience) return std::unexpected(audience.error());

  // The subject must still be an enabled user.
  auto user = store::find_user_by_id(ctx.db, token.subject);
  if (!user) return std::unexpected(user.error());
  if (!*user || (*user)->disabled) {
    audit_refusal(ctx, client.client_id, token, "the subject is not an active user");
    return invalid_grant();
  }

  auto won = store::mark_token_used(ctx.db, token.jti, now);
  if (!won) return std::unexpected(won.error());
  if (!*won) {
    // Lost the compare-and-set: used by a concurrent request, or revoked meanwhile.
    auto again = store::find_token(ctx.db, token.jti);
    if (!again) return std::unexpected(again.error());
    if (*again && (*again)->used_at && !(*again)->revoked_at)
      return reuse(ctx, client.client_id, **again, now);
    audit_refusal(ctx, client.client_id, token, "revoked");
    return invalid_grant();
  }

  const auto& grant_id = *token.grant_id;
  auto access = ctx.tokens.issue_access_token(client.client_id, token.subject, scope, *audience, grant_id);
  if (!access) return std::unexpected(access.error());
  // §6: the new refresh token has the scope of the old one, whatever this access token narrowed to.
  auto refresh = ctx.tokens.issue_refresh_token(client.client_id, token.subject, token.scope, token.audience,
                                                grant_id, token.expires_at, token.jti);
  if (!refresh) return std::unexpected(refresh.error());

  // A consent revoked while we rotated: its revocation may have run before our tokens existed, so
  // check it now that they do, and revoke them if the consent is gone.
  auto consent = store::find_live_consent(ctx.db, token.subject, client.client_id);
  if (!consent) return std::unexpected(consent.error());
  if (!*consent) {
    if (auto n = ctx.tokens.revoke_grant(grant_id); !n) return std::unexpected(n.error());
    audit_refusal(ctx, client.client_id, token, "no live consent");
    return invalid_grant();
  }

  TokenResponseBody body = {{"access_token", access->token},
                            {"token_type", "Bearer"},
                            {"expires_in", access->claims.expires_at - access->claims.issued_at},
                            {"scope", join(scope, " ")},
                            {"refresh_token", refresh->token}};
  return body;
}

}  // namespace bs::oauth
