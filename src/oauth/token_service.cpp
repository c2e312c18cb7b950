#include "oauth/token_service.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "common/json_text.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "common/text.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/jose.hpp"
#include "crypto/random.hpp"
#include "oauth/scopes.hpp"
#include "store/oauth_repositories.hpp"

namespace bs::oauth {

namespace {

std::int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr std::size_t kJtiTimeDigits = 14;

// A jti that sorts by issuance time (microseconds, fixed-width hex) followed by 96 random bits.
// Token records are keyed by jti: keys that arrive in order append to the B-tree instead of
// dirtying pages all over it, which is most of the cost of writing them. The time also places a
// token against a client's cut-off to the microsecond (issued_micros).
std::string time_ordered_id(std::int64_t micros) {
  char prefix[kJtiTimeDigits + 3];
  std::snprintf(prefix, sizeof prefix, "%014llx", static_cast<unsigned long long>(micros));
  return std::string(prefix) + crypto::random_token(12);
}

// When the token was issued, to the microsecond when its jti is one of time_ordered_id's; otherwise
// the end of its iat second, so a cut-off in that second revokes it (the safe side).
std::int64_t issued_micros(const AccessTokenClaims& c) {
  const std::int64_t end_of_iat_second = c.issued_at * 1'000'000 + 999'999;
  if (c.jti.size() <= kJtiTimeDigits) return end_of_iat_second;
  std::int64_t micros = 0;
  const char* first = c.jti.data();
  const auto [last, ec] = std::from_chars(first, first + kJtiTimeDigits, micros, 16);
  // iat is the same clock reading in seconds (sign_access_token): disagreeing, the jti is not ours.
  if (ec != std::errc() || last != first + kJtiTimeDigits || micros / 1'000'000 != c.issued_at)
    return end_of_iat_second;
  return micros;
}

store::OAuthToken record_of(const AccessTokenClaims& c) {
  store::OAuthToken record;
  record.jti = c.jti;
  record.kind = "access";
  record.client_id = c.client_id;
  record.subject = c.subject;
  record.scope = c.scope;
  record.audience = join(c.audience, " ");
  record.grant_id = c.grant_id;
  record.issued_at = c.issued_at;
  record.expires_at = c.expires_at;
  return record;
}

}  // namespace

store::ClientRevocation client_cutoff_now(const std::string& client_id) {
  const std::int64_t micros = now_micros();
  const std::int64_t now = micros / 1'000'000;
  return {.client_id = client_id,
          .issued_before_us = micros,
          .expires_at = now + kMaxAccessTokenTtl + 1,
          .revoked_at = now};
}

TokenService::TokenService(store::Database& db, keys::Keyring& keyring, TokenOptions options)
    : db_(db), keyring_(keyring), options_(std::move(options)), recorder_(db) {}

Result<std::vector<std::string>> TokenService::resolve_audience(const std::vector<std::string>& resources,
                                                                const std::vector<std::string>& scope) const {
  if (resources.empty()) return std::vector<std::string>{options_.default_audience};
  std::vector<std::string> out;
  for (const auto& r : resources) {
    if (r == options_.default_audience) {
      out.push_back(r);
      continue;
    }
    auto it = std::find_if(options_.resource_servers.begin(), options_.resource_servers.end(),
                           [&](const ResourceServer& rs) { return rs.identifier == r; });
    if (it == options_.resource_servers.end())
      return fail(ErrorCode::invalid_target, "unknown resource: " + r);
    if (!it->scopes.empty() && !scope_subset(scope, it->scopes))
      return fail(ErrorCode::invalid_target, "the resource " + r + " does not accept the requested scope");
    if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  }
  return out;
}

Result<IssuedAccessToken> TokenService::sign_access_token(const std::string& client_id,
                                                          const std::string& subject,
                                                          const std::vector<std::string>& scope,
                                                          const std::vector<std::string>& audience,
                                                          std::optional<std::string> grant_id) {
  IssuedAccessToken out;
  auto& c = out.claims;
  const std::int64_t issued_us = now_micros();
  c.jti = time_ordered_id(issued_us);
  c.client_id = client_id;
  c.subject = subject;
  c.scope = scope;
  c.audience = audience;
  c.issued_at = issued_us / 1'000'000;  // the jti's clock reading: issued_micros relies on it
  c.expires_at = c.issued_at + options_.access_token_ttl;
  c.grant_id = std::move(grant_id);

  // RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti; scope as a space-separated string.
  nlohmann::json payload = {
      {"iss", options_.issuer},
      {"sub", subject},
      {"aud", audience.size() == 1 ? nlohmann::json(audience[0]) : nlohmann::json(audience)},
      {"exp", c.expires_at},
      {"iat", c.issued_at},
      {"jti", c.jti},
      {"client_id", client_id}};
  if (!scope.empty()) payload["scope"] = join(scope, " ");
  auto jwt = keyring_.sign({{"typ", kAccessTokenType}}, json_text(payload));
  if (!jwt) return std::unexpected(jwt.error());
  out.token = std::move(*jwt);
  return out;
}

Result<IssuedAccessToken> TokenService::issue_access_token(const std::string& client_id,
                                                           const std::string& subject,
                                                           const std::vector<std::string>& scope,
                                                           const std::vector<std::string>& audience,
                                                           std::optional<std::string> grant_id,
                                                           PendingWrites* durable_later) {
  auto out = sign_access_token(client_id, subject, scope, audience, std::move(grant_id));
  if (!out) return out;
  if (durable_later) {
    recorder_.record_async(record_of(out->claims), durable_later->expect());
    return out;
  }
  if (auto st = recorder_.record(record_of(out->claims)); !st) return std::unexpected(st.error());
  return out;
}

Result<IssuedAccessToken> TokenService::issue_client_access_token(const std::string& client_id,
                                                                  const std::vector<std::string>& scope,
                                                                  const std::vector<std::string>& audience,
                                                                  PendingWrites* durable_later) {
  if (options_.record_client_credentials_tokens)
    return issue_access_token(client_id, client_id, scope, audience, std::nullopt, durable_later);
  return sign_access_token(client_id, client_id, scope, audience, std::nullopt);
}

Result<AccessTokenClaims> TokenService::check(std::string_view token, bool allow_expired) {
  auto jws = keyring_.verify(token);
  if (!jws) return std::unexpected(jws.error());
  crypto::JwtExpectations expect;
  expect.issuer = options_.issuer;
  expect.typ = std::string(kAccessTokenType);
  expect.now = store::unix_now();
  if (allow_expired) {
    // Judge the token as of just before its expiry: everything but exp is still checked.
    auto exp = jws->payload.find("exp");
    if (exp != jws->payload.end() && exp->is_number_integer() && exp->get<std::int64_t>() <= expect.now)
      expect.now = exp->get<std::int64_t>() - 1;
  }
  if (auto st = crypto::validate_jwt_claims(*jws, expect); !st) return std::unexpected(st.error());
  const auto& p = jws->payload;
  AccessTokenClaims c;
  auto str = [&](const char* name) -> std::optional<std::string> {
    auto it = p.find(name);
    if (it == p.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto jti = str("jti"), sub = str("sub"), client_id = str("client_id");
  if (!jti || !sub || !client_id) return fail(ErrorCode::invalid_token, "token lacks jti, sub or client_id");
  if (!p.contains("exp") || !p["exp"].is_number_integer() || !p.contains("iat") ||
      !p["iat"].is_number_integer())
    return fail(ErrorCode::invalid_token, "token lacks exp or iat");
  if (p.value("iss", "") != options_.issuer)
    return fail(ErrorCode::invalid_token, "token issued by someone else");
  c.jti = *jti;
  c.subject = *sub;
  c.client_id = *client_id;
  c.expires_at = p["exp"].get<std::int64_t>();
  c.issued_at = p["iat"].get<std::int64_t>();
  if (auto scope = str("scope")) c.scope = split_spaces(*scope);
  if (auto aud = p.find("aud"); aud != p.end()) {
    if (aud->is_string()) {
      c.audience.push_back(aud->get<std::string>());
    } else if (aud->is_array()) {
      for (const auto& a : *aud)
        if (a.is_string()) c.audience.push_back(a.get<std::string>());
    }
  }
  return c;
}

std::optional<AccessTokenClaims> TokenService::cached(std::string_view token) {
  auto& shard = cache_[std::hash<std::string_view>{}(token) % kCacheShards];
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(token);
  if (it == shard.entries.end()) return std::nullopt;
  return it->second;
}

void TokenService::remember(std::string_view token, const AccessTokenClaims& claims) {
  auto& shard = cache_[std::hash<std::string_view>{}(token) % kCacheShards];
  std::lock_guard lock(shard.mutex);
  if (shard.entries.size() >= kCacheEntriesPerShard) {
    const auto now = store::unix_now();
    std::erase_if(shard.entries, [now](const auto& e) { return e.second.expires_at <= now; });
    if (shard.entries.size() >= kCacheEntriesPerShard) shard.entries.clear();
  }
  shard.entries.emplace(std::string(token), claims);
}

Result<AccessTokenClaims> TokenService::verify_access_token(
    std::string_view token, const std::vector<std::string>& expected_audiences) {
  if (auto answer = verify_cached_access_token(token, expected_audiences)) return std::move(*answer);
  auto claims = check(token, false);
  if (!claims) return claims;
  remember(token, *claims);
  return still_valid(std::move(*claims), expected_audiences);
}

std::optional<Result<AccessTokenClaims>> TokenService::verify_cached_access_token(
    std::string_view token, const std::vector<std::string>& expected_audiences) {
  auto hit = cached(token);
  if (!hit || hit->expires_at <= store::unix_now()) return std::nullopt;
  return still_valid(std::move(*hit), expected_audiences);
}

Result<AccessTokenClaims> TokenService::still_valid(AccessTokenClaims claims,
                                                    const std::vector<std::string>& expected_audiences) {
  if (is_revoked(claims)) return fail(ErrorCode::invalid_token, "token revoked");
  if (!expected_audiences.empty()) {
    bool ok = std::any_of(claims.audience.begin(), claims.audience.end(), [&](const std::string& a) {
      return std::find(expected_audiences.begin(), expected_audiences.end(), a) != expected_audiences.end();
    });
    if (!ok) return fail(ErrorCode::invalid_token, "token not meant for this audience");
  }
  return claims;
}

Result<AccessTokenClaims> TokenService::decode_access_token(std::string_view token) {
  return check(token, true);
}

void TokenService::note_revoked(const std::string& jti, std::int64_t expires_at) {
  std::lock_guard lock(deny_mutex_);
  denied_[jti] = expires_at;
}

bool TokenService::is_revoked(const AccessTokenClaims& claims) {
  std::lock_guard lock(deny_mutex_);
  if (denied_.count(claims.jti) > 0) return true;
  if (client_cutoffs_.empty()) return false;
  auto cutoff = client_cutoffs_.find(claims.client_id);
  return cutoff != client_cutoffs_.end() && issued_micros(claims) <= cutoff->second.issued_before_us;
}

namespace {
void count_revoked(std::int64_t n) {
  if (n > 0) metrics::increment(metrics::domain().tokens_revoked, static_cast<std::uint64_t>(n));
}
}  // namespace

Status TokenService::revoke(const AccessTokenClaims& claims) {
  const auto now = store::unix_now();
  if (claims.expires_at <= now) return {};  // dead already; a row would only wait for the janitor
  auto revoked = store::revoke_token(db_, claims.jti, now);
  if (!revoked) return std::unexpected(revoked.error());
  if (!*revoked) {
    // No live row: one already revoked, or a token issued without one. The latter gets its row
    // now, revoked by the same UPDATE as any other, whose trigger feeds every instance's deny list.
    auto found = store::find_token(db_, claims.jti);
    if (!found) return std::unexpected(found.error());
    if (!*found) {
      // Autocommit statements, not one transaction: a concurrent revocation of the same token
      // may insert first (conflict), and PostgreSQL would abort the rest of a transaction then.
      if (auto st = store::insert_token(db_, record_of(claims));
          !st && st.error().code != ErrorCode::conflict)
        return st;
      revoked = store::revoke_token(db_, claims.jti, now);
      if (!revoked) return std::unexpected(revoked.error());
    }
  }
  count_revoked(*revoked ? 1 : 0);
  note_revoked(claims.jti, claims.expires_at);
  return {};
}

Result<IssuedRefreshToken> TokenService::issue_refresh_token(
    const std::string& client_id, const std::string& subject, const std::vector<std::string>& scope,
    const std::string& audience, const std::string& grant_id, std::int64_t expires_at,
    std::optional<std::string> parent_jti) {
  IssuedRefreshToken out;
  out.token = crypto::random_token(32);
  auto& r = out.record;
  r.jti = refresh_token_id(out.token);
  r.kind = "refresh";
  r.client_id = client_id;
  r.subject = subject;
  r.scope = scope;
  r.audience = audience;
  r.grant_id = grant_id;
  r.parent_jti = std::move(parent_jti);
  r.issued_at = store::unix_now();
  r.expires_at = expires_at;
  if (auto st = store::insert_token(db_, r); !st) return std::unexpected(st.error());
  return out;
}

std::string TokenService::refresh_token_id(std::string_view token) const {
  return crypto::hex_encode(crypto::hmac_sha256(options_.refresh_hash_key, token));
}

Result<std::optional<store::OAuthToken>> TokenService::find_refresh_token(std::string_view token) {
  if (token.empty() || token.size() > 256) return std::optional<store::OAuthToken>{};
  auto found = store::find_token(db_, refresh_token_id(token));
  if (!found) return found;
  if (*found && (*found)->kind != "refresh") return std::optional<store::OAuthToken>{};
  return found;
}

Result<std::int64_t> TokenService::revoke_grant(const std::string& grant_id) {
  auto n = db_.transaction(
      [&](store::Connection& c) { return store::revoke_tokens_of_grant(c, grant_id, store::unix_now()); });
  if (!n) return n;
  count_revoked(*n);
  if (auto st = sync_revocations(); !st) return std::unexpected(st.error());
  return n;
}

Result<std::int64_t> TokenService::revoke_subject_client(const std::string& subject,
                                                         const std::string& client_id) {
  auto n = db_.transaction([&](store::Connection& c) {
    return store::revoke_tokens_of_subject_and_client(c, subject, client_id, store::unix_now());
  });
  if (!n) return n;
  count_revoked(*n);
  if (auto st = sync_revocations(); !st) return std::unexpected(st.error());
  return n;
}

Result<bool> TokenService::revoke_by_jti(const std::string& jti) {
  auto revoked =
      db_.transaction([&](store::Connection& c) { return store::revoke_token(c, jti, store::unix_now()); });
  if (!revoked) return revoked;
  count_revoked(*revoked ? 1 : 0);
  if (auto st = sync_revocations(); !st) return std::unexpected(st.error());
  return revoked;
}

Result<std::int64_t> TokenService::revoke_all_of_client(const std::string& client_id) {
  const auto cutoff = client_cutoff_now(client_id);
  auto n = db_.transaction([&](store::Connection& c) { return store::revoke_tokens_of_client(c, cutoff); });
  if (!n) return n;
  note_cutoff(cutoff);
  count_revoked(*n);
  if (auto st = sync_revocations(); !st) return std::unexpected(st.error());
  return n;
}

Result<std::int64_t> TokenService::revoke_all_of_subject(const std::string& subject) {
  auto n = db_.transaction(
      [&](store::Connection& c) { return store::revoke_tokens_of_subject(c, subject, store::unix_now()); });
  if (!n) return n;
  count_revoked(*n);
  if (auto st = sync_revocations(); !st) return std::unexpected(st.error());
  return n;
}

Status TokenService::sync_revocations() {
  const auto now = store::unix_now();
  std::int64_t after;
  {
    std::lock_guard lock(deny_mutex_);
    after = last_revocation_id_;
    // Expired tokens fail verification anyway: forget their revocations.
    for (auto it = denied_.begin(); it != denied_.end();)
      it = it->second <= now ? denied_.erase(it) : std::next(it);
    std::erase_if(client_cutoffs_, [now](const auto& c) { return c.second.expires_at <= now; });
  }
  while (true) {
    auto batch = store::list_revocations_since(db_, after, now, 1000);
    if (!batch) return std::unexpected(batch.error());
    if (batch->empty()) break;
    std::lock_guard lock(deny_mutex_);
    for (const auto& r : *batch) {
      denied_[r.jti] = r.expires_at;
      after = std::max(after, r.id);
    }
    last_revocation_id_ = after;
    if (batch->size() < 1000) break;
  }
  auto cutoffs = store::list_client_revocations(db_, now);
  if (!cutoffs) return std::unexpected(cutoffs.error());
  for (const auto& c : *cutoffs) note_cutoff(c);
  return {};
}

// Merged, never replaced: a poll that read the table before a local revocation committed must not
// undo what that revocation noted. Cut-offs only move forward.
void TokenService::note_cutoff(const store::ClientRevocation& cutoff) {
  std::lock_guard lock(deny_mutex_);
  auto& known = client_cutoffs_[cutoff.client_id];
  if (cutoff.issued_before_us > known.issued_before_us) known = cutoff;
}

}  // namespace bs::oauth
