#include "support/oauth_helpers.hpp"

#include <chrono>

#include "crypto/encoding.hpp"
#include "crypto/random.hpp"

namespace bs::test {

std::string basic_auth(const std::string& id, const std::string& secret) {
  return "Basic " + crypto::base64_encode(id + ":" + secret);
}

std::int64_t unix_time() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string client_assertion(const crypto::Jwk& key, const std::string& client_id,
                             const std::string& audience, std::int64_t lifetime, const std::string& jti) {
  const auto now = unix_time();
  nlohmann::json header = {{"alg", crypto::jws_alg_name(*key.alg)}};
  if (!key.kid.empty()) header["kid"] = key.kid;
  nlohmann::json claims = {{"iss", client_id},      {"sub", client_id},
                           {"aud", audience},       {"iat", now},
                           {"exp", now + lifetime}, {"jti", jti.empty() ? crypto::random_token(16) : jti}};
  return crypto::sign_jws(header, claims.dump(), key).value();
}

}  // namespace bs::test
