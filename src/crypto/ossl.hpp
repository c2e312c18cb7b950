// Internal to src/crypto: RAII owners for OpenSSL objects, algorithm handles fetched once, and
// error-queue hygiene. Not part of the public API.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>

#include <memory>
#include <string>

namespace bs::crypto::detail {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, Deleter<EVP_MAC_CTX_free>>;
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, Deleter<EVP_KDF_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_clear_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;

// Explicitly fetched once: with OpenSSL 3 every implicit fetch (EVP_sha256() passed to an init call)
// goes through the locked method store, which is measurable on hot paths.
const EVP_MD* sha256_md();
EVP_MAC* hmac_mac();
EVP_KDF* hkdf_kdf();
const EVP_CIPHER* aes256gcm_cipher();

// Drains this thread's OpenSSL error queue and returns the most recent reason, so stale errors never
// leak into unrelated code (the TLS layer inspects the same queue).
std::string take_openssl_error();

// Aborts with a message: used only where failure means memory exhaustion or a broken library.
[[noreturn]] void fatal(const char* what);

}  // namespace bs::crypto::detail
