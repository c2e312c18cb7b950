// JWS compact parsing, signature verification and JWT claim checks (crypto/jose.hpp) with a fixed
// key set of every algorithm, without a Keyring. Invariants: errors are invalid_token; a decoded
// token keeps exactly the bytes it was given; a signature verifies only under a key of the header's
// algorithm family; and any JSON object signed by one of our keys decodes back to itself and
// verifies under that key and no other.
#include <array>
#include <cstdint>
#include <vector>

#include "crypto/encoding.hpp"
#include "crypto/jose.hpp"
#include "fuzz_keys.hpp"
#include "fuzz_support.hpp"

namespace {

using bs::ErrorCode;
using bs::fuzz::require;
using bs::fuzz::require_error;
using namespace bs::crypto;

struct KeySet {
  std::vector<Jwk> private_keys;  // HS256, ES256, EdDSA, RS256
  std::vector<Jwk> verifiers;     // the same, as the public halves where there are any
};

Jwk must(bs::Result<Jwk> key) {
  require(key.has_value(), "a fixed fuzz key does not parse");
  return std::move(*key);
}

const KeySet& keys() {
  static const KeySet set = [] {
    KeySet s;
    for (auto text : {bs::fuzz::kHs256Jwk, bs::fuzz::kEs256Jwk, bs::fuzz::kEd25519Jwk})
      s.private_keys.push_back(must(Jwk::from_json(nlohmann::json::parse(text))));
    auto rsa = must(Jwk::from_private_pem(bs::fuzz::kRsaPrivatePem));
    rsa.kid = "rs";
    s.private_keys.push_back(rsa);
    for (const auto& k : s.private_keys)
      s.verifiers.push_back(k.type() == Jwk::Type::oct ? k : must(Jwk::from_json(k.public_json())));
    return s;
  }();
  return set;
}

JwsAlg alg_of(const Jwk& key) {
  switch (key.type()) {
    case Jwk::Type::oct:
      return JwsAlg::HS256;
    case Jwk::Type::ec_p256:
      return JwsAlg::ES256;
    case Jwk::Type::ed25519:
      return JwsAlg::EdDSA;
    default:
      return JwsAlg::RS256;
  }
}

void check_decoded(std::string_view compact, const DecodedJws& jws) {
  const auto dot1 = compact.find('.');
  const auto dot2 = compact.find('.', dot1 + 1);
  require(jws.signing_input == compact.substr(0, dot2), "signing input differs from the received bytes");
  // The decoder is strict, so the signature has exactly one text: the one received.
  require(base64url_encode(jws.signature) == compact.substr(dot2 + 1), "signature text not canonical");
  require(jws.header.is_object() && jws.payload.is_object(), "header or payload not an object");
  require(!jws.header.contains("crit"), "crit accepted");
  const auto& alg = jws.header["alg"];
  require(alg.is_string() && parse_jws_alg(alg.get<std::string>()) == jws.alg, "alg differs from header");
  require(!jws.signature.empty(), "unsigned token accepted");

  for (const auto& key : keys().verifiers) {
    auto verified = verify_jws(jws, key);
    if (!verified) {
      require_error(verified.error(), ErrorCode::invalid_token);
      continue;
    }
    require(key.compatible_with(jws.alg), "verified under a key of another algorithm family");
  }

  for (const std::int64_t now : {std::int64_t{0}, std::int64_t{1700000000}, std::int64_t{1} << 40}) {
    auto lenient = validate_jwt_claims(jws, JwtExpectations{.now = now, .require_exp = false});
    if (!lenient) require_error(lenient.error(), ErrorCode::invalid_token);

    JwtExpectations strict{.issuer = "joe",
                           .audiences = {"https://as.example", "https://rs.example"},
                           .typ = "JWT",
                           .now = now,
                           .max_lifetime_seconds = 3600};
    auto valid = validate_jwt_claims(jws, strict);
    if (!valid) {
      require_error(valid.error(), ErrorCode::invalid_token);
      continue;
    }
    require(lenient.has_value(), "passed the strict checks but not the lenient ones");
    const auto& exp = jws.payload["exp"];
    require(exp.is_number(), "accepted without a numeric exp");
    require(exp.get<double>() + 30 > static_cast<double>(now) - 1, "accepted an expired token");
    require(exp.get<double>() - static_cast<double>(now) <= 3600 + 30 + 1, "accepted a too long lifetime");
    require(jws.payload["iss"] == "joe", "accepted another issuer");
  }
}

// Signs payload with every private key; each token must decode to payload and verify only under
// the key that signed it.
void check_round_trip(std::string_view payload, const nlohmann::json& object) {
  const auto& set = keys();
  for (std::size_t i = 0; i < set.private_keys.size(); ++i) {
    const Jwk& signer = set.private_keys[i];
    if (alg_of(signer) == JwsAlg::RS256 && payload.size() > 256) continue;  // keep executions fast
    nlohmann::json header = {{"alg", jws_alg_name(alg_of(signer))}, {"kid", signer.kid}};
    auto token = sign_jws(header, payload, signer);
    require(token.has_value(), "signing failed");
    auto decoded = decode_jws(*token, token->size());
    require(decoded.has_value(), "our own token does not decode");
    require(decoded->payload == object && decoded->header == header, "round trip changed the token");
    for (std::size_t j = 0; j < set.verifiers.size(); ++j) {
      const bool verified = verify_jws(*decoded, set.verifiers[j]).has_value();
      require(verified == (i == j),
              i == j ? "our own signature does not verify" : "verified under another key");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = bs::fuzz::as_text(data, size);
  auto decoded = decode_jws(input);
  if (decoded) {
    check_decoded(input, *decoded);
  } else {
    require_error(decoded.error(), ErrorCode::invalid_token);
  }
  // The header-only decoding (the authenticator's token-kind check) accepts whatever decode_jws
  // accepts, with the same header.
  auto header = bs::crypto::decode_jws_header(input);
  if (header) {
    require(header->is_object(), "decode_jws_header gave a header that is no object");
    require(!decoded || *header == decoded->header, "the two decoders disagree on the header");
  } else {
    require_error(header.error(), ErrorCode::invalid_token);
    require(!decoded, "decode_jws accepted a token whose header decode_jws_header refuses");
  }
  auto object = nlohmann::json::parse(input, nullptr, false);
  if (!object.is_discarded() && object.is_object()) check_round_trip(input, object);
  return 0;
}
