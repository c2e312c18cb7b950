// A small JOSE implementation: JWK (RFC 7517/7518/8037), JWS compact serialization (RFC 7515),
// JWK thumbprints (RFC 7638) and JWT claim checks (RFC 7519, RFC 8725). Only the algorithms we issue
// or accept exist: RS256, ES256, EdDSA (Ed25519) and HS256. There is deliberately no "none".
// Error descriptions for invalid_token / invalid_data are fixed ASCII text that never echoes input and
// holds no quotes or backslashes, so they can go straight into an RFC 6749 error_description.
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/errors.hpp"

namespace bs::crypto {

enum class JwsAlg { RS256, ES256, EdDSA, HS256 };

// Exact, case-sensitive names; "none" and everything else give nullopt.
std::optional<JwsAlg> parse_jws_alg(std::string_view name);
std::string_view jws_alg_name(JwsAlg alg);

namespace detail {
struct JwkState;
struct JwkAccess;
}  // namespace detail

// A key usable for one JWS algorithm family. Key material is immutable and shared between copies, so
// copying a Jwk is cheap and a Jwk may be used for signing and verification from many threads at once.
// kid / alg / use are plain per-copy metadata.
class Jwk {
 public:
  enum class Type { none, rsa, ec_p256, ed25519, oct };

  std::string kid;
  std::optional<JwsAlg> alg;  // when set, the only algorithm this key signs or verifies
  std::string use;            // "sig" etc.; informational

  // An empty key: compatible with nothing, verifies nothing. Exists so Jwk can be a plain member.
  Jwk() = default;

  // New private key: RS256 → RSA 2048, ES256 → P-256, EdDSA → Ed25519, HS256 → 32 random bytes.
  // Sets alg; leaves kid empty for the caller to choose (the thumbprint is a good kid).
  static Result<Jwk> generate(JwsAlg alg);

  // Parses a public or private JWK of kty RSA, EC (P-256), OKP (Ed25519) or oct. Rejects RSA moduli
  // outside 2048..8192 bits, EC points not on the curve, private halves that do not match the public
  // half, oct keys shorter than 32 bytes, an "alg" we do not support or that does not fit the kty, and
  // multi-prime RSA ("oth"). Errors are invalid_data.
  static Result<Jwk> from_json(const nlohmann::json& jwk);

  // Reads an unencrypted private key PEM (PKCS#8; traditional forms are accepted too) of the same
  // types and sizes from_json accepts. Errors are invalid_data.
  static Result<Jwk> from_private_pem(std::string_view pem);
  // Unencrypted PKCS#8 PEM of the private key; internal_error for public or symmetric keys.
  Result<std::string> private_pem() const;
  // SubjectPublicKeyInfo PEM of the public key; internal_error for symmetric or empty keys.
  Result<std::string> public_pem() const;

  // An HS256 key. Any length is accepted here (callers own the policy); from_json enforces >= 32 bytes.
  static Jwk symmetric(std::string secret);

  // The public JWK: kty and crv, x, y or n, e, plus kid / alg / use when set. Never private members;
  // for oct keys that means no "k". An empty key gives an empty object.
  nlohmann::json public_json() const;

  // RFC 7638 thumbprint: base64url(SHA-256(canonical required members)). Empty for an empty key.
  std::string thumbprint() const;

  bool is_private() const;                 // true for private asymmetric keys and for every symmetric key
  bool compatible_with(JwsAlg alg) const;  // the key type fits the algorithm (ignores the alg member)
  Type type() const;
  bool empty() const { return state_ == nullptr; }

  // The OpenSSL key for asymmetric keys (nullptr otherwise). Owned by the Jwk; do not free.
  EVP_PKEY* pkey() const;

 private:
  explicit Jwk(std::shared_ptr<const detail::JwkState> state) : state_(std::move(state)) {}
  std::shared_ptr<const detail::JwkState> state_;

  friend struct detail::JwkAccess;
};

// Compact JWS: base64url(header.dump()) "." base64url(payload) "." base64url(signature).
// The header must be an object whose "alg" names an algorithm compatible with the key (and equal to
// key.alg when set); the key must be private. ES256 signatures are raw r||s (64 bytes) as RFC 7518
// requires. Errors are internal_error: they mean the caller passed the wrong key or header.
Result<std::string> sign_jws(const nlohmann::json& protected_header, std::string_view payload,
                             const Jwk& key);

struct DecodedJws {
  nlohmann::json header;
  nlohmann::json payload;
  std::string signing_input;  // "<header b64>.<payload b64>", exactly as received
  std::string signature;      // raw bytes
  JwsAlg alg{};  // set by decode_jws from the header; verify_jws re-checks it against header["alg"]
};

// Parses a compact JWS without checking its signature: exactly three parts, strict base64url, header
// and payload JSON objects, a supported "alg", no "crit", at most max_bytes long. Errors are
// invalid_token with a description of what was wrong.
Result<DecodedJws> decode_jws(std::string_view compact, std::size_t max_bytes = 16384);
// Only the header of a compact JWS (three parts, a base64url JSON object), for telling token
// kinds apart before the whole token is decoded. Says nothing about the rest of the token.
Result<nlohmann::json> decode_jws_header(std::string_view compact, std::size_t max_bytes = 16384);

// Checks the signature. The header alg must fit the key type and equal key.alg when the key has one,
// so an HS256 token can never be checked against an RSA or EC public key's bytes. Errors are
// invalid_token.
Status verify_jws(const DecodedJws& jws, const Jwk& key);

struct JwtExpectations {
  std::string issuer;                  // exact "iss"; empty skips the check
  std::vector<std::string> audiences;  // any one must appear in "aud"; empty skips the check
  std::optional<std::string> typ;      // header "typ"; case-insensitive, "application/" prefix optional
  std::int64_t now = 0;                // seconds since the epoch
  std::int64_t leeway_seconds = 30;    // clock skew tolerated for exp, nbf and iat
  bool require_exp = true;
  // When set: exp - iat, and exp - now, may not exceed this; without exp, now - iat may not either.
  std::optional<std::int64_t> max_lifetime_seconds;
};

// Validates registered claims of a decoded (and separately verified) JWT. Errors are invalid_token
// with descriptions such as "token expired".
Status validate_jwt_claims(const DecodedJws& jws, const JwtExpectations& e);

}  // namespace bs::crypto
