#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <vector>

#include "common/json_text.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/jose.hpp"
#include "crypto/jose_internal.hpp"
#include "crypto/ossl.hpp"

namespace bs::crypto {

using nlohmann::json;
namespace {

using detail::JwkAccess;
using detail::JwkState;

constexpr std::size_t kEs256SignatureBytes = 64;
constexpr std::size_t kEd25519SignatureBytes = 64;

const unsigned char* ubytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::unexpected<Error> token_error(std::string what) {
  return fail(ErrorCode::invalid_token, std::move(what));
}

std::unexpected<Error> sign_error(std::string what) {
  return fail(ErrorCode::internal_error, "sign_jws: " + std::move(what));
}

// ECDSA in OpenSSL speaks DER; JWS wants the fixed-width r||s of RFC 7518 §3.4.
bool der_to_raw(std::string_view der, std::string& raw) {
  const unsigned char* p = ubytes(der);
  detail::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return false;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  raw.assign(kEs256SignatureBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  return BN_bn2binpad(r, out, 32) == 32 && BN_bn2binpad(s, out + 32, 32) == 32;
}

bool raw_to_der(std::string_view raw, std::string& der) {
  detail::EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(ubytes(raw), 32, nullptr);
  BIGNUM* s = BN_bin2bn(ubytes(raw) + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char buf[80];  // DER of two 33-byte integers is at most 72 bytes
  unsigned char* p = buf;
  const int len = i2d_ECDSA_SIG(sig.get(), &p);
  if (len <= 0 || static_cast<std::size_t>(len) > sizeof buf) return false;
  der.assign(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(len));
  return true;
}

enum class Purpose { sign, verify };

// This thread's context for signing with (or verifying by) key, set up once: EVP_PKEY_sign_init
// and EVP_PKEY_verify_init look the implementation up in OpenSSL's locked method store and
// allocate, which cost about a tenth of an ES256 signature when done per token. A context may
// sign or verify any number of digests, but on one thread at a time, hence one per thread. It
// holds a reference to its key, so the key (and its address, the cache key) stays alive while
// cached; keys no longer used (rotated out, or a client's) are dropped when the cache fills.
EVP_PKEY_CTX* cached_context(EVP_PKEY* key, JwsAlg alg, Purpose purpose) {
  struct Cached {
    EVP_PKEY* key;
    detail::PkeyCtxPtr ctx;
  };
  constexpr std::size_t kMaxKeysPerThread = 8;
  thread_local std::vector<Cached> signers;
  thread_local std::vector<Cached> verifiers;
  auto& cache = purpose == Purpose::sign ? signers : verifiers;
  for (const auto& c : cache)
    if (c.key == key) return c.ctx.get();
  detail::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx) return nullptr;
  if ((purpose == Purpose::sign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get())) != 1)
    return nullptr;
  if (alg == JwsAlg::RS256 && (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
                               EVP_PKEY_CTX_set_signature_md(ctx.get(), detail::sha256_md()) != 1))
    return nullptr;
  if (cache.size() >= kMaxKeysPerThread) cache.clear();
  cache.push_back({key, std::move(ctx)});
  return cache.back().ctx.get();
}

bool sha256(std::string_view input, unsigned char (&digest)[EVP_MAX_MD_SIZE], unsigned int& len) {
  return EVP_Digest(input.data(), input.size(), digest, &len, detail::sha256_md(), nullptr) == 1;
}

Result<std::string> sign_input(JwsAlg alg, const JwkState& st, std::string_view input) {
  if (alg == JwsAlg::HS256) return hmac_sha256(st.secret, input);
  if (alg == JwsAlg::EdDSA) {
    // Ed25519 hashes the message itself (no pre-hashed interface), so it keeps the one-shot path.
    detail::MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx) detail::fatal("EVP_MD_CTX_new");
    std::size_t len = kEd25519SignatureBytes;
    std::string sig(len, '\0');
    if (EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, st.pkey.get(), nullptr) != 1 ||
        EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, ubytes(input),
                       input.size()) != 1) {
      return sign_error("signing failed: " + detail::take_openssl_error());
    }
    sig.resize(len);
    return sig;
  }
  // RS256 and ES256 sign the SHA-256 digest of the input.
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (!sha256(input, digest, digest_len)) return sign_error("digest failed: " + detail::take_openssl_error());
  EVP_PKEY_CTX* signer = cached_context(st.pkey.get(), alg, Purpose::sign);
  if (signer == nullptr) return sign_error("signing setup failed: " + detail::take_openssl_error());
  std::size_t len = static_cast<std::size_t>(EVP_PKEY_get_size(st.pkey.get()));
  std::string sig(len, '\0');
  if (EVP_PKEY_sign(signer, reinterpret_cast<unsigned char*>(sig.data()), &len, digest, digest_len) != 1)
    return sign_error("signing failed: " + detail::take_openssl_error());
  sig.resize(len);
  if (alg == JwsAlg::ES256) {
    std::string raw;
    if (!der_to_raw(sig, raw))
      return sign_error("cannot convert ECDSA signature: " + detail::take_openssl_error());
    return raw;
  }
  return sig;
}

bool verify_input(JwsAlg alg, const JwkState& st, std::string_view input, std::string_view signature) {
  if (alg == JwsAlg::HS256) return constant_time_equal(hmac_sha256(st.secret, input), signature);
  std::string der;
  if (alg == JwsAlg::ES256) {
    if (signature.size() != kEs256SignatureBytes || !raw_to_der(signature, der)) return false;
    signature = der;
  } else if (alg == JwsAlg::EdDSA && signature.size() != kEd25519SignatureBytes) {
    return false;
  }
  bool ok = false;
  if (alg == JwsAlg::EdDSA) {
    detail::MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx) detail::fatal("EVP_MD_CTX_new");
    ok =
        EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, st.pkey.get(), nullptr) == 1 &&
        EVP_DigestVerify(ctx.get(), ubytes(signature), signature.size(), ubytes(input), input.size()) == 1;
  } else {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    EVP_PKEY_CTX* verifier = cached_context(st.pkey.get(), alg, Purpose::verify);
    ok = verifier != nullptr && sha256(input, digest, digest_len) &&
         EVP_PKEY_verify(verifier, ubytes(signature), signature.size(), digest, digest_len) == 1;
  }
  // A failed verification leaves reasons on the queue; drop them.
  if (!ok) ERR_clear_error();
  return ok;
}

std::optional<json> parse_object(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

}  // namespace

Result<std::string> sign_jws(const json& protected_header, std::string_view payload, const Jwk& key) {
  const JwkState* st = JwkAccess::state(key);
  if (st == nullptr) return sign_error("empty key");
  if (!protected_header.is_object()) return sign_error("header must be a JSON object");
  auto alg_it = protected_header.find("alg");
  if (alg_it == protected_header.end() || !alg_it->is_string())
    return sign_error("header needs a string alg");
  const auto alg = parse_jws_alg(alg_it->get_ref<const std::string&>());
  if (!alg) return sign_error("unsupported alg");
  if (!key.compatible_with(*alg) || (key.alg && *key.alg != *alg))
    return sign_error("alg does not match the key");
  if (!st->has_private) return sign_error("key has no private part");

  std::string header_json;
  try {
    header_json = json_text(protected_header);
  } catch (const json::exception&) {
    return sign_error("header is not valid UTF-8");
  }
  const std::string header_b64 = base64url_encode(header_json);
  const std::string payload_b64 = base64url_encode(payload);
  std::string out;
  out.reserve(header_b64.size() + payload_b64.size() + 2 + 342);  // 342: base64url of a 256-byte signature
  out.append(header_b64).append(1, '.').append(payload_b64);
  auto sig = sign_input(*alg, *st, out);
  if (!sig) return std::unexpected(sig.error());
  out.append(1, '.').append(base64url_encode(*sig));
  return out;
}

namespace {

// The three parts of a compact JWS, not yet decoded.
struct CompactParts {
  std::string_view header, payload, signature;
};

Result<CompactParts> split_compact(std::string_view compact, std::size_t max_bytes) {
  if (compact.size() > max_bytes) return token_error("token too large");
  const std::size_t dot1 = compact.find('.');
  if (dot1 == std::string_view::npos) return token_error("malformed token: expected 3 parts");
  const std::size_t dot2 = compact.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || compact.find('.', dot2 + 1) != std::string_view::npos) {
    return token_error("malformed token: expected 3 parts");
  }
  return CompactParts{compact.substr(0, dot1), compact.substr(dot1 + 1, dot2 - dot1 - 1),
                      compact.substr(dot2 + 1)};
}

Result<nlohmann::json> decode_header(std::string_view header_b64) {
  auto header_text = base64url_decode(header_b64);
  if (!header_text) return token_error("malformed token: header is not base64url");
  auto header = parse_object(*header_text);
  if (!header) return token_error("malformed token: header is not a JSON object");
  return std::move(*header);
}

}  // namespace

Result<nlohmann::json> decode_jws_header(std::string_view compact, std::size_t max_bytes) {
  auto parts = split_compact(compact, max_bytes);
  if (!parts) return std::unexpected(parts.error());
  return decode_header(parts->header);
}

Result<DecodedJws> decode_jws(std::string_view compact, std::size_t max_bytes) {
  auto parts = split_compact(compact, max_bytes);
  if (!parts) return std::unexpected(parts.error());
  const std::string_view payload_b64 = parts->payload;
  const std::string_view signature_b64 = parts->signature;
  auto header = decode_header(parts->header);
  if (!header) return std::unexpected(header.error());
  auto alg_it = header->find("alg");
  if (alg_it == header->end() || !alg_it->is_string()) return token_error("token header has no alg");
  const auto alg = parse_jws_alg(alg_it->get_ref<const std::string&>());
  if (!alg) return token_error("unsupported token alg");
  // RFC 7515 §4.1.11: we understand no extensions, so any "crit" must be rejected.
  if (header->contains("crit")) return token_error("unsupported critical header parameters");

  auto payload_text = base64url_decode(payload_b64);
  if (!payload_text) return token_error("malformed token: payload is not base64url");
  auto payload = parse_object(*payload_text);
  if (!payload) return token_error("malformed token: payload is not a JSON object");

  auto signature = base64url_decode(signature_b64);
  if (!signature) return token_error("malformed token: signature is not base64url");
  if (signature->empty()) return token_error("token is not signed");

  DecodedJws out{
      .header = std::move(*header),
      .payload = std::move(*payload),
      .signing_input = std::string(compact.substr(0, parts->header.size() + 1 + payload_b64.size())),
      .signature = std::move(*signature),
      .alg = *alg};
  return out;
}

Status verify_jws(const DecodedJws& jws, const Jwk& key) {
  const JwkState* st = JwkAccess::state(key);
  if (st == nullptr) return token_error("no key to verify the token");
  // The header is the authority on alg; refuse a DecodedJws whose fields were edited out of step.
  auto alg_it = jws.header.find("alg");
  if (alg_it == jws.header.end() || !alg_it->is_string() ||
      parse_jws_alg(alg_it->get_ref<const std::string&>()) != jws.alg) {
    return token_error("token alg mismatch");
  }
  if (!key.compatible_with(jws.alg) || (key.alg && *key.alg != jws.alg)) {
    return token_error("token alg " + std::string(jws_alg_name(jws.alg)) + " does not match the key");
  }
  if (!verify_input(jws.alg, *st, jws.signing_input, jws.signature))
    return token_error("invalid token signature");
  return ok();
}

}  // namespace bs::crypto
