#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <climits>

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/jose.hpp"
#include "crypto/jose_internal.hpp"
#include "crypto/ossl.hpp"
#include "crypto/random.hpp"

namespace bs::crypto {

using nlohmann::json;
namespace {

using detail::JwkAccess;
using detail::JwkState;

constexpr int kMinRsaBits = 2048;
// Verification cost grows with the modulus; beyond 8192 bits a client-supplied key becomes a DoS lever.
constexpr int kMaxRsaBits = 8192;
constexpr std::size_t kMinOctBytes = 32;  // RFC 7518 §3.2: at least the hash output size

std::unexpected<Error> jwk_error(std::string what) {
  return fail(ErrorCode::invalid_data, "JWK: " + what);
}

std::shared_ptr<EVP_PKEY> share(detail::PkeyPtr p) {
  return {p.release(), EVP_PKEY_free};
}

std::string bn_bytes(const BIGNUM* bn, int pad = 0) {
  const int len = pad > 0 ? pad : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(len), '\0');
  if (pad > 0) {
    if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), pad) != pad) return {};
  } else {
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  }
  return out;
}

detail::BnPtr bn_from(std::string_view bytes) {
  return detail::BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                 static_cast<int>(bytes.size()), nullptr));
}

std::optional<std::string> get_bn_param(const EVP_PKEY* pkey, const char* name, int pad = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) {
    detail::take_openssl_error();
    return std::nullopt;
  }
  detail::BnPtr bn(raw);
  return bn_bytes(bn.get(), pad);
}

// Fills the cached public members and thumbprint (RFC 7638 §3.2: required members only, sorted, no
// whitespace). Base64url values never need JSON escaping, so plain concatenation is canonical.
Result<Jwk> finish(std::shared_ptr<JwkState> st) {
  EVP_PKEY* pkey = st->pkey.get();
  std::string canonical;
  switch (st->type) {
    case Jwk::Type::rsa: {
      auto n = get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N);
      auto e = get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E);
      if (!n || !e) return fail(ErrorCode::internal_error, "cannot read RSA public key");
      st->n = base64url_encode(*n);
      st->e = base64url_encode(*e);
      canonical = R"({"e":")" + st->e + R"(","kty":"RSA","n":")" + st->n + R"("})";
      break;
    }
    case Jwk::Type::ec_p256: {
      auto x = get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32);
      auto y = get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
      if (!x || !y || x->empty() || y->empty())
        return fail(ErrorCode::internal_error, "cannot read EC public key");
      st->x = base64url_encode(*x);
      st->y = base64url_encode(*y);
      canonical = R"({"crv":"P-256","kty":"EC","x":")" + st->x + R"(","y":")" + st->y + R"("})";
      break;
    }
    case Jwk::Type::ed25519: {
      unsigned char raw[32];
      std::size_t len = sizeof raw;
      if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1 || len != 32) {
        return fail(ErrorCode::internal_error,
                    "cannot read Ed25519 public key: " + detail::take_openssl_error());
      }
      st->x = base64url_encode(std::string_view(reinterpret_cast<const char*>(raw), len));
      canonical = R"({"crv":"Ed25519","kty":"OKP","x":")" + st->x + R"("})";
      break;
    }
    case Jwk::Type::oct:
      canonical = R"({"k":")" + base64url_encode(st->secret) + R"(","kty":"oct"})";
      break;
    case Jwk::Type::none:
      return fail(ErrorCode::internal_error, "empty key");
  }
  st->thumbprint = base64url_encode(sha256(canonical));
  OPENSSL_cleanse(canonical.data(), canonical.size());  // holds k for oct keys
  return JwkAccess::make(std::move(st));
}

Result<Jwk> from_pkey(detail::PkeyPtr pkey, Jwk::Type type, bool has_private) {
  auto st = std::make_shared<JwkState>();
  st->type = type;
  st->pkey = share(std::move(pkey));
  st->has_private = has_private;
  return finish(std::move(st));
}

// Which of our key types an OpenSSL key is, enforcing the same size and curve rules as from_json.
Result<Jwk::Type> classify(const EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    const int bits = EVP_PKEY_get_bits(pkey);
    if (bits < kMinRsaBits || bits > kMaxRsaBits) return jwk_error("RSA modulus must be 2048 to 8192 bits");
    return Jwk::Type::rsa;
  }
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
      detail::take_openssl_error();
      return jwk_error("EC key without a named curve");
    }
    const std::string_view name(group, len);
    if (name != "prime256v1" && name != "P-256" && name != "secp256r1")
      return jwk_error("unsupported EC curve");
    return Jwk::Type::ec_p256;
  }
  if (EVP_PKEY_is_a(pkey, "ED25519")) return Jwk::Type::ed25519;
  return jwk_error("unsupported key type");
}

// A base64url member: nullopt when absent, error when present but not a strict base64url string.
Result<std::optional<std::string>> b64_member(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return std::optional<std::string>{};
  if (!it->is_string()) return jwk_error(std::string(name) + " must be a string");
  auto bytes = base64url_decode(it->get_ref<const std::string&>());
  if (!bytes) return jwk_error(std::string(name) + " is not valid base64url");
  return std::optional<std::string>(std::move(*bytes));
}

Result<std::string> required_b64(const json& j, const char* name) {
  auto v = b64_member(j, name);
  if (!v) return std::unexpected(v.error());
  if (!*v) return jwk_error(std::string("missing ") + name);
  return std::move(**v);
}

Result<detail::PkeyPtr> pkey_fromdata(const char* type, const OSSL_PARAM_BLD* bld_in, int selection) {
  OSSL_PARAM_BLD* bld = const_cast<OSSL_PARAM_BLD*>(bld_in);
  detail::ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  detail::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    detail::take_openssl_error();
    return jwk_error(std::string("invalid ") + type + " key parameters");
  }
  return detail::PkeyPtr(raw);
}

bool public_check(EVP_PKEY* pkey) {
  detail::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  const bool ok = ctx && EVP_PKEY_public_check(ctx.get()) == 1;
  if (!ok) detail::take_openssl_error();
  return ok;
}

bool pairwise_check(EVP_PKEY* pkey) {
  detail::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  const bool ok = ctx && EVP_PKEY_pairwise_check(ctx.get()) == 1;
  if (!ok) detail::take_openssl_error();
  return ok;
}

Result<Jwk> rsa_from_json(const json& j) {
  if (j.contains("oth")) return jwk_error("multi-prime RSA keys are not supported");
  auto n = required_b64(j, "n");
  if (!n) return std::unexpected(n.error());
  auto e = required_b64(j, "e");
  if (!e) return std::unexpected(e.error());
  detail::BnPtr bn_n = bn_from(*n), bn_e = bn_from(*e);
  if (!bn_n || !bn_e) detail::fatal("BN_bin2bn");
  const int bits = BN_num_bits(bn_n.get());
  if (bits < kMinRsaBits) return jwk_error("RSA modulus is smaller than 2048 bits");
  if (bits > kMaxRsaBits) return jwk_error("RSA modulus is larger than 8192 bits");
  // The checks OpenSSL's SP 800-56B public check makes cheaply; its primality test of n costs
  // milliseconds and adds nothing for signature verification.
  if (!BN_is_odd(bn_n.get()) || !BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get()) ||
      BN_cmp(bn_e.get(), bn_n.get()) >= 0) {
    return jwk_error("invalid RSA public key");
  }

  auto d = b64_member(j, "d");
  if (!d) return std::unexpected(d.error());
  const char* crt_names[] = {"p", "q", "dp", "dq", "qi"};
  const char* crt_params[] = {OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
                              OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
                              OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  std::vector<detail::BnPtr> crt;
  for (const char* name : crt_names) {
    auto v = b64_member(j, name);
    if (!v) return std::unexpected(v.error());
    if (*v) crt.push_back(bn_from(**v));
  }
  if (!*d && !crt.empty()) return jwk_error("RSA CRT parameters without d");
  // RFC 7518 §6.3.2: the CRT members come all together or not at all.
  if (*d && !crt.empty() && crt.size() != 5) return jwk_error("incomplete RSA CRT parameters");

  detail::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    detail::fatal("OSSL_PARAM_BLD");
  }
  detail::BnPtr bn_d;
  if (*d) {
    bn_d = bn_from(**d);
    if (!bn_d || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, bn_d.get()) != 1) {
      detail::fatal("OSSL_PARAM_BLD");
    }
    for (std::size_t i = 0; i < crt.size(); ++i) {
      if (!crt[i] || OSSL_PARAM_BLD_push_BN(bld.get(), crt_params[i], crt[i].get()) != 1) {
        detail::fatal("OSSL_PARAM_BLD");
      }
    }
  }
  auto pkey = pkey_fromdata("RSA", bld.get(), *d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY);
  if (!pkey) return std::unexpected(pkey.error());
  if (*d) {
    // A private half that does not match n would sign tokens nobody can verify; a sign/verify round
    // trip catches that for the price of one private operation, unlike a full primality-based check.
    auto probe = from_pkey(detail::PkeyPtr(EVP_PKEY_dup(pkey->get())), Jwk::Type::rsa, true);
    if (!probe) return probe;
    auto sig = sign_jws(json{{"alg", "RS256"}}, "{}", *probe);
    if (!sig) return jwk_error("RSA private key is unusable");
    auto decoded = decode_jws(*sig);
    if (!decoded || !verify_jws(*decoded, *probe)) return jwk_error("RSA private key does not match n");
  }
  return from_pkey(std::move(*pkey), Jwk::Type::rsa, bool(*d));
}

Result<Jwk> ec_from_json(const json& j) {
  auto crv = j.find("crv");
  if (crv == j.end() || !crv->is_string()) return jwk_error("missing crv");
  if (crv->get_ref<const std::string&>() != "P-256") return jwk_error("unsupported EC curve");
  auto x = required_b64(j, "x");
  if (!x) return std::unexpected(x.error());
  auto y = required_b64(j, "y");
  if (!y) return std::unexpected(y.error());
  // RFC 7518 §6.2.1.2: coordinates are full-length, 32 bytes for P-256.
  if (x->size() != 32 || y->size() != 32) return jwk_error("EC coordinates must be 32 bytes");
  auto d = b64_member(j, "d");
  if (!d) return std::unexpected(d.error());
  if (*d && (*d)->size() != 32) return jwk_error("EC private key must be 32 bytes");

  std::string point = "\x04" + *x + *y;
  char group[] = "prime256v1";
  detail::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    detail::fatal("OSSL_PARAM_BLD");
  }
  detail::BnPtr bn_d;
  if (*d) {
    bn_d = bn_from(**d);
    if (!bn_d || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, bn_d.get()) != 1) {
      detail::fatal("OSSL_PARAM_BLD");
    }
    OPENSSL_cleanse((*d)->data(), (*d)->size());
  }
  auto pkey = pkey_fromdata("EC", bld.get(), *d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY);
  if (!pkey) return jwk_error("EC point is not on the P-256 curve");
  // Import already refuses points off the curve; the explicit check also covers the point at infinity
  // and the order, so no invalid-curve input can reach ECDSA.
  if (!public_check(pkey->get())) return jwk_error("EC point is not on the P-256 curve");
  if (*d && !pairwise_check(pkey->get())) return jwk_error("EC private key does not match the public point");
  return from_pkey(std::move(*pkey), Jwk::Type::ec_p256, bool(*d));
}

Result<Jwk> okp_from_json(const json& j) {
  auto crv = j.find("crv");
  if (crv == j.end() || !crv->is_string()) return jwk_error("missing crv");
  if (crv->get_ref<const std::string&>() != "Ed25519") return jwk_error("unsupported OKP curve");
  auto x = required_b64(j, "x");
  if (!x) return std::unexpected(x.error());
  if (x->size() != 32) return jwk_error("Ed25519 public key must be 32 bytes");
  auto d = b64_member(j, "d");
  if (!d) return std::unexpected(d.error());
  const auto* xb = reinterpret_cast<const unsigned char*>(x->data());
  if (!*d) {
    detail::PkeyPtr pkey(EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, xb, 32));
    if (!pkey) {
      detail::take_openssl_error();
      return jwk_error("invalid Ed25519 public key");
    }
    return from_pkey(std::move(pkey), Jwk::Type::ed25519, false);
  }
  if ((*d)->size() != 32) return jwk_error("Ed25519 private key must be 32 bytes");
  detail::PkeyPtr pkey(EVP_PKEY_new_raw_private_key_ex(
      nullptr, "ED25519", nullptr, reinterpret_cast<const unsigned char*>((*d)->data()), 32));
  OPENSSL_cleanse((*d)->data(), (*d)->size());
  if (!pkey) {
    detail::take_openssl_error();
    return jwk_error("invalid Ed25519 private key");
  }
  unsigned char derived[32];
  std::size_t len = sizeof derived;
  if (EVP_PKEY_get_raw_public_key(pkey.get(), derived, &len) != 1 || len != 32 ||
      CRYPTO_memcmp(derived, xb, 32) != 0) {
    detail::take_openssl_error();
    return jwk_error("Ed25519 private key does not match x");
  }
  return from_pkey(std::move(pkey), Jwk::Type::ed25519, true);
}

Result<Jwk> oct_from_json(const json& j) {
  auto k = required_b64(j, "k");
  if (!k) return std::unexpected(k.error());
  if (k->size() < kMinOctBytes) {
    OPENSSL_cleanse(k->data(), k->size());
    return jwk_error("symmetric key must be at least 32 bytes");
  }
  Jwk key = Jwk::symmetric(std::move(*k));
  return key;
}

}  // namespace

std::optional<JwsAlg> parse_jws_alg(std::string_view name) {
  if (name == "RS256") return JwsAlg::RS256;
  if (name == "ES256") return JwsAlg::ES256;
  if (name == "EdDSA") return JwsAlg::EdDSA;
  if (name == "HS256") return JwsAlg::HS256;
  return std::nullopt;
}

std::string_view jws_alg_name(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::RS256:
      return "RS256";
    case JwsAlg::ES256:
      return "ES256";
    case JwsAlg::EdDSA:
      return "EdDSA";
    case JwsAlg::HS256:
      return "HS256";
  }
  return "";
}

Result<Jwk> Jwk::generate(JwsAlg alg) {
  EVP_PKEY* raw = nullptr;
  Type type = Type::none;
  switch (alg) {
    case JwsAlg::RS256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048));
      type = Type::rsa;
      break;
    case JwsAlg::ES256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      type = Type::ec_p256;
      break;
    case JwsAlg::EdDSA:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      type = Type::ed25519;
      break;
    case JwsAlg::HS256: {
      Jwk key = symmetric(random_bytes(32));
      key.alg = alg;
      return key;
    }
  }
  if (raw == nullptr)
    return fail(ErrorCode::internal_error, "key generation failed: " + detail::take_openssl_error());
  auto key = from_pkey(detail::PkeyPtr(raw), type, true);
  if (key) key->alg = alg;
  return key;
}

Result<Jwk> Jwk::from_json(const json& j) {
  if (!j.is_object()) return jwk_error("not a JSON object");
  auto kty_it = j.find("kty");
  if (kty_it == j.end() || !kty_it->is_string()) return jwk_error("missing kty");
  const std::string& kty = kty_it->get_ref<const std::string&>();

  std::optional<JwsAlg> alg;
  if (auto it = j.find("alg"); it != j.end()) {
    if (!it->is_string()) return jwk_error("alg must be a string");
    alg = parse_jws_alg(it->get_ref<const std::string&>());
    if (!alg) return jwk_error("unsupported alg");
  }
  std::string kid, use;
  if (auto it = j.find("kid"); it != j.end()) {
    if (!it->is_string()) return jwk_error("kid must be a string");
    kid = it->get<std::string>();
  }
  if (auto it = j.find("use"); it != j.end()) {
    if (!it->is_string()) return jwk_error("use must be a string");
    use = it->get<std::string>();
  }

  Result<Jwk> key = kty == "RSA"   ? rsa_from_json(j)
                    : kty == "EC"  ? ec_from_json(j)
                    : kty == "OKP" ? okp_from_json(j)
                    : kty == "oct" ? oct_from_json(j)
                                   : Result<Jwk>(jwk_error("unsupported kty"));
  if (!key) return key;
  if (alg && !key->compatible_with(*alg)) return jwk_error("alg does not match the key type");
  key->kid = std::move(kid);
  key->alg = alg;
  key->use = std::move(use);
  return key;
}

Result<Jwk> Jwk::from_private_pem(std::string_view pem) {
  if (pem.size() > INT_MAX / 2) return jwk_error("PEM too large");
  detail::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) detail::fatal("BIO_new_mem_buf");
  // A callback that supplies no passphrase: without it OpenSSL would prompt on the terminal for an
  // encrypted key.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) -> int { return -1; };
  EVP_PKEY* raw = PEM_read_bio_PrivateKey_ex(bio.get(), nullptr, no_passphrase, nullptr, nullptr, nullptr);
  if (raw == nullptr) {
    detail::take_openssl_error();
    return jwk_error("not an unencrypted private key PEM");
  }
  detail::PkeyPtr pkey(raw);
  auto type = classify(pkey.get());
  if (!type) return std::unexpected(type.error());
  return from_pkey(std::move(pkey), *type, true);
}

namespace {
Result<std::string> write_pem(EVP_PKEY* pkey, bool private_key) {
  // secmem BIO: the buffer holding a private key is cleared when freed.
  detail::BioPtr bio(BIO_new(private_key ? BIO_s_secmem() : BIO_s_mem()));
  if (!bio) detail::fatal("BIO_new");
  const int ok = private_key
                     ? PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr)
                     : PEM_write_bio_PUBKEY(bio.get(), pkey);
  if (ok != 1) return fail(ErrorCode::internal_error, "PEM encoding failed: " + detail::take_openssl_error());
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}
}  // namespace

Result<std::string> Jwk::private_pem() const {
  if (!state_ || !state_->pkey || !state_->has_private) {
    return fail(ErrorCode::internal_error, "private_pem: not a private asymmetric key");
  }
  return write_pem(state_->pkey.get(), true);
}

Result<std::string> Jwk::public_pem() const {
  if (!state_ || !state_->pkey) return fail(ErrorCode::internal_error, "public_pem: not an asymmetric key");
  return write_pem(state_->pkey.get(), false);
}

Jwk Jwk::symmetric(std::string secret) {
  auto st = std::make_shared<JwkState>();
  st->type = Type::oct;
  st->secret = std::move(secret);
  st->has_private = true;
  auto key = finish(std::move(st));
  if (!key) detail::fatal("Jwk::symmetric");  // finish cannot fail for oct keys
  return std::move(*key);
}

json Jwk::public_json() const {
  json j = json::object();
  if (!state_) return j;
  switch (state_->type) {
    case Type::rsa:
      j["kty"] = "RSA";
      j["n"] = state_->n;
      j["e"] = state_->e;
      break;
    case Type::ec_p256:
      j["kty"] = "EC";
      j["crv"] = "P-256";
      j["x"] = state_->x;
      j["y"] = state_->y;
      break;
    case Type::ed25519:
      j["kty"] = "OKP";
      j["crv"] = "Ed25519";
      j["x"] = state_->x;
      break;
    case Type::oct:
      j["kty"] = "oct";
      break;
    case Type::none:
      break;
  }
  if (!kid.empty()) j["kid"] = kid;
  if (alg) j["alg"] = jws_alg_name(*alg);
  if (!use.empty()) j["use"] = use;
  return j;
}

std::string Jwk::thumbprint() const {
  return state_ ? state_->thumbprint : std::string();
}

bool Jwk::is_private() const {
  return state_ && state_->has_private;
}

bool Jwk::compatible_with(JwsAlg a) const {
  if (!state_) return false;
  switch (a) {
    case JwsAlg::RS256:
      return state_->type == Type::rsa;
    case JwsAlg::ES256:
      return state_->type == Type::ec_p256;
    case JwsAlg::EdDSA:
      return state_->type == Type::ed25519;
    case JwsAlg::HS256:
      return state_->type == Type::oct;
  }
  return false;
}

Jwk::Type Jwk::type() const {
  return state_ ? state_->type : Type::none;
}

EVP_PKEY* Jwk::pkey() const {
  return state_ ? state_->pkey.get() : nullptr;
}

}  // namespace bs::crypto
