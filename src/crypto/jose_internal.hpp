// Internal to src/crypto: the shared, immutable key material behind a Jwk.
#pragma once

#include <openssl/crypto.h>

#include <memory>
#include <string>

#include "crypto/jose.hpp"

namespace bs::crypto::detail {

struct JwkState {
  Jwk::Type type = Jwk::Type::none;
  std::shared_ptr<EVP_PKEY> pkey;  // asymmetric keys
  std::string secret;              // oct keys
  bool has_private = false;
  // Public members, base64url, computed once so public_json() and thumbprint() never touch OpenSSL.
  std::string n, e, x, y;
  std::string thumbprint;

  JwkState() = default;
  JwkState(const JwkState&) = delete;
  JwkState& operator=(const JwkState&) = delete;
  ~JwkState() { OPENSSL_cleanse(secret.data(), secret.size()); }
};

struct JwkAccess {
  static const JwkState* state(const Jwk& key) { return key.state_.get(); }
  static Jwk make(std::shared_ptr<const JwkState> state) { return Jwk(std::move(state)); }
};

}  // namespace bs::crypto::detail
