// API keys for simple integrations: "bsk_<id>.<secret>", 256-bit secret, shown once, stored as an
// HMAC-SHA256 (a fast keyed hash suits high-entropy secrets; Argon2 is for passwords).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/principal.hpp"
#include "store/database.hpp"
#include "store/models.hpp"

namespace bs::auth {

struct CreatedApiKey {
  store::ApiKey record;
  std::string api_key;  // the only time the secret exists outside the caller
};

class ApiKeyService {
 public:
  ApiKeyService(store::Database& db, std::string hash_key) : db_(db), hash_key_(std::move(hash_key)) {}

  // Scopes must be known admin scopes; expires_at (Unix seconds) must be in the future.
  Result<CreatedApiKey> create(const std::string& name, const std::vector<std::string>& scopes,
                               std::optional<std::int64_t> expires_at, std::optional<std::string> created_by);
  // invalid_token for unknown, wrong, revoked or expired keys.
  Result<Principal> authenticate(std::string_view presented);
  Result<store::Page<store::ApiKey, std::string>> list(const std::optional<std::string>& cursor, int limit);
  Result<std::optional<store::ApiKey>> find(std::string_view id);
  // false when no live key has this id.
  Result<bool> revoke(std::string_view id);

 private:
  std::string hash_secret(std::string_view secret) const;
  store::Database& db_;
  std::string hash_key_;
};

}  // namespace bs::auth
