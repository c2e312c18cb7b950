// Authenticated encryption for data at rest (signing keys, refresh-token secrets).
#pragma once

#include <string>
#include <string_view>

#include "common/errors.hpp"

namespace bs::crypto {

inline constexpr std::size_t kAeadKeyBytes = 32;
inline constexpr std::size_t kAeadNonceBytes = 12;
inline constexpr std::size_t kAeadTagBytes = 16;

// AES-256-GCM with a fresh random 96-bit nonce; returns nonce(12) || ciphertext || tag(16).
// Random nonces are safe up to ~2^32 messages per key (NIST SP 800-38D), far beyond our use.
// A key that is not 32 bytes is a configuration error: internal_error.
Result<std::string> aes256gcm_seal(std::string_view key32, std::string_view plaintext, std::string_view aad);

// Inverse of aes256gcm_seal. A wrong key, wrong aad, truncation or any tampering gives invalid_data.
Result<std::string> aes256gcm_open(std::string_view key32, std::string_view sealed, std::string_view aad);

}  // namespace bs::crypto
