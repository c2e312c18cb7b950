#include "crypto/hash.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <string>
#include <vector>

#include "crypto/ossl.hpp"

namespace bs::crypto {

using detail::fatal;

std::string sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                 detail::sha256_md(), nullptr) != 1 ||
      len != 32) {
    fatal("EVP_Digest(SHA256)");
  }
  return out;
}

namespace {

// A context keyed once per thread and key: EVP_MAC_init with a new key fetches SHA-256 through
// OpenSSL's locked method store and recomputes the padded key blocks, which cost as much as the MAC
// of a client secret itself. The keys are the server's own (a handful), so the cache stays tiny.
EVP_MAC_CTX* keyed_hmac_sha256(std::string_view key) {
  struct Keyed {
    std::string key;
    detail::MacCtxPtr ctx;
  };
  constexpr std::size_t kMaxKeysPerThread = 8;
  thread_local std::vector<Keyed> keyed;
  for (auto& k : keyed)
    if (k.key == key) return k.ctx.get();
  detail::MacCtxPtr ctx(EVP_MAC_CTX_new(detail::hmac_mac()));
  if (!ctx) fatal("EVP_MAC_CTX_new");
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  // OpenSSL rejects a NULL key pointer even with length 0, so give it a valid empty buffer.
  static const unsigned char empty = 0;
  const auto* key_ptr = key.empty() ? &empty : reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_MAC_init(ctx.get(), key_ptr, key.size(), params) != 1) fatal("HMAC-SHA256 key");
  if (keyed.size() >= kMaxKeysPerThread) keyed.erase(keyed.begin());
  keyed.push_back({std::string(key), std::move(ctx)});
  return keyed.back().ctx.get();
}

}  // namespace

std::string hmac_sha256(std::string_view key, std::string_view data) {
  EVP_MAC_CTX* ctx = keyed_hmac_sha256(key);
  std::string out(32, '\0');
  std::size_t len = 0;
  // A NULL key re-initializes with the key already set (OpenSSL 3 HMAC).
  if (EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, reinterpret_cast<unsigned char*>(out.data()), &len, out.size()) != 1 || len != 32) {
    fatal("HMAC-SHA256");
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    // Do comparable work anyway so the mismatch path is not a fast exit an attacker can time.
    volatile int sink = CRYPTO_memcmp(a.data(), a.data(), a.size());
    (void)sink;
    return false;
  }
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string hkdf_sha256(std::string_view ikm, std::string_view salt, std::string_view info,
                        std::size_t length) {
  if (length > 255 * 32) fatal("hkdf_sha256: length exceeds 8160 bytes");
  if (length == 0) return {};
  detail::KdfCtxPtr ctx(EVP_KDF_CTX_new(detail::hkdf_kdf()));
  if (!ctx) fatal("EVP_KDF_CTX_new");
  char digest_name[] = "SHA256";
  // OSSL_PARAM wants mutable pointers but only reads octet strings on input.
  OSSL_PARAM params[5];
  std::size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest_name, 0);
  // An empty view may carry a null pointer, which OpenSSL treats as "unset"; point at a real byte.
  static char empty = 0;
  char* ikm_ptr = ikm.empty() ? &empty : const_cast<char*>(ikm.data());
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm_ptr, ikm.size());
  if (!salt.empty()) {
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()), salt.size());
  }
  if (!info.empty()) {
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size());
  }
  params[n] = OSSL_PARAM_construct_end();
  std::string out(length, '\0');
  if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), length, params) != 1) {
    fatal("HKDF-SHA256");
  }
  return out;
}

}  // namespace bs::crypto
