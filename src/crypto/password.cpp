#include "crypto/password.hpp"

#include <argon2.h>

#include <charconv>
#include <cstring>
#include <optional>

#include "crypto/encoding.hpp"
#include "crypto/random.hpp"

namespace bs::crypto {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::string_view kPrefix = "$argon2id$v=19$";

// Upper bounds accepted when verifying: far above any setting we would choose, low enough that a
// corrupted or hostile stored hash cannot demand gigabytes or minutes.
constexpr std::uint32_t kMaxMemoryKib = 1u << 20;  // 1 GiB
constexpr std::uint32_t kMaxTime = 64;
constexpr std::uint32_t kMaxLanes = 16;

// Reads "m=..,t=..,p=.." following the prefix; nullopt on any deviation from that exact layout.
std::optional<PasswordParams> parse_params(std::string_view encoded) {
  if (!encoded.starts_with(kPrefix)) return std::nullopt;
  std::string_view rest = encoded.substr(kPrefix.size());
  PasswordParams p{};
  std::uint32_t* fields[] = {&p.m_cost_kib, &p.t_cost, &p.parallelism};
  const char names[] = {'m', 't', 'p'};
  for (int i = 0; i < 3; ++i) {
    if (rest.size() < 2 || rest[0] != names[i] || rest[1] != '=') return std::nullopt;
    rest.remove_prefix(2);
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), *fields[i]);
    if (ec != std::errc{} || ptr == rest.data()) return std::nullopt;
    rest.remove_prefix(static_cast<std::size_t>(ptr - rest.data()));
    const char sep = i < 2 ? ',' : '$';
    if (rest.empty() || rest[0] != sep) return std::nullopt;
    rest.remove_prefix(1);
  }
  return p;
}

}  // namespace

Result<std::string> hash_password(std::string_view password) {
  return hash_password(password, kDefaultPasswordParams);
}

Result<std::string> hash_password(std::string_view password, const PasswordParams& params) {
  const std::string salt = random_bytes(kSaltBytes);
  const std::size_t encoded_len = argon2_encodedlen(params.t_cost, params.m_cost_kib, params.parallelism,
                                                    kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(encoded_len, '\0');
  const int rc = argon2id_hash_encoded(params.t_cost, params.m_cost_kib, params.parallelism, password.data(),
                                       password.size(), salt.data(), salt.size(), kHashBytes, encoded.data(),
                                       encoded.size());
  if (rc != ARGON2_OK) {
    return fail(ErrorCode::internal_error,
                std::string("argon2id hashing failed: ") + argon2_error_message(rc));
  }
  encoded.resize(std::strlen(encoded.c_str()));  // encodedlen counts the terminator and may overestimate
  return encoded;
}

std::string unmatchable_password_hash(const PasswordParams& params) {
  // PHC strings carry salt and tag in unpadded standard base64.
  const auto unpadded = [](std::string text) {
    while (!text.empty() && text.back() == '=') text.pop_back();
    return text;
  };
  return std::string(kPrefix) + "m=" + std::to_string(params.m_cost_kib) +
         ",t=" + std::to_string(params.t_cost) + ",p=" + std::to_string(params.parallelism) + "$" +
         unpadded(base64_encode(random_bytes(kSaltBytes))) + "$" +
         unpadded(base64_encode(random_bytes(kHashBytes)));
}

bool verify_password(std::string_view password, std::string_view encoded) {
  const auto params = parse_params(encoded);
  if (!params || params->m_cost_kib > kMaxMemoryKib || params->t_cost > kMaxTime ||
      params->parallelism > kMaxLanes) {
    return false;
  }
  const std::string encoded_z(encoded);  // argon2 wants a NUL-terminated string
  if (encoded_z.find('\0') != std::string::npos) return false;
  return argon2id_verify(encoded_z.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool password_needs_rehash(std::string_view encoded, const PasswordParams& params) {
  const auto p = parse_params(encoded);
  return !p || p->m_cost_kib != params.m_cost_kib || p->t_cost != params.t_cost ||
         p->parallelism != params.parallelism;
}

}  // namespace bs::crypto
