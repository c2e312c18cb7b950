// The server's signing keys: one key set for every JWT we issue (sessions, access tokens, badges).
// Keys live in the database, private halves encrypted with the key-encryption key. Lifecycle:
// pending (published, not yet signing) -> active (signing) -> retired (published until what it
// signed has expired) -> expired (unpublished). A key that signed long-lived credentials (badges)
// is instead "retained" after expiry: its public half stays resolvable (find_for_credentials, never
// find or the token JWKS) while those credentials are valid; its private half is no longer loaded. A rotated
// key is published activation_delay before it signs, and every instance reloads the set each
// refresh_interval, so verifiers always know a key before they see a token signed by it.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "crypto/jose.hpp"
#include "store/database.hpp"

namespace bs::keys {

struct KeyringOptions {
  std::string key_encryption_key;  // 32 raw bytes
  crypto::JwsAlg default_alg = crypto::JwsAlg::ES256;
  std::vector<crypto::JwsAlg> required_algs;  // an active key is kept for each
  std::int64_t activation_delay = 45;
  std::int64_t refresh_interval = 30;
  std::int64_t retired_key_lifetime = 2 * 86400;  // longer than anything a key signs lives
};

struct KeyInfo {
  std::string kid;
  crypto::JwsAlg alg;
  std::int64_t created_at = 0;
  std::int64_t activates_at = 0;
  std::optional<std::int64_t> retired_at;
  std::optional<std::int64_t> expires_at;
  std::optional<std::int64_t> retain_public_until;  // public half published at least until then
  bool retain_public_forever = false;               // ... or for good
  std::string status;                               // pending | active | retired | retained
  nlohmann::json public_jwk;
};

class Keyring {
 public:
  Keyring(store::Database& db, KeyringOptions options);

  // Creates missing keys (under a database-wide lock) and loads the set.
  Status initialize();
  // Reloads the key set from the database (another instance or the CLI may have rotated).
  Status reload();
  // Reloads when refresh_interval has passed since the last load; cheap otherwise.
  void reload_if_stale();

  // Signs a JWS with the active key of `alg` (default alg when nullopt); sets "alg" and "kid".
  Result<std::string> sign(nlohmann::json header, std::string_view payload,
                           std::optional<crypto::JwsAlg> alg = std::nullopt) const;
  // Parses a compact JWS we signed and checks its signature with the published key its kid names
  // (claims are the caller's to check). invalid_token otherwise.
  Result<crypto::DecodedJws> verify(std::string_view token) const;
  // A key published for tokens by kid, for verification; nullptr when unknown. A retained key is
  // not found: a token that outlives its key's publication must not verify.
  std::shared_ptr<const crypto::Jwk> find(std::string_view kid) const;
  // As find, and also keys retained for the long-lived credentials they signed (public half only).
  std::shared_ptr<const crypto::Jwk> find_for_credentials(std::string_view kid) const;
  // {"keys": [...]} of every key published for tokens (retained keys are the caller's to add).
  nlohmann::json jwks() const;
  // Every key published now, retained ones included.
  std::vector<KeyInfo> list() const;

  // Keeps the public half of kid published at least until `until` (forever when nullopt), after
  // its expiry, for a long-lived credential it signed. Call before handing out what was signed.
  Status retain_public(std::string_view kid, std::optional<std::int64_t> until);

  // Creates a new key of alg that starts signing after activation_delay, retiring the current
  // active keys of that alg at that moment. Works without a loaded keyring (the CLI uses it).
  static Result<KeyInfo> rotate(store::Database& db, const KeyringOptions& options, crypto::JwsAlg alg);

 private:
  struct LoadedKey {
    KeyInfo info;
    std::shared_ptr<const crypto::Jwk> key;
  };
  struct Snapshot {
    std::vector<LoadedKey> keys;
    std::int64_t loaded_at = 0;
  };
  std::shared_ptr<const Snapshot> snapshot() const;

  store::Database& db_;
  KeyringOptions options_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> snapshot_;
};

}  // namespace bs::keys
