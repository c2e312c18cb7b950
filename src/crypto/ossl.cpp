#include "crypto/ossl.hpp"

#include <openssl/err.h>

#include <cstdio>
#include <cstdlib>

namespace bs::crypto::detail {

void fatal(const char* what) {
  std::fprintf(stderr, "fatal: %s: %s\n", what, take_openssl_error().c_str());
  std::abort();
}

// Function-local statics: initialised once, thread-safely, and never freed (they live for the process).
const EVP_MD* sha256_md() {
  static EVP_MD* md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) fatal("EVP_MD_fetch(SHA256)");
    return m;
  }();
  return md;
}

EVP_MAC* hmac_mac() {
  static EVP_MAC* mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (m == nullptr) fatal("EVP_MAC_fetch(HMAC)");
    return m;
  }();
  return mac;
}

EVP_KDF* hkdf_kdf() {
  static EVP_KDF* kdf = [] {
    EVP_KDF* k = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    if (k == nullptr) fatal("EVP_KDF_fetch(HKDF)");
    return k;
  }();
  return kdf;
}

const EVP_CIPHER* aes256gcm_cipher() {
  static EVP_CIPHER* cipher = [] {
    EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    if (c == nullptr) fatal("EVP_CIPHER_fetch(AES-256-GCM)");
    return c;
  }();
  return cipher;
}

std::string take_openssl_error() {
  unsigned long last = 0;
  while (unsigned long e = ERR_get_error()) last = e;
  if (last == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(last, buf, sizeof buf);
  return buf;
}

}  // namespace bs::crypto::detail
