// RFC 7523 client assertions (private_key_jwt, client_secret_jwt): the checks that need no
// database (oauth/client_auth.cpp assertion_client_id, check_assertion_claims), on compact JWS
// input or, to reach the claim checks without a signature, on a JSON claims object.
// Invariants: errors are invalid_client (invalid_token from the JWS decoder); an accepted
// assertion has iss == sub, names the token endpoint or the issuer as audience, has a non-empty
// jti and expires no later than kMaxAssertionLifetime from now and not before now (minus leeway).
#include <algorithm>
#include <cstdint>

#include "crypto/jose.hpp"
#include "fuzz_support.hpp"
#include "oauth/client_auth.hpp"

namespace {

using bs::ErrorCode;
using bs::fuzz::require;
using bs::fuzz::require_error;

constexpr std::int64_t kNow = 1700000000;
const std::vector<std::string> kAudiences = {"https://as.example/oauth/token", "https://as.example"};

void check(const bs::crypto::DecodedJws& assertion) {
  auto client_id = bs::oauth::assertion_client_id(assertion);
  if (!client_id) {
    require_error(client_id.error(), ErrorCode::invalid_client);
    return;
  }
  const auto& claims = assertion.payload;
  require(!client_id->empty() && claims["iss"] == *client_id && claims["sub"] == *client_id,
          "client_id is not both iss and sub");
  auto accepted = bs::oauth::check_assertion_claims(assertion, *client_id, kAudiences, kNow);
  if (!accepted) {
    require_error(accepted.error(), ErrorCode::invalid_client);
    return;
  }
  require(!accepted->jti.empty() && claims["jti"] == accepted->jti, "jti missing or altered");
  require(accepted->exp - kNow <= bs::oauth::kMaxAssertionLifetime, "accepted a long-lived assertion");
  require(accepted->exp + 30 > kNow, "accepted an expired assertion");
  const auto& aud = claims["aud"];
  auto named = [&](const nlohmann::json& v) {
    return v.is_string() &&
           std::find(kAudiences.begin(), kAudiences.end(), v.get<std::string>()) != kAudiences.end();
  };
  require(named(aud) || (aud.is_array() && std::any_of(aud.begin(), aud.end(), named)),
          "accepted an assertion for another audience");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = bs::fuzz::as_text(data, size);
  if (std::count(input.begin(), input.end(), '.') == 2 && input.find('{') == std::string_view::npos) {
    auto decoded = bs::crypto::decode_jws(input);
    if (!decoded) {
      require_error(decoded.error(), ErrorCode::invalid_token);
      return 0;
    }
    check(*decoded);
    return 0;
  }
  auto claims = nlohmann::json::parse(input, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) return 0;
  bs::crypto::DecodedJws assertion;
  assertion.header = {{"alg", "ES256"}, {"typ", "JWT"}};
  assertion.alg = bs::crypto::JwsAlg::ES256;
  assertion.payload = std::move(claims);
  check(assertion);
  return 0;
}
