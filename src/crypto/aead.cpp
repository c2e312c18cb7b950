#include "crypto/aead.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include <climits>

#include "crypto/ossl.hpp"
#include "crypto/random.hpp"

namespace bs::crypto {
namespace {

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

// EVP takes int lengths; refuse anything that would not fit rather than truncate.
bool fits_int(std::string_view s) {
  return s.size() < static_cast<std::size_t>(INT_MAX) - 64;
}

}  // namespace

Result<std::string> aes256gcm_seal(std::string_view key32, std::string_view plaintext, std::string_view aad) {
  if (key32.size() != kAeadKeyBytes)
    return fail(ErrorCode::internal_error, "AES-256-GCM key must be 32 bytes");
  if (!fits_int(plaintext) || !fits_int(aad))
    return fail(ErrorCode::internal_error, "AES-256-GCM input too large");
  detail::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) detail::fatal("EVP_CIPHER_CTX_new");

  std::string out = random_bytes(kAeadNonceBytes);
  out.resize(kAeadNonceBytes + plaintext.size() + kAeadTagBytes);
  unsigned char* ct = bytes(out) + kAeadNonceBytes;
  int len = 0;
  int total = 0;
  if (EVP_EncryptInit_ex2(ctx.get(), detail::aes256gcm_cipher(), bytes(key32), bytes(out), nullptr) != 1 ||
      (!aad.empty() &&
       EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), ct, &len, bytes(plaintext), static_cast<int>(plaintext.size())) != 1) {
    return fail(ErrorCode::internal_error, "AES-256-GCM encryption failed: " + detail::take_openssl_error());
  }
  total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), ct + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kAeadTagBytes, ct + plaintext.size()) != 1) {
    return fail(ErrorCode::internal_error, "AES-256-GCM encryption failed: " + detail::take_openssl_error());
  }
  return out;
}

Result<std::string> aes256gcm_open(std::string_view key32, std::string_view sealed, std::string_view aad) {
  if (key32.size() != kAeadKeyBytes)
    return fail(ErrorCode::internal_error, "AES-256-GCM key must be 32 bytes");
  if (sealed.size() < kAeadNonceBytes + kAeadTagBytes) {
    return fail(ErrorCode::invalid_data, "sealed data is too short");
  }
  if (!fits_int(sealed) || !fits_int(aad)) return fail(ErrorCode::invalid_data, "sealed data is too large");
  const std::string_view nonce = sealed.substr(0, kAeadNonceBytes);
  const std::string_view ct = sealed.substr(kAeadNonceBytes, sealed.size() - kAeadNonceBytes - kAeadTagBytes);
  std::string tag(sealed.substr(sealed.size() - kAeadTagBytes));  // the ctrl wants a mutable pointer

  detail::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) detail::fatal("EVP_CIPHER_CTX_new");
  std::string out(ct.size(), '\0');
  int len = 0;
  if (EVP_DecryptInit_ex2(ctx.get(), detail::aes256gcm_cipher(), bytes(key32), bytes(nonce), nullptr) != 1 ||
      (!aad.empty() &&
       EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx.get(), bytes(out), &len, bytes(ct), static_cast<int>(ct.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kAeadTagBytes, tag.data()) != 1) {
    detail::take_openssl_error();
    OPENSSL_cleanse(out.data(), out.size());
    return fail(ErrorCode::invalid_data, "decryption failed");
  }
  const int total = len;
  if (EVP_DecryptFinal_ex(ctx.get(), bytes(out) + total, &len) != 1) {
    // Never hand back unauthenticated plaintext, not even in memory we are about to free.
    detail::take_openssl_error();
    OPENSSL_cleanse(out.data(), out.size());
    return fail(ErrorCode::invalid_data, "decryption failed: authentication tag mismatch");
  }
  return out;
}

}  // namespace bs::crypto
