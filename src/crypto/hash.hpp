// Hashes, MACs and key derivation (all SHA-256 based).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bs::crypto {

// Raw 32-byte SHA-256 digest.
std::string sha256(std::string_view data);

// Raw 32-byte HMAC-SHA256 (RFC 2104). Any key length is accepted.
std::string hmac_sha256(std::string_view key, std::string_view data);

// Compares in time that depends only on the lengths, never on the content. Lengths are not secret here
// (digests, MACs and tokens have public lengths), so a length mismatch returns false directly after
// a dummy comparison.
bool constant_time_equal(std::string_view a, std::string_view b);

// HKDF-SHA256 extract-and-expand (RFC 5869). length must be at most 255 * 32 = 8160 bytes; larger
// values are a programming error and abort.
std::string hkdf_sha256(std::string_view ikm, std::string_view salt, std::string_view info,
                        std::size_t length);

}  // namespace bs::crypto
