#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/jose.hpp"

namespace bs::crypto {
namespace {

using nlohmann::json;

// ---- Test vectors, copied from the RFCs ----

// RFC 7515 Appendix A.1: the payload (with its CRLFs) shared by A.1 to A.3.
const std::string kRfc7515Payload =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
const std::string kRfc7515PayloadB64 =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

// A.1 (HS256).
const std::string kA1Header = "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
const std::string kA1HeaderB64 = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9";
const char* kA1Key = R"({"kty":"oct",
 "k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})";
const std::string kA1SignatureB64 = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

// A.2 (RS256).
const char* kA2Key = R"({"kty":"RSA",
 "n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
 "e":"AQAB",
 "d":"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ",
 "p":"4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc",
 "q":"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc",
 "dp":"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0",
 "dq":"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU",
 "qi":"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"
})";
const std::string kA2Token =
    "eyJhbGciOiJSUzI1NiJ9." + kRfc7515PayloadB64 +
    ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_"
    "O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZ"
    "cAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--"
    "xi12jzDwusC-"
    "eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_"
    "IoypGlUPQGe77Rw";

// A.3 (ES256).
const char* kA3Key = R"({"kty":"EC",
 "crv":"P-256",
 "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
 "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
 "d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"
})";
const std::string kA3Token =
    "eyJhbGciOiJFUzI1NiJ9." + kRfc7515PayloadB64 +
    ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

// RFC 8037 Appendix A.1 (key), A.3 (thumbprint) and A.4 (signature).
const char* kRfc8037Key = R"({"kty":"OKP","crv":"Ed25519",
 "d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
 "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
const std::string kRfc8037Thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
const std::string kRfc8037Payload = "Example of Ed25519 signing";
const std::string kRfc8037Token =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

// RFC 7638 §3.1.
const char* kRfc7638Key = R"({"kty":"RSA",
 "n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
 "e":"AQAB",
 "alg":"RS256",
 "kid":"2011-04-29"})";
const std::string kRfc7638Thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

// ---- Helpers ----

Jwk key_from(const char* text) {
  auto key = Jwk::from_json(json::parse(text));
  EXPECT_TRUE(key) << (key ? "" : key.error().description);
  return key ? *key : Jwk();
}

Jwk public_of(const Jwk& key) {
  auto pub = Jwk::from_json(key.public_json());
  EXPECT_TRUE(pub) << (pub ? "" : pub.error().description);
  return pub ? *pub : Jwk();
}

Status decode_and_verify(std::string_view token, const Jwk& key) {
  auto decoded = decode_jws(token);
  if (!decoded) return std::unexpected(decoded.error());
  return verify_jws(*decoded, key);
}

void expect_invalid_token(const Status& s, std::string_view what = {}) {
  ASSERT_FALSE(s) << "expected failure: " << what;
  EXPECT_EQ(s.error().code, ErrorCode::invalid_token) << s.error().description;
}

std::vector<std::string> split(const std::string& token) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t dot; (dot = token.find('.', start)) != std::string::npos; start = dot + 1) {
    parts.push_back(token.substr(start, dot - start));
  }
  parts.push_back(token.substr(start));
  return parts;
}

std::string b64json(const json& j) {
  return base64url_encode(j.dump());
}

constexpr JwsAlg kAllAlgs[] = {JwsAlg::RS256, JwsAlg::ES256, JwsAlg::EdDSA, JwsAlg::HS256};

// ---- Algorithm names ----

TEST(CryptoJose, AlgNames) {
  for (JwsAlg alg : kAllAlgs) EXPECT_EQ(parse_jws_alg(jws_alg_name(alg)), alg);
  EXPECT_EQ(jws_alg_name(JwsAlg::EdDSA), "EdDSA");
  for (const char* bad :
       {"none", "None", "NONE", "", "hs256", "RS512", "ES384", "PS256", "EDDSA", "Ed25519"}) {
    EXPECT_FALSE(parse_jws_alg(bad)) << bad;
  }
}

// ---- RFC vectors ----

TEST(CryptoJose, Rfc7515A1Hs256) {
  EXPECT_EQ(base64url_encode(kA1Header), kA1HeaderB64);
  EXPECT_EQ(base64url_encode(kRfc7515Payload), kRfc7515PayloadB64);
  const Jwk key = key_from(kA1Key);
  EXPECT_TRUE(key.compatible_with(JwsAlg::HS256));
  EXPECT_TRUE(key.is_private());
  // The exact MAC: the RFC's header has CRLF whitespace, so compute it over the RFC's own signing input.
  const std::string k =
      base64url_decode(
          "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
          .value();
  EXPECT_EQ(base64url_encode(hmac_sha256(k, kA1HeaderB64 + "." + kRfc7515PayloadB64)), kA1SignatureB64);
  // And the RFC's token verifies through the JWS path.
  const std::string token = kA1HeaderB64 + "." + kRfc7515PayloadB64 + "." + kA1SignatureB64;
  auto decoded = decode_jws(token);
  ASSERT_TRUE(decoded) << decoded.error().description;
  EXPECT_EQ(decoded->alg, JwsAlg::HS256);
  EXPECT_EQ(decoded->header["typ"], "JWT");
  EXPECT_EQ(decoded->payload["iss"], "joe");
  EXPECT_EQ(decoded->payload["exp"], 1300819380);
  EXPECT_EQ(decoded->payload["http://example.com/is_root"], true);
  EXPECT_EQ(decoded->signing_input, kA1HeaderB64 + "." + kRfc7515PayloadB64);
  EXPECT_EQ(base64url_encode(decoded->signature), kA1SignatureB64);
  EXPECT_TRUE(verify_jws(*decoded, key));
  // Our own serialization of the same header signs and verifies too.
  auto ours = sign_jws(json{{"typ", "JWT"}, {"alg", "HS256"}}, kRfc7515Payload, key);
  ASSERT_TRUE(ours) << ours.error().description;
  EXPECT_TRUE(decode_and_verify(*ours, key));
}

TEST(CryptoJose, Rfc7515A2Rs256ExactSignature) {
  const Jwk key = key_from(kA2Key);
  ASSERT_TRUE(key.is_private());
  EXPECT_EQ(key.type(), Jwk::Type::rsa);
  auto token = sign_jws(json{{"alg", "RS256"}}, kRfc7515Payload, key);
  ASSERT_TRUE(token) << token.error().description;
  EXPECT_EQ(*token, kA2Token);
  // The RFC token verifies with the private key and with its public half.
  EXPECT_TRUE(decode_and_verify(kA2Token, key));
  const Jwk pub = public_of(key);
  EXPECT_FALSE(pub.is_private());
  EXPECT_TRUE(decode_and_verify(kA2Token, pub));
}

TEST(CryptoJose, Rfc7515A3Es256Verifies) {
  const Jwk key = key_from(kA3Key);
  ASSERT_TRUE(key.is_private());
  EXPECT_EQ(key.type(), Jwk::Type::ec_p256);
  const Jwk pub = public_of(key);
  auto decoded = decode_jws(kA3Token);
  ASSERT_TRUE(decoded) << decoded.error().description;
  EXPECT_EQ(decoded->alg, JwsAlg::ES256);
  EXPECT_EQ(decoded->signature.size(), 64u);
  EXPECT_TRUE(verify_jws(*decoded, pub));
  EXPECT_TRUE(verify_jws(*decoded, key));
  // ECDSA is randomised, so a fresh signature differs but verifies.
  auto ours = sign_jws(json{{"alg", "ES256"}}, kRfc7515Payload, key);
  ASSERT_TRUE(ours);
  EXPECT_NE(*ours, kA3Token);
  EXPECT_EQ(base64url_decode(split(*ours)[2])->size(), 64u);
  EXPECT_TRUE(decode_and_verify(*ours, pub));
}

TEST(CryptoJose, Rfc8037A4Ed25519ExactSignature) {
  const Jwk key = key_from(kRfc8037Key);
  ASSERT_TRUE(key.is_private());
  EXPECT_EQ(key.type(), Jwk::Type::ed25519);
  auto token = sign_jws(json{{"alg", "EdDSA"}}, kRfc8037Payload, key);
  ASSERT_TRUE(token) << token.error().description;
  EXPECT_EQ(*token, kRfc8037Token);
}

TEST(CryptoJose, Rfc8037A5Ed25519Verification) {
  const Jwk pub = public_of(key_from(kRfc8037Key));
  ASSERT_FALSE(pub.is_private());
  // The RFC payload is not a JSON object, which decode_jws refuses for JWTs; check the signature directly.
  const auto parts = split(kRfc8037Token);
  ASSERT_EQ(parts.size(), 3u);
  DecodedJws jws{.header = json::parse(base64url_decode(parts[0]).value()),
                 .payload = json(),
                 .signing_input = parts[0] + "." + parts[1],
                 .signature = base64url_decode(parts[2]).value(),
                 .alg = JwsAlg::EdDSA};
  EXPECT_EQ(base64url_decode(parts[1]), kRfc8037Payload);
  EXPECT_TRUE(verify_jws(jws, pub));
  jws.signing_input.back() ^= 1;
  expect_invalid_token(verify_jws(jws, pub));
  auto decoded = decode_jws(kRfc8037Token);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, ErrorCode::invalid_token);
}

TEST(CryptoJose, Rfc7638Thumbprint) {
  const Jwk key = key_from(kRfc7638Key);
  EXPECT_EQ(key.thumbprint(), kRfc7638Thumbprint);
  EXPECT_EQ(key.kid, "2011-04-29");
  EXPECT_EQ(key.alg, JwsAlg::RS256);
  // Metadata does not change the thumbprint.
  EXPECT_EQ(public_of(key).thumbprint(), kRfc7638Thumbprint);
  EXPECT_EQ(key_from(kRfc8037Key).thumbprint(), kRfc8037Thumbprint);
  EXPECT_EQ(public_of(key_from(kRfc8037Key)).thumbprint(), kRfc8037Thumbprint);
}

TEST(CryptoJose, PublicJsonHasNoPrivateMembers) {
  Jwk rsa = key_from(kA2Key);
  rsa.kid = "k1";
  rsa.use = "sig";
  rsa.alg = JwsAlg::RS256;
  const json j = rsa.public_json();
  EXPECT_EQ(j["kty"], "RSA");
  EXPECT_EQ(j["n"], json::parse(kA2Key)["n"]);
  EXPECT_EQ(j["e"], "AQAB");
  EXPECT_EQ(j["kid"], "k1");
  EXPECT_EQ(j["use"], "sig");
  EXPECT_EQ(j["alg"], "RS256");
  for (const char* priv : {"d", "p", "q", "dp", "dq", "qi", "k"}) EXPECT_FALSE(j.contains(priv)) << priv;

  const json ec = key_from(kA3Key).public_json();
  EXPECT_EQ(ec, json::parse(R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                                  "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})"));
  const json okp = key_from(kRfc8037Key).public_json();
  EXPECT_EQ(
      okp, json::parse(R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})"));
  const json oct = key_from(kA1Key).public_json();
  EXPECT_EQ(oct, json::parse(R"({"kty":"oct"})"));
  EXPECT_EQ(Jwk().public_json(), json::object());
}

// ---- Generated keys ----

TEST(CryptoJose, GenerateSignVerifyAllAlgs) {
  for (JwsAlg alg : kAllAlgs) {
    SCOPED_TRACE(std::string(jws_alg_name(alg)));
    auto key = Jwk::generate(alg);
    ASSERT_TRUE(key) << key.error().description;
    EXPECT_TRUE(key->is_private());
    EXPECT_EQ(key->alg, alg);
    for (JwsAlg other : kAllAlgs) EXPECT_EQ(key->compatible_with(other), other == alg);
    EXPECT_EQ(base64url_decode(key->thumbprint())->size(), 32u);

    const json claims = {{"iss", "https://issuer.example"}, {"sub", "alice"}, {"n", 1}};
    auto token =
        sign_jws(json{{"alg", jws_alg_name(alg)}, {"typ", "JWT"}, {"kid", "k"}}, claims.dump(), *key);
    ASSERT_TRUE(token) << token.error().description;
    auto decoded = decode_jws(*token);
    ASSERT_TRUE(decoded) << decoded.error().description;
    EXPECT_EQ(decoded->alg, alg);
    EXPECT_EQ(decoded->payload, claims);
    EXPECT_EQ(decoded->header["kid"], "k");
    EXPECT_TRUE(verify_jws(*decoded, *key));

    // A different key of the same type does not verify it.
    auto other = Jwk::generate(alg);
    ASSERT_TRUE(other);
    expect_invalid_token(verify_jws(*decoded, *other), "other key");

    if (alg == JwsAlg::HS256) {
      EXPECT_FALSE(key->private_pem());
      continue;
    }
    const Jwk pub = public_of(*key);
    EXPECT_FALSE(pub.is_private());
    EXPECT_EQ(pub.thumbprint(), key->thumbprint());
    EXPECT_TRUE(verify_jws(*decoded, pub));
    // A public key cannot sign.
    EXPECT_FALSE(sign_jws(json{{"alg", jws_alg_name(alg)}}, "{}", pub));
    EXPECT_FALSE(pub.private_pem());

    // PEM round trip keeps the key.
    auto pem = key->private_pem();
    ASSERT_TRUE(pem) << pem.error().description;
    EXPECT_TRUE(pem->starts_with("-----BEGIN PRIVATE KEY-----")) << *pem;
    auto reloaded = Jwk::from_private_pem(*pem);
    ASSERT_TRUE(reloaded) << reloaded.error().description;
    EXPECT_TRUE(reloaded->is_private());
    EXPECT_EQ(reloaded->thumbprint(), key->thumbprint());
    auto resigned = sign_jws(json{{"alg", jws_alg_name(alg)}}, "{\"a\":1}", *reloaded);
    ASSERT_TRUE(resigned);
    EXPECT_TRUE(decode_and_verify(*resigned, pub));
    auto pub_pem = key->public_pem();
    ASSERT_TRUE(pub_pem);
    EXPECT_TRUE(pub_pem->starts_with("-----BEGIN PUBLIC KEY-----"));
    EXPECT_FALSE(Jwk::from_private_pem(*pub_pem));
  }
}

TEST(CryptoJose, PrivatePemRejectsGarbage) {
  EXPECT_FALSE(Jwk::from_private_pem(""));
  EXPECT_FALSE(Jwk::from_private_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
  auto r = Jwk::from_private_pem("not a pem");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_data);
}

TEST(CryptoJose, SymmetricKeys) {
  const Jwk key = Jwk::symmetric("0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(key.is_private());
  EXPECT_FALSE(key.alg);
  EXPECT_TRUE(key.compatible_with(JwsAlg::HS256));
  auto token = sign_jws(json{{"alg", "HS256"}}, "{}", key);
  ASSERT_TRUE(token);
  EXPECT_TRUE(decode_and_verify(*token, key));
  expect_invalid_token(decode_and_verify(*token, Jwk::symmetric("0123456789abcdef0123456789abcdeX")));
  // Same secret, same thumbprint.
  EXPECT_EQ(key.thumbprint(), Jwk::symmetric("0123456789abcdef0123456789abcdef").thumbprint());
}

TEST(CryptoJose, EmptyKeyDoesNothing) {
  const Jwk empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_FALSE(empty.is_private());
  EXPECT_EQ(empty.thumbprint(), "");
  for (JwsAlg alg : kAllAlgs) EXPECT_FALSE(empty.compatible_with(alg));
  EXPECT_FALSE(sign_jws(json{{"alg", "HS256"}}, "{}", empty));
  auto decoded = decode_jws(kA2Token);
  ASSERT_TRUE(decoded);
  expect_invalid_token(verify_jws(*decoded, empty));
}

TEST(CryptoJose, SignRejectsBadHeaders) {
  const Jwk key = key_from(kA1Key);
  EXPECT_FALSE(sign_jws(json{{"typ", "JWT"}}, "{}", key));
  EXPECT_FALSE(sign_jws(json{{"alg", "none"}}, "{}", key));
  EXPECT_FALSE(sign_jws(json{{"alg", "RS256"}}, "{}", key));
  EXPECT_FALSE(sign_jws(json{{"alg", 5}}, "{}", key));
  EXPECT_FALSE(sign_jws(json::array({"HS256"}), "{}", key));
  EXPECT_FALSE(sign_jws(json{{"alg", "HS256"}, {"x", "\xff\xfe"}}, "{}", key));  // not UTF-8
  auto err = sign_jws(json{{"alg", "ES256"}}, "{}", key);
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().code, ErrorCode::internal_error);
}

// ---- Rejections ----

TEST(CryptoJose, RejectsAlgNone) {
  const Jwk key = key_from(kA1Key);
  const std::string none_header = base64url_encode(R"({"alg":"none"})");
  for (const std::string& token :
       {none_header + "." + kRfc7515PayloadB64 + ".",
        none_header + "." + kRfc7515PayloadB64 + "." + kA1SignatureB64,
        b64json({{"alg", "None"}}) + "." + kRfc7515PayloadB64 + "." + kA1SignatureB64}) {
    auto decoded = decode_jws(token);
    ASSERT_FALSE(decoded) << token;
    EXPECT_EQ(decoded.error().code, ErrorCode::invalid_token);
  }
  // A missing or non-string alg is no better.
  expect_invalid_token(
      decode_and_verify(b64json({{"typ", "JWT"}}) + "." + kRfc7515PayloadB64 + "." + kA1SignatureB64, key));
  expect_invalid_token(decode_and_verify(
      b64json({{"alg", json::array({"HS256"})}}) + "." + kRfc7515PayloadB64 + "." + kA1SignatureB64, key));
}

TEST(CryptoJose, RejectsHmacWithPublicKeyAsSecret) {
  // The classic confusion attack: an attacker signs HS256 with the server's public key bytes.
  for (JwsAlg alg : {JwsAlg::RS256, JwsAlg::ES256, JwsAlg::EdDSA}) {
    SCOPED_TRACE(std::string(jws_alg_name(alg)));
    auto priv = Jwk::generate(alg);
    ASSERT_TRUE(priv);
    const Jwk pub = public_of(*priv);
    for (const std::string& secret : {pub.public_pem().value(), pub.public_json().dump()}) {
      auto forged = sign_jws(json{{"alg", "HS256"}}, R"({"sub":"admin"})", Jwk::symmetric(secret));
      ASSERT_TRUE(forged);
      auto decoded = decode_jws(*forged);
      ASSERT_TRUE(decoded);  // well-formed; only verification can catch it
      expect_invalid_token(verify_jws(*decoded, pub), "public key");
      expect_invalid_token(verify_jws(*decoded, *priv), "private key");
    }
  }
}

TEST(CryptoJose, RejectsAlgKeyMismatch) {
  auto decoded_rs = decode_jws(kA2Token);
  auto decoded_es = decode_jws(kA3Token);
  ASSERT_TRUE(decoded_rs && decoded_es);
  const Jwk rsa = public_of(key_from(kA2Key));
  const Jwk ec = public_of(key_from(kA3Key));
  expect_invalid_token(verify_jws(*decoded_rs, ec));
  expect_invalid_token(verify_jws(*decoded_es, rsa));
  expect_invalid_token(verify_jws(*decoded_rs, key_from(kA1Key)));
  // The key's own alg restricts it further.
  Jwk restricted = rsa;
  restricted.alg = JwsAlg::ES256;
  expect_invalid_token(verify_jws(*decoded_rs, restricted));
  Jwk signing = key_from(kA2Key);
  signing.alg = JwsAlg::ES256;
  EXPECT_FALSE(sign_jws(json{{"alg", "RS256"}}, kRfc7515Payload, signing));
  // A DecodedJws whose alg field disagrees with its header is refused.
  DecodedJws edited = *decoded_rs;
  edited.alg = JwsAlg::HS256;
  expect_invalid_token(verify_jws(edited, key_from(kA1Key)));
  // JWKs whose alg does not fit their kty are refused at parse time.
  json bad = json::parse(kA3Key);
  bad["alg"] = "RS256";
  EXPECT_FALSE(Jwk::from_json(bad));
}

TEST(CryptoJose, RejectsTamperedTokens) {
  for (JwsAlg alg : kAllAlgs) {
    SCOPED_TRACE(std::string(jws_alg_name(alg)));
    auto key = Jwk::generate(alg);
    ASSERT_TRUE(key);
    auto token = sign_jws(json{{"alg", jws_alg_name(alg)}}, R"({"sub":"alice","admin":false})", *key);
    ASSERT_TRUE(token);
    auto parts = split(*token);
    ASSERT_EQ(parts.size(), 3u);
    // Another valid payload under the original signature.
    expect_invalid_token(decode_and_verify(
        parts[0] + "." + b64json({{"sub", "alice"}, {"admin", true}}) + "." + parts[2], *key));
    // Another valid header under the original signature.
    expect_invalid_token(decode_and_verify(
        b64json({{"alg", jws_alg_name(alg)}, {"kid", "x"}}) + "." + parts[1] + "." + parts[2], *key));
    // A flipped signature byte.
    std::string sig = base64url_decode(parts[2]).value();
    sig[sig.size() / 2] ^= 0x01;
    expect_invalid_token(decode_and_verify(parts[0] + "." + parts[1] + "." + base64url_encode(sig), *key));
    // Truncated signature.
    sig = base64url_decode(parts[2]).value();
    expect_invalid_token(decode_and_verify(
        parts[0] + "." + parts[1] + "." + base64url_encode(sig.substr(0, sig.size() - 1)), *key));
  }
  // The RFC tokens with their payload swapped.
  const std::string other_payload =
      b64json({{"iss", "joe"}, {"exp", 1300819380}, {"http://example.com/is_root", false}});
  auto rs = split(kA2Token);
  expect_invalid_token(decode_and_verify(rs[0] + "." + other_payload + "." + rs[2], key_from(kA2Key)));
  auto es = split(kA3Token);
  expect_invalid_token(decode_and_verify(es[0] + "." + other_payload + "." + es[2], key_from(kA3Key)));
}

TEST(CryptoJose, RejectsMalformedStructure) {
  const std::string sig = kA1SignatureB64;
  const std::string h = kA1HeaderB64;
  const std::string p = kRfc7515PayloadB64;
  const std::vector<std::string> bad = {
      "",
      ".",
      "..",
      "...",
      h,
      h + "." + p,                                                   // 2 parts
      h + "." + p + "." + sig + "." + sig,                           // 4 parts
      h + "." + p + "." + sig + ".",                                 // 4 parts, last empty
      "." + p + "." + sig,                                           // empty header
      h + ".." + sig,                                                // empty payload
      h + "." + p + ".",                                             // empty signature
      h + "=." + p + "." + sig,                                      // padding
      h + "." + p + "." + sig + "=",                                 // padding
      h + "." + p + "." + sig.substr(0, 10) + "+" + sig.substr(11),  // standard alphabet
      h + "." + p + "." + sig.substr(0, 42) + "F",                   // non-zero trailing bits
      h + "." + p + " ." + sig,                                      // whitespace
      base64url_encode("not json") + "." + p + "." + sig,
      base64url_encode(R"(["HS256"])") + "." + p + "." + sig,        // header not an object
      h + "." + base64url_encode(R"(["a"])") + "." + sig,            // payload not an object
      h + "." + base64url_encode("\"string\"") + "." + sig,          // payload not an object
      h + "." + base64url_encode("{\"a\":1} trailing") + "." + sig,  // trailing garbage
      h + "." + base64url_encode("{\"a\":\"\xff\"}") + "." + sig,    // invalid UTF-8
      b64json({{"alg", "RS512"}}) + "." + p + "." + sig,             // unsupported alg
  };
  for (const std::string& token : bad) {
    auto decoded = decode_jws(token);
    EXPECT_FALSE(decoded) << "accepted: " << token;
    if (!decoded) {
      EXPECT_EQ(decoded.error().code, ErrorCode::invalid_token) << token;
    }
  }
  // The well-formed original still decodes.
  EXPECT_TRUE(decode_jws(h + "." + p + "." + sig));
}

// The header alone, for telling token kinds apart: the same structural checks on the parts and the
// header as decode_jws, and nothing about the payload or the signature.
TEST(CryptoJose, DecodesHeaderAlone) {
  const std::string sig = kA1SignatureB64;
  const std::string h = kA1HeaderB64;
  const std::string p = kRfc7515PayloadB64;
  auto header = decode_jws_header(h + "." + p + "." + sig);
  ASSERT_TRUE(header) << header.error().description;
  EXPECT_EQ(*header, (json{{"typ", "JWT"}, {"alg", "HS256"}}));
  // The payload and the signature are not looked at.
  EXPECT_TRUE(decode_jws_header(h + "." + base64url_encode(R"(["a"])") + ".%%"));
  EXPECT_FALSE(decode_jws(h + "." + base64url_encode(R"(["a"])") + ".%%"));
  for (const std::string& token : std::vector<std::string>{
           "", "..", h, h + "." + p, h + "." + p + "." + sig + "." + sig, "." + p + "." + sig,
           h + "=." + p + "." + sig, base64url_encode("not json") + "." + p + "." + sig,
           base64url_encode(R"(["HS256"])") + "." + p + "." + sig}) {
    auto decoded = decode_jws_header(token);
    EXPECT_FALSE(decoded) << "accepted: " << token;
    if (!decoded) {
      EXPECT_EQ(decoded.error().code, ErrorCode::invalid_token) << token;
    }
  }
  EXPECT_FALSE(decode_jws_header(h + "." + p + "." + sig, 100));
}

TEST(CryptoJose, RejectsCrit) {
  const Jwk key = key_from(kA1Key);
  for (const json& header :
       {json{{"alg", "HS256"}, {"crit", json::array({"exp"})}, {"exp", 1363284000}},
        json{{"alg", "HS256"}, {"crit", json::array()}}, json{{"alg", "HS256"}, {"crit", "b64"}}}) {
    auto token = sign_jws(header, "{}", key);
    ASSERT_TRUE(token);
    auto decoded = decode_jws(*token);
    ASSERT_FALSE(decoded) << header.dump();
    EXPECT_EQ(decoded.error().code, ErrorCode::invalid_token);
    EXPECT_NE(decoded.error().description.find("critical"), std::string::npos);
  }
}

TEST(CryptoJose, RejectsOversizedTokens) {
  const Jwk key = key_from(kA1Key);
  auto big = sign_jws(json{{"alg", "HS256"}}, json{{"pad", std::string(20000, 'a')}}.dump(), key);
  ASSERT_TRUE(big);
  auto decoded = decode_jws(*big);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, ErrorCode::invalid_token);
  EXPECT_EQ(decoded.error().description, "token too large");
  EXPECT_TRUE(decode_jws(*big, big->size()));
  EXPECT_FALSE(decode_jws(*big, big->size() - 1));
  const std::string rfc = kA1HeaderB64 + "." + kRfc7515PayloadB64 + "." + kA1SignatureB64;
  EXPECT_FALSE(decode_jws(rfc, 100));
}

TEST(CryptoJose, RejectsWrongLengthEs256Signatures) {
  const Jwk key = key_from(kA3Key);
  const auto parts = split(kA3Token);
  const std::string raw = base64url_decode(parts[2]).value();
  ASSERT_EQ(raw.size(), 64u);
  const std::string input = parts[0] + "." + parts[1];
  for (const std::string& sig : {raw.substr(0, 63), raw + std::string(1, '\0'), std::string(1, '\0') + raw,
                                 raw.substr(0, 32), raw + raw}) {
    expect_invalid_token(decode_and_verify(input + "." + base64url_encode(sig), key), "length");
  }
  // The DER form OpenSSL produces is not a JWS signature.
  EVP_PKEY* pkey = key.pkey();
  ASSERT_NE(pkey, nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 80;
  std::string der(len, '\0');
  ASSERT_EQ(EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, pkey, nullptr), 1);
  ASSERT_EQ(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &len,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  EVP_MD_CTX_free(ctx);
  der.resize(len);
  expect_invalid_token(decode_and_verify(input + "." + base64url_encode(der), key), "DER");
  // All-zero r and s are never valid.
  expect_invalid_token(decode_and_verify(input + "." + base64url_encode(std::string(64, '\0')), key), "zero");
  // The original is fine.
  EXPECT_TRUE(decode_and_verify(kA3Token, key));
}

TEST(CryptoJose, RejectsWrongLengthEd25519Signatures) {
  const Jwk key = key_from(kRfc8037Key);
  auto token = sign_jws(json{{"alg", "EdDSA"}}, "{}", key);
  ASSERT_TRUE(token);
  const auto parts = split(*token);
  const std::string raw = base64url_decode(parts[2]).value();
  ASSERT_EQ(raw.size(), 64u);
  const std::string input = parts[0] + "." + parts[1];
  expect_invalid_token(decode_and_verify(input + "." + base64url_encode(raw.substr(0, 63)), key));
  expect_invalid_token(decode_and_verify(input + "." + base64url_encode(raw + "x"), key));
  EXPECT_TRUE(decode_and_verify(*token, key));
}

// ---- JWK parsing ----

std::string rsa_modulus_b64(std::size_t bits) {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits);
  EXPECT_NE(pkey, nullptr);
  BIGNUM* n = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n), 1);
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(n)), '\0');
  BN_bn2bin(n, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(n);
  EVP_PKEY_free(pkey);
  return base64url_encode(bytes);
}

void expect_invalid_jwk(const json& j, std::string_view why) {
  auto key = Jwk::from_json(j);
  ASSERT_FALSE(key) << "accepted " << why << ": " << j.dump();
  EXPECT_EQ(key.error().code, ErrorCode::invalid_data) << why;
}

TEST(CryptoJwk, RejectsSmallRsaKeys) {
  expect_invalid_jwk({{"kty", "RSA"}, {"n", rsa_modulus_b64(1024)}, {"e", "AQAB"}}, "1024-bit modulus");
  auto key = Jwk::from_json({{"kty", "RSA"}, {"n", rsa_modulus_b64(1024)}, {"e", "AQAB"}});
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().description.find("2048"), std::string::npos) << key.error().description;
  // The same check applies to PEM keys.
  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(1024));
  ASSERT_NE(small, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio, small, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  EXPECT_FALSE(Jwk::from_private_pem(std::string_view(data, static_cast<std::size_t>(len))));
  BIO_free(bio);
  EVP_PKEY_free(small);
}

TEST(CryptoJwk, RejectsBadRsaMembers) {
  const json base = json::parse(kA2Key);
  json even_e = base;
  even_e["e"] = base64url_encode(std::string("\x01\x00\x00", 3));
  expect_invalid_jwk(even_e, "even exponent");
  json one_e = base;
  one_e["e"] = "AQ";
  expect_invalid_jwk(one_e, "exponent 1");
  json no_n = base;
  no_n.erase("n");
  expect_invalid_jwk(no_n, "missing n");
  json padded = base;
  padded["e"] = "AQAB==";
  expect_invalid_jwk(padded, "padded base64");
  json numeric = base;
  numeric["e"] = 65537;
  expect_invalid_jwk(numeric, "numeric e");
  json partial_crt = base;
  partial_crt.erase("qi");
  expect_invalid_jwk(partial_crt, "partial CRT");
  json crt_without_d = base;
  crt_without_d.erase("d");
  expect_invalid_jwk(crt_without_d, "CRT without d");
  json multi = base;
  multi["oth"] = json::array();
  expect_invalid_jwk(multi, "multi-prime");
  // A private half that belongs to another modulus.
  json mismatched = base;
  mismatched["n"] = rsa_modulus_b64(2048);
  mismatched.erase("p");
  mismatched.erase("q");
  mismatched.erase("dp");
  mismatched.erase("dq");
  mismatched.erase("qi");
  expect_invalid_jwk(mismatched, "d for another n");
  // d without CRT parameters is allowed by RFC 7518 and still signs the RFC's exact bytes.
  json d_only = base;
  for (const char* m : {"p", "q", "dp", "dq", "qi"}) d_only.erase(m);
  auto key = Jwk::from_json(d_only);
  ASSERT_TRUE(key) << key.error().description;
  EXPECT_EQ(sign_jws(json{{"alg", "RS256"}}, kRfc7515Payload, *key).value(), kA2Token);
}

TEST(CryptoJwk, RejectsOffCurveEcPoints) {
  json off = json::parse(kA3Key);
  off.erase("d");
  std::string y = base64url_decode(off["y"].get<std::string>()).value();
  y[31] ^= 0x01;
  off["y"] = base64url_encode(y);
  expect_invalid_jwk(off, "off-curve point");
  json zero = {{"kty", "EC"},
               {"crv", "P-256"},
               {"x", base64url_encode(std::string(32, '\0'))},
               {"y", base64url_encode(std::string(32, '\0'))}};
  expect_invalid_jwk(zero, "zero point");
  json short_x = json::parse(kA3Key);
  short_x["x"] = base64url_encode(base64url_decode(short_x["x"].get<std::string>())->substr(1));
  expect_invalid_jwk(short_x, "31-byte x");
  // A private scalar that does not belong to the public point.
  auto other = Jwk::generate(JwsAlg::ES256);
  ASSERT_TRUE(other);
  json mismatched = other->public_json();
  mismatched["d"] = json::parse(kA3Key)["d"];
  expect_invalid_jwk(mismatched, "d for another point");
  json pub = json::parse(kA3Key);
  pub.erase("d");
  EXPECT_TRUE(Jwk::from_json(pub));
}

TEST(CryptoJwk, RejectsUnknownCurves) {
  json ec = json::parse(kA3Key);
  for (const char* crv : {"P-384", "P-521", "secp256k1", "p-256", "Ed25519"}) {
    ec["crv"] = crv;
    expect_invalid_jwk(ec, crv);
  }
  ec.erase("crv");
  expect_invalid_jwk(ec, "missing crv");
  json p384 = {{"kty", "EC"},
               {"crv", "P-384"},
               {"x", base64url_encode(std::string(48, 'a'))},
               {"y", base64url_encode(std::string(48, 'b'))}};
  expect_invalid_jwk(p384, "P-384");
  json okp = json::parse(kRfc8037Key);
  for (const char* crv : {"X25519", "Ed448", "ed25519", "P-256"}) {
    okp["crv"] = crv;
    expect_invalid_jwk(okp, crv);
  }
}

TEST(CryptoJwk, RejectsBadOkpAndOctKeys) {
  json mismatched = json::parse(kRfc8037Key);
  auto other = Jwk::generate(JwsAlg::EdDSA);
  ASSERT_TRUE(other);
  mismatched["x"] = other->public_json()["x"];
  expect_invalid_jwk(mismatched, "Ed25519 d for another x");
  json short_x = json::parse(kRfc8037Key);
  short_x.erase("d");
  short_x["x"] = base64url_encode(std::string(31, 'a'));
  expect_invalid_jwk(short_x, "31-byte x");
  expect_invalid_jwk({{"kty", "oct"}, {"k", base64url_encode(std::string(31, 'a'))}}, "short oct");
  expect_invalid_jwk({{"kty", "oct"}}, "oct without k");
  EXPECT_TRUE(Jwk::from_json({{"kty", "oct"}, {"k", base64url_encode(std::string(32, 'a'))}}));
}

TEST(CryptoJwk, RejectsBadCommonMembers) {
  expect_invalid_jwk(json::array(), "array");
  expect_invalid_jwk("RSA", "string");
  expect_invalid_jwk({{"n", "x"}}, "no kty");
  expect_invalid_jwk({{"kty", "RSA-PSS"}}, "unknown kty");
  expect_invalid_jwk({{"kty", 1}}, "numeric kty");
  json j = json::parse(kA3Key);
  for (const char* alg : {"none", "ES384", "es256", "HS256"}) {
    j["alg"] = alg;
    expect_invalid_jwk(j, alg);
  }
  j["alg"] = "ES256";
  j["kid"] = 5;
  expect_invalid_jwk(j, "numeric kid");
  j["kid"] = "k";
  j["use"] = "sig";
  auto key = Jwk::from_json(j);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->kid, "k");
  EXPECT_EQ(key->use, "sig");
  EXPECT_EQ(key->alg, JwsAlg::ES256);
}

TEST(CryptoJose, ConcurrentSigningWithSharedKey) {
  for (JwsAlg alg : {JwsAlg::ES256, JwsAlg::EdDSA, JwsAlg::HS256}) {
    auto key = Jwk::generate(alg);
    ASSERT_TRUE(key);
    const Jwk shared = *key;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 100; ++i) {
          auto token = sign_jws(json{{"alg", jws_alg_name(alg)}}, R"({"i":1})", shared);
          if (!token || !decode_and_verify(*token, shared)) ++failures;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
  }
}

}  // namespace
}  // namespace bs::crypto
