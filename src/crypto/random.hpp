// Cryptographically secure randomness from OpenSSL's DRBG.
#pragma once

#include <cstddef>
#include <string>

namespace bs::crypto {

// n random bytes. Aborts if the DRBG fails: continuing without randomness would be silently insecure.
std::string random_bytes(std::size_t n);

// base64url (no padding) of `bytes` random bytes; 32 bytes gives 256 bits of entropy in 43 characters.
std::string random_token(std::size_t bytes = 32);

}  // namespace bs::crypto
