// JWK and JWK Set parsing (Jwk::from_json, as client jwks and request-object keys reach it) and
// private key PEM parsing. Invariants: errors are invalid_data; the public form of an accepted key
// never carries private members, parses back to a public key with the same RFC 7638 thumbprint
// and the same public form; a private key survives a PEM round trip.
#include <cstdint>

#include "crypto/jose.hpp"
#include "fuzz_support.hpp"

namespace {

using bs::ErrorCode;
using bs::crypto::Jwk;
using bs::fuzz::require;
using bs::fuzz::require_error;

void check_key(const Jwk& key) {
  require(!key.empty(), "an accepted key is empty");
  const auto pub = key.public_json();
  for (const char* secret : {"d", "p", "q", "dp", "dq", "qi", "k", "oth"})
    require(!pub.contains(secret), "public form holds private key material");
  const auto thumbprint = key.thumbprint();
  require(!thumbprint.empty(), "no thumbprint");
  if (key.type() == Jwk::Type::oct) {
    require(key.is_private(), "a symmetric key must count as private");
    return;
  }
  auto again = Jwk::from_json(pub);
  require(again.has_value(), "our public form does not parse");
  require(!again->is_private(), "public form parsed as private");
  require(again->type() == key.type(), "key type changed");
  require(again->thumbprint() == thumbprint, "thumbprint changed over the public form");
  require(again->public_json() == pub, "public form is not stable");
  require(again->public_pem().has_value(), "no public PEM");
  if (key.is_private()) {
    auto pem = key.private_pem();
    require(pem.has_value(), "no private PEM");
    auto back = Jwk::from_private_pem(*pem);
    require(back.has_value() && back->thumbprint() == thumbprint, "private PEM round trip changed the key");
  }
}

void check_member(const nlohmann::json& member) {
  auto key = Jwk::from_json(member);
  if (!key) {
    require_error(key.error(), ErrorCode::invalid_data);
    return;
  }
  check_key(*key);
  // An alg member, when accepted, is one this key can use.
  if (key->alg) require(key->compatible_with(*key->alg), "accepted an alg that does not fit the key type");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = bs::fuzz::as_text(data, size);
  if (input.starts_with("-----BEGIN")) {
    auto key = Jwk::from_private_pem(input);
    if (!key) {
      require_error(key.error(), ErrorCode::invalid_data);
    } else {
      require(key->is_private(), "a private PEM gave a public key");
      check_key(*key);
    }
    return 0;
  }
  auto json = nlohmann::json::parse(input, nullptr, false);
  if (json.is_discarded()) return 0;
  if (json.is_object() && json.contains("keys") && json["keys"].is_array()) {
    for (const auto& member : json["keys"]) check_member(member);
  } else {
    check_member(json);
  }
  return 0;
}
