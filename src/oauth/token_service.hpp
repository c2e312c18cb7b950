// Access tokens: RFC 9068 JWTs (typ at+jwt) signed by the key ring, their records, and revocation.
// Verification is local (signature, typ, iss, exp) plus an in-memory deny list of revoked jtis and
// per-client cut-offs that every instance refreshes from oauth_revocations and
// oauth_client_revocations each revocation_poll_interval, so a revocation anywhere takes effect
// everywhere within that bound, without a database read per request.
//
// Tokens a user's grant issued are recorded (their grant family, consent and subject revoke them
// by row). client_credentials tokens are not, unless record_client_credentials_tokens: nothing
// needs a row to verify or revoke them, and writing one is most of the cost of issuing them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/errors.hpp"
#include "common/pending_writes.hpp"
#include "keys/keyring.hpp"
#include "oauth/token_recorder.hpp"
#include "store/database.hpp"
#include "store/oauth_models.hpp"

namespace bs::oauth {

inline constexpr std::string_view kAccessTokenType = "at+jwt";
// The longest access_token_ttl the configuration accepts: a cut-off or a revocation whose token's
// expiry is unknown is kept this long.
inline constexpr std::int64_t kMaxAccessTokenTtl = 86400;

struct ResourceServer {
  std::string identifier;               // the audience / RFC 8707 resource URI
  std::vector<std::string> scopes;      // scopes it accepts (empty: any)
  std::vector<std::string> client_ids;  // clients entitled to introspect its tokens
};

struct TokenOptions {
  std::string issuer;
  std::string default_audience;
  std::int64_t access_token_ttl = 3600;
  std::vector<ResourceServer> resource_servers;
  std::int64_t revocation_poll_interval = 1;
  std::string refresh_hash_key;                      // keys the stored hashes of refresh tokens
  std::int64_t refresh_token_ttl = 30 * 86400;       // absolute: from the code exchange
  std::int64_t refresh_token_idle_ttl = 14 * 86400;  // unused this long: dead
  std::int64_t refresh_grace_period = 0;             // reuse within this many seconds is not theft
  bool record_client_credentials_tokens = false;     // a row per client_credentials token
};

struct IssuedRefreshToken {
  std::string token;         // the opaque value, returned once
  store::OAuthToken record;  // as stored (jti = keyed hash of the value)
};

struct AccessTokenClaims {
  std::string jti;
  std::string client_id;
  std::string subject;
  std::vector<std::string> scope;
  std::vector<std::string> audience;
  std::int64_t issued_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::string> grant_id;
};

// A client's cut-off taken now, for store::revoke_tokens_of_client and store::delete_client.
store::ClientRevocation client_cutoff_now(const std::string& client_id);

struct IssuedAccessToken {
  std::string token;
  AccessTokenClaims claims;
};

class TokenService {
 public:
  TokenService(store::Database& db, keys::Keyring& keyring, TokenOptions options);

  const TokenOptions& options() const { return options_; }

  // RFC 8707: the audience for the requested resources (default audience when none); invalid_target
  // for an unknown resource or one that does not accept the scope.
  Result<std::vector<std::string>> resolve_audience(const std::vector<std::string>& resources,
                                                    const std::vector<std::string>& scope) const;

  // Signs an access token and records it durably before returning. With `durable_later`, it returns
  // at once and the record's commit settles one of durable_later's writes: the caller must not hand
  // the token out before they are all settled.
  Result<IssuedAccessToken> issue_access_token(const std::string& client_id, const std::string& subject,
                                               const std::vector<std::string>& scope,
                                               const std::vector<std::string>& audience,
                                               std::optional<std::string> grant_id = std::nullopt,
                                               PendingWrites* durable_later = nullptr);

  // client_credentials: a token for the client itself (sub = client_id, no grant). Recorded like
  // issue_access_token's only with options().record_client_credentials_tokens; otherwise nothing is
  // written and durable_later is left alone.
  Result<IssuedAccessToken> issue_client_access_token(const std::string& client_id,
                                                      const std::vector<std::string>& scope,
                                                      const std::vector<std::string>& audience,
                                                      PendingWrites* durable_later = nullptr);

  // Verifies one of our access tokens: signature by a published key, typ at+jwt, iss, exp/nbf/iat,
  // and not revoked. With expected_audiences non-empty, aud must contain one of them.
  Result<AccessTokenClaims> verify_access_token(std::string_view token,
                                                const std::vector<std::string>& expected_audiences = {});
  // verify_access_token's answer when the token was verified before (the verified-token cache holds
  // it), without decoding it; nullopt when it is not in the cache.
  std::optional<Result<AccessTokenClaims>> verify_cached_access_token(
      std::string_view token, const std::vector<std::string>& expected_audiences = {});
  // Like verify_access_token, but accepts an expired token (revocation of an expired token is a no-op
  // success, and we still need its claims to decide who owns it).
  Result<AccessTokenClaims> decode_access_token(std::string_view token);

  // Refresh tokens: opaque 256-bit values, stored as keyed hashes, bound to client and grant family.
  // Stored durably (not group-committed with access tokens' records) before returning.
  Result<IssuedRefreshToken> issue_refresh_token(const std::string& client_id, const std::string& subject,
                                                 const std::vector<std::string>& scope,
                                                 const std::string& audience, const std::string& grant_id,
                                                 std::int64_t expires_at,
                                                 std::optional<std::string> parent_jti = std::nullopt);
  std::string refresh_token_id(std::string_view token) const;
  Result<std::optional<store::OAuthToken>> find_refresh_token(std::string_view token);
  // Revokes every token of a grant family (code replay, refresh reuse), or what a subject holds
  // for a client (consent revoked); effective locally before returning.
  Result<std::int64_t> revoke_grant(const std::string& grant_id);
  Result<std::int64_t> revoke_subject_client(const std::string& subject, const std::string& client_id);

  // RFC 7009 and the admin API, for a token we hold: durable, then effective locally at once and on
  // other instances within the poll interval. A token without a row (client_credentials) gets one,
  // revoked, so the deny list learns of it the same way. Expired tokens need nothing.
  Status revoke(const AccessTokenClaims& claims);
  bool is_revoked(const AccessTokenClaims& claims);
  // Admin revocations by record: one token by jti (false when no live recorded token has it), or
  // every token of a client / subject (returns how many rows). Every token of a client includes the
  // unrecorded ones: a cut-off revokes those issued until now. Effective locally before returning.
  Result<bool> revoke_by_jti(const std::string& jti);
  Result<std::int64_t> revoke_all_of_client(const std::string& client_id);
  Result<std::int64_t> revoke_all_of_subject(const std::string& subject);
  // Pulls revocations made by other instances; called by a background thread.
  Status sync_revocations();

 private:
  Result<AccessTokenClaims> check(std::string_view token, bool allow_expired);
  Result<IssuedAccessToken> sign_access_token(const std::string& client_id, const std::string& subject,
                                              const std::vector<std::string>& scope,
                                              const std::vector<std::string>& audience,
                                              std::optional<std::string> grant_id);
  void note_revoked(const std::string& jti, std::int64_t expires_at);
  void note_cutoff(const store::ClientRevocation& cutoff);

  // Recently verified tokens, keyed by the whole token string (so a hit is exactly the bytes that
  // verified), sharded to keep lock contention low. A hit skips the signature check only: expiry
  // and revocation are checked on every use.
  static constexpr std::size_t kCacheShards = 16;
  static constexpr std::size_t kCacheEntriesPerShard = 8192;
  // Looked up by string_view, without building a std::string per request.
  struct TokenHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct CacheShard {
    std::mutex mutex;
    std::unordered_map<std::string, AccessTokenClaims, TokenHash, std::equal_to<>> entries;
  };
  // Revocation and audience, the checks a cached verification still needs.
  Result<AccessTokenClaims> still_valid(AccessTokenClaims claims,
                                        const std::vector<std::string>& expected_audiences);
  std::optional<AccessTokenClaims> cached(std::string_view token);
  void remember(std::string_view token, const AccessTokenClaims& claims);
  std::array<CacheShard, kCacheShards> cache_;

  store::Database& db_;
  keys::Keyring& keyring_;
  TokenOptions options_;
  TokenRecorder recorder_;
  std::mutex deny_mutex_;
  std::unordered_map<std::string, std::int64_t> denied_;  // jti -> token expiry
  // client_id -> its latest cut-off: its tokens issued until then are revoked.
  std::unordered_map<std::string, store::ClientRevocation> client_cutoffs_;
  std::int64_t last_revocation_id_ = 0;
};

}  // namespace bs::oauth
