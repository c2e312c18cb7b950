// How client credentials are kept: secrets and registration access tokens are 256-bit random
// strings, stored as HMAC-SHA256 under the credential-hash key and compared in constant time.
// client_secret_jwt clients also keep the secret AES-GCM-encrypted (HS256 verification needs it).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/errors.hpp"

namespace bs::oauth {

class ClientSecrets {
 public:
  ClientSecrets(std::string hash_key, std::string encryption_key)
      : hash_key_(std::move(hash_key)), encryption_key_(std::move(encryption_key)) {}

  std::string generate() const;                     // a new secret or registration access token
  std::string hash(std::string_view secret) const;  // hex HMAC-SHA256
  bool matches(std::string_view presented, std::string_view stored_hash) const;            // constant time
  Result<std::string> encrypt(std::string_view secret, std::string_view client_id) const;  // base64
  Result<std::string> decrypt(std::string_view encrypted, std::string_view client_id) const;

 private:
  std::string hash_key_;
  std::string encryption_key_;
};

}  // namespace bs::oauth
