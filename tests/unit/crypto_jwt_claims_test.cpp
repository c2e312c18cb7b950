#include <gtest/gtest.h>

#include <string>

#include "crypto/jose.hpp"

namespace bs::crypto {
namespace {

using nlohmann::json;

constexpr std::int64_t kNow = 1'700'000'000;

DecodedJws jwt(json payload, json header = {{"alg", "ES256"}, {"typ", "JWT"}}) {
  return DecodedJws{.header = std::move(header), .payload = std::move(payload), .alg = JwsAlg::ES256};
}

json good_claims() {
  return {{"iss", "https://as.example"},
          {"aud", "https://rs.example"},
          {"sub", "alice"},
          {"iat", kNow - 10},
          {"nbf", kNow - 10},
          {"exp", kNow + 300}};
}

JwtExpectations expectations() {
  JwtExpectations e;
  e.issuer = "https://as.example";
  e.audiences = {"https://rs.example"};
  e.now = kNow;
  return e;
}

void expect_rejected(const Status& s, std::string_view description) {
  ASSERT_FALSE(s) << "expected: " << description;
  EXPECT_EQ(s.error().code, ErrorCode::invalid_token);
  EXPECT_EQ(s.error().description, description);
}

TEST(CryptoJwtClaims, AcceptsValidClaims) {
  EXPECT_TRUE(validate_jwt_claims(jwt(good_claims()), expectations()));
  // Empty expectations skip the iss / aud checks.
  JwtExpectations lax;
  lax.now = kNow;
  EXPECT_TRUE(validate_jwt_claims(jwt({{"exp", kNow + 1}}), lax));
}

TEST(CryptoJwtClaims, Expired) {
  json c = good_claims();
  c["exp"] = kNow - 31;
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "token expired");
  c["exp"] = kNow - 30;  // exactly at exp + leeway is already expired (RFC 7519 §4.1.4: "on or after")
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "token expired");
  c["exp"] = kNow - 29;  // within leeway
  EXPECT_TRUE(validate_jwt_claims(jwt(c), expectations()));
  JwtExpectations strict = expectations();
  strict.leeway_seconds = 0;
  c["exp"] = kNow;
  expect_rejected(validate_jwt_claims(jwt(c), strict), "token expired");
  c["exp"] = kNow + 1;
  EXPECT_TRUE(validate_jwt_claims(jwt(c), strict));
}

TEST(CryptoJwtClaims, ExpRequiredAndNumeric) {
  json c = good_claims();
  c.erase("exp");
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "token has no expiry");
  JwtExpectations optional_exp = expectations();
  optional_exp.require_exp = false;
  EXPECT_TRUE(validate_jwt_claims(jwt(c), optional_exp));
  c["exp"] = std::to_string(kNow + 300);
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "exp claim is not a number");
  c["exp"] = true;
  EXPECT_FALSE(validate_jwt_claims(jwt(c), expectations()));
  c["exp"] = nullptr;
  EXPECT_FALSE(validate_jwt_claims(jwt(c), expectations()));
  c["exp"] = static_cast<double>(kNow) + 300.5;  // NumericDate may be fractional
  EXPECT_TRUE(validate_jwt_claims(jwt(c), expectations()));
  c["exp"] = 1e300;  // absurd but numeric: no overflow
  EXPECT_TRUE(validate_jwt_claims(jwt(c), expectations()));
  c["exp"] = std::numeric_limits<std::uint64_t>::max();
  EXPECT_TRUE(validate_jwt_claims(jwt(c), expectations()));
  c["exp"] = std::numeric_limits<std::int64_t>::min();
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "token expired");
}

TEST(CryptoJwtClaims, NotYetValid) {
  json c = good_claims();
  c["nbf"] = kNow + 100;
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "token not yet valid");
  c["nbf"] = kNow + 20;  // within leeway
  EXPECT_TRUE(validate_jwt_claims(jwt(c), expectations()));
  c["nbf"] = "soon";
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "nbf claim is not a number");
}

TEST(CryptoJwtClaims, IssuedInTheFuture) {
  json c = good_claims();
  c["iat"] = kNow + 100;
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "token issued in the future");
  c["iat"] = kNow + 20;
  EXPECT_TRUE(validate_jwt_claims(jwt(c), expectations()));
}

TEST(CryptoJwtClaims, WrongIssuer) {
  json c = good_claims();
  c["iss"] = "https://evil.example";
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "invalid token issuer");
  c["iss"] = "https://as.example/";  // exact match only
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "invalid token issuer");
  c["iss"] = json::array({"https://as.example"});
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "invalid token issuer");
  c.erase("iss");
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "invalid token issuer");
}

TEST(CryptoJwtClaims, WrongAudience) {
  json c = good_claims();
  c["aud"] = "https://other.example";
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "invalid token audience");
  c["aud"] = json::array({"https://other.example", "https://third.example"});
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "invalid token audience");
  c["aud"] = json::array();
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "invalid token audience");
  c["aud"] = 42;
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "aud claim is malformed");
  c["aud"] = json::array({"https://rs.example", 42});
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "aud claim is malformed");
  c.erase("aud");
  expect_rejected(validate_jwt_claims(jwt(c), expectations()), "token has no audience");
}

TEST(CryptoJwtClaims, AudienceArray) {
  json c = good_claims();
  c["aud"] = json::array({"https://other.example", "https://rs.example"});
  EXPECT_TRUE(validate_jwt_claims(jwt(c), expectations()));
  // Any one of several expected audiences is enough (e.g. token endpoint URL or issuer for client
  // assertions).
  JwtExpectations e = expectations();
  e.audiences = {"https://as.example/token", "https://as.example"};
  c["aud"] = "https://as.example";
  EXPECT_TRUE(validate_jwt_claims(jwt(c), e));
  c["aud"] = json::array({"https://as.example/token"});
  EXPECT_TRUE(validate_jwt_claims(jwt(c), e));
}

TEST(CryptoJwtClaims, TypMismatch) {
  JwtExpectations e = expectations();
  e.typ = "at+jwt";
  const json c = good_claims();
  EXPECT_TRUE(validate_jwt_claims(jwt(c, {{"alg", "ES256"}, {"typ", "at+jwt"}}), e));
  EXPECT_TRUE(validate_jwt_claims(jwt(c, {{"alg", "ES256"}, {"typ", "AT+JWT"}}), e));
  EXPECT_TRUE(validate_jwt_claims(jwt(c, {{"alg", "ES256"}, {"typ", "application/at+jwt"}}), e));
  EXPECT_TRUE(validate_jwt_claims(jwt(c, {{"alg", "ES256"}, {"typ", "Application/AT+JWT"}}), e));
  expect_rejected(validate_jwt_claims(jwt(c, {{"alg", "ES256"}, {"typ", "JWT"}}), e),
                  "unexpected token type");
  expect_rejected(validate_jwt_claims(jwt(c, {{"alg", "ES256"}, {"typ", "dpop+jwt"}}), e),
                  "unexpected token type");
  expect_rejected(validate_jwt_claims(jwt(c, {{"alg", "ES256"}, {"typ", "text/at+jwt"}}), e),
                  "unexpected token type");
  expect_rejected(validate_jwt_claims(jwt(c, {{"alg", "ES256"}}), e), "token has no typ header");
  expect_rejected(validate_jwt_claims(jwt(c, {{"alg", "ES256"}, {"typ", 1}}), e), "token has no typ header");
  // The expectation may carry the prefix too.
  e.typ = "application/dpop+jwt";
  EXPECT_TRUE(validate_jwt_claims(jwt(c, {{"alg", "ES256"}, {"typ", "dpop+jwt"}}), e));
  // Without an expectation typ is ignored.
  EXPECT_TRUE(validate_jwt_claims(jwt(c, {{"alg", "ES256"}, {"typ", "anything"}}), expectations()));
}

TEST(CryptoJwtClaims, MaxLifetime) {
  JwtExpectations e = expectations();
  e.max_lifetime_seconds = 60;
  json c = good_claims();
  c["iat"] = kNow;
  c["exp"] = kNow + 60;
  EXPECT_TRUE(validate_jwt_claims(jwt(c), e));
  c["exp"] = kNow + 61;
  expect_rejected(validate_jwt_claims(jwt(c), e), "token lifetime too long");
  c.erase("iat");
  c["exp"] = kNow + 3600;  // no iat: measured from now
  expect_rejected(validate_jwt_claims(jwt(c), e), "token lifetime too long");
  e.require_exp = false;
  c.erase("exp");
  c["iat"] = kNow - 3600;
  expect_rejected(validate_jwt_claims(jwt(c), e), "token too old");
  c["iat"] = kNow - 30;
  EXPECT_TRUE(validate_jwt_claims(jwt(c), e));
}

TEST(CryptoJwtClaims, WorksOnDecodedTokens) {
  // RFC 7515 A.1's token: exp 1300819380 (March 2011).
  auto decoded = decode_jws(
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
      "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  ASSERT_TRUE(decoded) << decoded.error().description;
  JwtExpectations e;
  e.issuer = "joe";
  e.typ = "JWT";
  e.now = 1300819380 - 100;
  EXPECT_TRUE(validate_jwt_claims(*decoded, e));
  e.now = kNow;
  expect_rejected(validate_jwt_claims(*decoded, e), "token expired");
}

}  // namespace
}  // namespace bs::crypto
