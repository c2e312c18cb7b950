// Opening what every command needs: the database (migrated) and the key-encryption key.
#pragma once

#include <memory>
#include <string>

#include "app/config.hpp"
#include "keys/keyring.hpp"
#include "store/database.hpp"

namespace bs::app {

Result<std::unique_ptr<store::Database>> open_and_migrate(const Config& config);

// BADGESERVER_KEY_ENCRYPTION_KEY (base64, 32 bytes), or for SQLite a 0600 key file beside the
// database, created on first use with a warning. PostgreSQL deployments must set the variable:
// every instance needs the same key.
Result<std::string> key_encryption_key(const Config& config);

// The keyed-hash key for API keys, client secrets and refresh tokens, derived from the KEK.
std::string credential_hash_key(const std::string& kek);

keys::KeyringOptions keyring_options(const Config& config, const std::string& kek);

}  // namespace bs::app
