#include "oauth/client_secrets.hpp"

#include "crypto/aead.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"

namespace bs::oauth {

std::string ClientSecrets::generate() const {
  return crypto::random_token(32);
}

std::string ClientSecrets::hash(std::string_view secret) const {
  return crypto::hex_encode(crypto::hmac_sha256(hash_key_, secret));
}

bool ClientSecrets::matches(std::string_view presented, std::string_view stored_hash) const {
  return crypto::constant_time_equal(hash(presented), stored_hash);
}

Result<std::string> ClientSecrets::encrypt(std::string_view secret, std::string_view client_id) const {
  auto sealed = crypto::aes256gcm_seal(encryption_key_, secret, client_id);
  if (!sealed) return std::unexpected(sealed.error());
  return crypto::base64_encode(*sealed);
}

Result<std::string> ClientSecrets::decrypt(std::string_view encrypted, std::string_view client_id) const {
  auto raw = crypto::base64_decode(encrypted);
  if (!raw) return fail(ErrorCode::internal_error, "corrupt client secret ciphertext");
  return crypto::aes256gcm_open(encryption_key_, *raw, client_id);
}

}  // namespace bs::oauth
