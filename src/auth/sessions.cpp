#include "auth/sessions.hpp"

#include "common/metrics.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/jose.hpp"
#include "crypto/random.hpp"
#include "store/repositories.hpp"

namespace bs::auth {

SessionService::SessionService(store::Database& db, keys::Keyring& keyring, UserService& users,
                               LoginThrottle& throttle, AuditLog& audit, SessionOptions options)
    : db_(db),
      keyring_(keyring),
      users_(users),
      throttle_(throttle),
      audit_(audit),
      options_(std::move(options)) {
  // Built, not hashed: an Argon2id hash here cost ~90 ms of every start-up.
  dummy_hash_ = users_.unmatchable_hash();
}

std::string SessionService::hash_refresh(std::string_view token) const {
  return crypto::hex_encode(crypto::hmac_sha256(options_.hash_key, token));
}

Result<SessionTokens> SessionService::issue(const store::User& user, const std::string& session_id,
                                            const std::string& refresh) {
  const auto now = store::unix_now();
  nlohmann::json claims = {{"iss", options_.issuer},    {"sub", user.id},
                           {"aud", audience()},         {"iat", now},
                           {"exp", now + options_.ttl}, {"jti", crypto::random_token(16)},
                           {"sid", session_id},         {"role", user.role}};
  auto jwt = keyring_.sign({{"typ", kSessionTokenType}}, claims.dump());
  if (!jwt) return std::unexpected(jwt.error());
  return SessionTokens{*jwt, refresh, options_.ttl, session_id, user.id};
}

Result<SessionTokens> SessionService::login(std::string_view email, std::string_view password,
                                            const std::string& ip) {
  const auto now = store::unix_now();
  auto normalized = normalize_email(email);
  const std::string account = normalized ? *normalized : std::string(email);
  if (auto wait = throttle_.retry_after(account, ip, now); wait > 0) {
    audit_.record({"login.throttled", "anonymous", account, ip, "denied", {{"retry_after", wait}}});
    return std::unexpected(Error(ErrorCode::too_many_requests, "too many failed logins; try again later",
                                 static_cast<int>(wait)));
  }
  auto user = users_.find_by_email(email);
  if (!user) return std::unexpected(user.error());
  bool ok = false;
  if (*user && !(*user)->disabled) {
    ok = users_.verify(password, (*user)->password_hash);
  } else {
    users_.verify(password, dummy_hash_);
  }
  if (!ok) {
    const auto lockout = throttle_.record_failure(account, ip, now);
    metrics::increment(metrics::domain().login_failures);
    audit_.record({"login.failed", "anonymous", account, ip, "failure"});
    if (lockout > 0) {
      metrics::increment(metrics::domain().account_lockouts);
      audit_.record({"login.locked", "anonymous", account, ip, "denied", {{"lockout_seconds", lockout}}});
    }
    return fail(ErrorCode::unauthorized, "invalid email or password");
  }
  throttle_.record_success(account);

  const std::string refresh = "bsr_" + crypto::random_token(32);
  store::AuthSession session;
  session.id = "ses_" + crypto::random_token(16);
  session.user_id = (*user)->id;
  session.refresh_token_hash = hash_refresh(refresh);
  session.created_at = now;
  session.expires_at = now + options_.refresh_ttl;
  auto inserted = store::insert_auth_session(db_, session);
  if (!inserted) return std::unexpected(inserted.error());
  audit_.record({"login.succeeded", "user:" + session.user_id, session.user_id, ip, "success"});
  return issue(**user, session.id, refresh);
}

Result<SessionTokens> SessionService::refresh(std::string_view refresh_token, const std::string& ip) {
  const auto now = store::unix_now();
  const auto old_hash = hash_refresh(refresh_token);
  auto session = store::find_auth_session_by_refresh_hash(db_, old_hash);
  if (!session) return std::unexpected(session.error());
  if (!*session || (*session)->revoked_at || (*session)->expires_at <= now) {
    audit_.record({"session.refresh_failed", "anonymous", "", ip, "failure"});
    return fail(ErrorCode::invalid_grant, "refresh token is invalid, expired or revoked");
  }
  auto user = users_.find_by_id((*session)->user_id);
  if (!user) return std::unexpected(user.error());
  if (!*user || (*user)->disabled) return fail(ErrorCode::invalid_grant, "the account is disabled");

  const std::string next = "bsr_" + crypto::random_token(32);
  auto swapped = store::rotate_auth_session_refresh(db_, (*session)->id, old_hash, hash_refresh(next), now);
  if (!swapped) return std::unexpected(swapped.error());
  // Lost a race with a concurrent refresh of the same token: the token is spent.
  if (!*swapped) return fail(ErrorCode::invalid_grant, "refresh token already used");
  return issue(**user, (*session)->id, next);
}

Status SessionService::logout(const Principal& principal) {
  if (principal.kind != PrincipalKind::user_session)
    return fail(ErrorCode::invalid_request, "logout needs a session token");
  auto revoked = store::revoke_auth_session(db_, principal.credential_id, store::unix_now());
  if (!revoked) return std::unexpected(revoked.error());
  audit_.record({"session.logout", principal.actor(), principal.subject, "", "success"});
  return {};
}

Result<Principal> SessionService::verify(std::string_view token) {
  auto jws = keyring_.verify(token);
  if (!jws) return std::unexpected(jws.error());
  crypto::JwtExpectations expect;
  expect.issuer = options_.issuer;
  expect.audiences = {audience()};
  expect.typ = std::string(kSessionTokenType);
  expect.now = store::unix_now();
  if (auto st = crypto::validate_jwt_claims(*jws, expect); !st) return std::unexpected(st.error());
  const auto& p = jws->payload;
  if (!p.contains("sid") || !p["sid"].is_string() || !p.contains("sub") || !p["sub"].is_string())
    return fail(ErrorCode::invalid_token, "session token lacks sid or sub");
  auto session = store::find_auth_session_by_id(db_, p["sid"].get<std::string>());
  if (!session) return std::unexpected(session.error());
  if (!*session || (*session)->revoked_at) return fail(ErrorCode::invalid_token, "session has ended");
  auto user = users_.find_by_id((*session)->user_id);
  if (!user) return std::unexpected(user.error());
  if (!*user || (*user)->disabled) return fail(ErrorCode::invalid_token, "the account is disabled");

  Principal principal;
  principal.kind = PrincipalKind::user_session;
  principal.credential_id = (*session)->id;
  principal.subject = (*user)->id;
  principal.role = (*user)->role;
  if ((*user)->role == "admin") principal.scopes = {"admin"};
  return principal;
}

}  // namespace bs::auth
