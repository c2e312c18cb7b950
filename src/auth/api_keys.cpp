#include "auth/api_keys.hpp"

#include "common/text.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "store/repositories.hpp"

namespace bs::auth {

std::string ApiKeyService::hash_secret(std::string_view secret) const {
  return crypto::hex_encode(crypto::hmac_sha256(hash_key_, secret));
}

Result<CreatedApiKey> ApiKeyService::create(const std::string& name, const std::vector<std::string>& scopes,
                                            std::optional<std::int64_t> expires_at,
                                            std::optional<std::string> created_by) {
  if (name.empty() || utf8_length(name) > 200 || !valid_utf8(name))
    return fail(ErrorCode::invalid_data, "name must be 1 to 200 characters");
  if (scopes.empty()) return fail(ErrorCode::invalid_data, "scopes must name at least one scope");
  for (const auto& s : scopes)
    if (!is_known_admin_scope(s)) return fail(ErrorCode::invalid_scope, "unknown scope: " + s);
  const auto now = store::unix_now();
  if (expires_at && *expires_at <= now)
    return fail(ErrorCode::invalid_data, "expires_at must be in the future");

  // The id is a lookup handle (not secret); the secret part is 256 random bits.
  const std::string id = "key_" + crypto::random_token(12);
  const std::string secret = crypto::random_token(32);
  CreatedApiKey out;
  out.record.id = id;
  out.record.name = name;
  out.record.key_hash = hash_secret(secret);
  out.record.scopes = scopes;
  out.record.created_by = std::move(created_by);
  out.record.created_at = now;
  out.record.expires_at = expires_at;
  out.api_key = "bsk_" + id.substr(4) + "." + secret;
  auto inserted = store::insert_api_key(db_, out.record);
  if (!inserted) return std::unexpected(inserted.error());
  return out;
}

Result<Principal> ApiKeyService::authenticate(std::string_view presented) {
  auto bad = [] { return fail(ErrorCode::invalid_token, "invalid API key"); };
  if (!presented.starts_with("bsk_") || presented.size() > 256) return bad();
  auto dot = presented.find('.');
  if (dot == std::string_view::npos) return bad();
  const std::string id = "key_" + std::string(presented.substr(4, dot - 4));
  auto record = store::find_api_key(db_, id);
  if (!record) return std::unexpected(record.error());
  // Hash even when the id is unknown, so the answer time does not tell which ids exist.
  const auto presented_hash = hash_secret(presented.substr(dot + 1));
  if (!*record) return bad();
  const auto& key = **record;
  if (!crypto::constant_time_equal(presented_hash, key.key_hash)) return bad();
  const auto now = store::unix_now();
  if (key.revoked_at) return fail(ErrorCode::invalid_token, "API key revoked");
  if (key.expires_at && *key.expires_at <= now) return fail(ErrorCode::invalid_token, "API key expired");
  // last_used_at is advisory: written at most once a minute per key to keep reads read-only.
  if (!key.last_used_at || *key.last_used_at < now - 60)
    (void)store::touch_api_key_last_used(db_, key.id, now);

  Principal p;
  p.kind = PrincipalKind::api_key;
  p.credential_id = key.id;
  p.subject = "apikey:" + key.id;
  p.scopes = key.scopes;
  return p;
}

Result<store::Page<store::ApiKey, std::string>> ApiKeyService::list(const std::optional<std::string>& cursor,
                                                                    int limit) {
  return store::list_api_keys(db_, cursor, limit);
}

Result<std::optional<store::ApiKey>> ApiKeyService::find(std::string_view id) {
  return store::find_api_key(db_, id);
}

Result<bool> ApiKeyService::revoke(std::string_view id) {
  return store::revoke_api_key(db_, id, store::unix_now());
}

}  // namespace bs::auth
