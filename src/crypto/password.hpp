// Password hashing with Argon2id (RFC 9106), stored as PHC strings
// ("$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>") so parameters can change without a migration.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/errors.hpp"

namespace bs::crypto {

struct PasswordParams {
  std::uint32_t m_cost_kib;
  std::uint32_t t_cost;
  std::uint32_t parallelism;
};

// OWASP Password Storage Cheat Sheet minimum for Argon2id: 19 MiB, 2 iterations, 1 lane.
inline constexpr PasswordParams kDefaultPasswordParams{19456, 2, 1};

// Hashes with a fresh 16-byte salt into a 32-byte tag; returns the PHC encoded string.
Result<std::string> hash_password(std::string_view password);
// Same with explicit parameters (tests use cheap ones). Parameters argon2 rejects give internal_error.
Result<std::string> hash_password(std::string_view password, const PasswordParams& params);

// A well-formed argon2id PHC string with `params`, a random salt and a random tag, so no password
// matches it (but for a 2^-256 chance) while verifying against it costs a full Argon2id computation:
// the stand-in for unknown accounts, made without paying for a hash.
std::string unmatchable_password_hash(const PasswordParams& params = kDefaultPasswordParams);

// True when `encoded` is a well-formed argon2id PHC string for `password`. Malformed strings, other
// Argon2 variants and parameters beyond sane bounds (which would let a corrupt row burn CPU or memory)
// all give false.
bool verify_password(std::string_view password, std::string_view encoded);

// True when `encoded` was not produced with exactly `params` (or is not argon2id at all), so a caller
// can re-hash after a successful login.
bool password_needs_rehash(std::string_view encoded, const PasswordParams& params = kDefaultPasswordParams);

}  // namespace bs::crypto
