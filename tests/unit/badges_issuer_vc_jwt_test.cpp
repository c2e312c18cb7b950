// VC-JWT signing and verification (OB 3.0 §8.2): round trip, URL kids, every claim equality, dates,
// tampering, alg none, unknown kids and embedded JWKs.
#include <gtest/gtest.h>

#include <memory>

#include "badges/vc_jwt.hpp"
#include "common/time.hpp"
#include "crypto/encoding.hpp"
#include "keys/keyring.hpp"
#include "store/migrations.hpp"
#include "unit/store_fixture.hpp"

namespace bs::badges {
namespace {

using nlohmann::json;
using store::testing::Backend;
using store::testing::FailsWith;
using store::testing::Ok;

const std::string kBase = "https://badges.example";

json sample_credential() {
  return {
      {"@context",
       {"https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"}},
      {"id", "urn:uuid:7d1a6a8e-0f44-4b7e-9d5e-0b6f4c1f2a10"},
      {"type", {"VerifiableCredential", "OpenBadgeCredential"}},
      {"issuer", {{"id", kBase + "/issuers/iss_1"}, {"type", {"Profile"}}, {"name", "Example U"}}},
      {"validFrom", "2026-01-01T00:00:00Z"},
      {"validUntil", "2036-01-01T00:00:00Z"},
      {"name", "Rust"},
      {"credentialSubject",
       {{"id", "did:example:alice"},
        {"type", {"AchievementSubject"}},
        {"achievement",
         {{"id", kBase + "/achievements/ach_1"},
          {"type", {"Achievement"}},
          {"name", "Rust"},
          {"description", "Writes Rust"},
          {"criteria", {{"narrative", "Wrote Rust"}}}}}}},
  };
}

std::string b64(const json& j) {
  return crypto::base64url_encode(j.dump());
}

struct Parts {
  json header, payload;
  std::string signature;
};

Parts split(const std::string& compact) {
  const auto a = compact.find('.');
  const auto b = compact.find('.', a + 1);
  return {json::parse(*crypto::base64url_decode(compact.substr(0, a))),
          json::parse(*crypto::base64url_decode(compact.substr(a + 1, b - a - 1))), compact.substr(b + 1)};
}

std::string failed_check(const VcJwtInspection& inspection) {
  for (const auto& c : inspection.checks)
    if (!c.passed) return c.name;
  return "";
}

class VcJwtTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(Ok(store::migrate(db())));
    keyring_ =
        std::make_unique<keys::Keyring>(db(), keys::KeyringOptions{.key_encryption_key = std::string(32, 'k'),
                                                                   .default_alg = crypto::JwsAlg::ES256,
                                                                   .required_algs = {crypto::JwsAlg::RS256}});
    ASSERT_TRUE(Ok(keyring_->initialize()));
    vc_ = std::make_unique<VcJwt>(*keyring_, VcJwtOptions{.base_url = kBase + "/"});
  }

  // Signs a header and payload with our active RS256 key, bypassing VcJwt::sign's claim derivation.
  std::string sign_raw(json header, const json& payload) {
    auto keys = keyring_->list();
    for (const auto& k : keys)
      if (k.alg == crypto::JwsAlg::RS256) {
        header["alg"] = "RS256";
        if (!header.contains("kid")) header["kid"] = vc_->key_url(k.kid);
        auto jws = crypto::sign_jws(header, payload.dump(), *keyring_->find(k.kid));
        EXPECT_TRUE(Ok(jws));
        return jws ? *jws : "";
      }
    ADD_FAILURE() << "no RS256 key";
    return "";
  }

  std::string rs256_kid() {
    for (const auto& k : keyring_->list())
      if (k.alg == crypto::JwsAlg::RS256) return k.kid;
    return "";
  }

  std::unique_ptr<keys::Keyring> keyring_;
  std::unique_ptr<VcJwt> vc_;
};

TEST_P(VcJwtTest, SignsTheCredentialAsPayloadWithRegisteredClaimsAndUrlKid) {
  const json credential = sample_credential();
  auto jws = vc_->sign(credential);
  ASSERT_TRUE(Ok(jws));
  const auto parts = split(*jws);
  EXPECT_EQ(parts.header["alg"], "RS256");
  EXPECT_EQ(parts.header["typ"], "JWT");
  EXPECT_EQ(parts.header["kid"], kBase + "/keys/" + rs256_kid());
  EXPECT_FALSE(parts.payload.contains("vc"));
  EXPECT_EQ(parts.payload["iss"], kBase + "/issuers/iss_1");
  EXPECT_EQ(parts.payload["jti"], credential["id"]);
  EXPECT_EQ(parts.payload["nbf"], *parse_rfc3339("2026-01-01T00:00:00Z"));
  EXPECT_EQ(parts.payload["exp"], *parse_rfc3339("2036-01-01T00:00:00Z"));
  EXPECT_EQ(parts.payload["sub"], "did:example:alice");
  EXPECT_EQ(parts.payload["credentialSubject"], credential["credentialSubject"]);

  auto verified = vc_->verify(*jws);
  ASSERT_TRUE(Ok(verified));
  EXPECT_EQ(verified->credential, credential);
  EXPECT_EQ(verified->key_source, KeySource::ours);
}

TEST_P(VcJwtTest, PublishesTheKeyUnderTheHeaderKid) {
  auto jws = vc_->sign(sample_credential());
  ASSERT_TRUE(Ok(jws));
  const std::string kid = split(*jws).header["kid"];
  auto jwk = vc_->public_jwk(rs256_kid());
  ASSERT_TRUE(jwk.has_value());
  EXPECT_EQ((*jwk)["kid"], kid);
  EXPECT_EQ((*jwk)["kty"], "RSA");
  EXPECT_FALSE(jwk->contains("d"));
  bool listed = false;
  for (const auto& k : vc_->published_badge_keys()) listed = listed || k["kid"] == kid;
  EXPECT_TRUE(listed);
  EXPECT_FALSE(vc_->public_jwk("no-such-kid").has_value());
}

TEST_P(VcJwtTest, OmitsSubAndExpWhenTheCredentialHasNone) {
  json credential = sample_credential();
  credential.erase("validUntil");
  credential["credentialSubject"].erase("id");
  credential["credentialSubject"]["identifier"] = json::array();
  auto jws = vc_->sign(credential);
  ASSERT_TRUE(Ok(jws));
  const auto payload = split(*jws).payload;
  EXPECT_FALSE(payload.contains("sub"));
  EXPECT_FALSE(payload.contains("exp"));
  EXPECT_TRUE(Ok(vc_->verify(*jws)));
}

TEST_P(VcJwtTest, SignRejectsCredentialsWithoutTheClaimSources) {
  for (const char* member : {"id", "issuer", "validFrom"}) {
    json credential = sample_credential();
    credential.erase(member);
    EXPECT_TRUE(FailsWith(vc_->sign(credential), ErrorCode::invalid_data)) << member;
  }
  json bad_date = sample_credential();
  bad_date["validUntil"] = "next year";
  EXPECT_TRUE(FailsWith(vc_->sign(bad_date), ErrorCode::invalid_data));
}

TEST_P(VcJwtTest, TamperedPayloadOrSignatureFails) {
  auto jws = vc_->sign(sample_credential());
  ASSERT_TRUE(Ok(jws));
  auto parts = split(*jws);
  parts.payload["name"] = "Forged";
  const std::string header_b64 = jws->substr(0, jws->find('.'));
  const std::string forged = header_b64 + "." + b64(parts.payload) + "." + parts.signature;
  auto inspection = vc_->inspect(forged);
  EXPECT_EQ(failed_check(inspection), "signature");
  EXPECT_TRUE(FailsWith(vc_->verify(forged), ErrorCode::invalid_data));

  std::string flipped = *jws;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_TRUE(FailsWith(vc_->verify(flipped), ErrorCode::invalid_data));
}

TEST_P(VcJwtTest, EachClaimMismatchIsNamed) {
  const json credential = sample_credential();
  auto jws = vc_->sign(credential);
  ASSERT_TRUE(Ok(jws));
  const json good = split(*jws).payload;
  const std::vector<std::pair<std::string, json>> changes = {
      {"iss", "https://other.example/issuer"},      {"jti", "urn:uuid:00000000-0000-4000-8000-000000000000"},
      {"nbf", good["nbf"].get<std::int64_t>() + 1}, {"sub", "did:example:mallory"},
      {"exp", good["exp"].get<std::int64_t>() - 1},
  };
  for (const auto& [claim, value] : changes) {
    json payload = good;
    payload[claim] = value;
    auto token = sign_raw({{"typ", "JWT"}}, payload);
    auto inspection = vc_->inspect(token);
    EXPECT_EQ(failed_check(inspection), claim);
    auto verified = vc_->verify(token);
    ASSERT_TRUE(FailsWith(verified, ErrorCode::invalid_data)) << claim;
    EXPECT_TRUE(verified.error().description.starts_with(claim + ":")) << verified.error().description;
  }
  for (const char* claim : {"iss", "jti", "nbf", "sub", "exp"}) {
    json payload = good;
    payload.erase(claim);
    EXPECT_EQ(failed_check(vc_->inspect(sign_raw({{"typ", "JWT"}}, payload))), claim);
  }
}

TEST_P(VcJwtTest, DatesAreChecked) {
  auto jws = vc_->sign(sample_credential());
  ASSERT_TRUE(Ok(jws));
  const auto valid_from = *parse_rfc3339("2026-01-01T00:00:00Z");
  const auto valid_until = *parse_rfc3339("2036-01-01T00:00:00Z");
  EXPECT_EQ(failed_check(vc_->inspect(*jws, valid_from - 3600)), "validFrom");
  EXPECT_EQ(failed_check(vc_->inspect(*jws, valid_until + 3600)), "validUntil");
  EXPECT_TRUE(Ok(vc_->verify(*jws, valid_from + 10)));
}

TEST_P(VcJwtTest, AlgNoneIsRejected) {
  auto jws = vc_->sign(sample_credential());
  ASSERT_TRUE(Ok(jws));
  auto parts = split(*jws);
  parts.header["alg"] = "none";
  const std::string unsigned_token = b64(parts.header) + "." + b64(parts.payload) + ".";
  auto inspection = vc_->inspect(unsigned_token);
  EXPECT_EQ(failed_check(inspection), "format");
  EXPECT_FALSE(inspection.ok());
  EXPECT_TRUE(FailsWith(vc_->verify(unsigned_token), ErrorCode::invalid_data));
}

TEST_P(VcJwtTest, UnknownKidIsNotResolvable) {
  auto parts = split(*vc_->sign(sample_credential()));
  auto token = sign_raw({{"typ", "JWT"}, {"kid", kBase + "/keys/unknown"}}, parts.payload);
  auto verified = vc_->verify(token);
  ASSERT_TRUE(FailsWith(verified, ErrorCode::invalid_data));
  EXPECT_EQ(verified.error().description, "key: key not resolvable");
}

TEST_P(VcJwtTest, EmbeddedPublicJwkVerifies) {
  auto key = crypto::Jwk::generate(crypto::JwsAlg::ES256);
  ASSERT_TRUE(Ok(key));
  auto payload = split(*vc_->sign(sample_credential())).payload;
  const json header = {{"alg", "ES256"}, {"typ", "JWT"}, {"jwk", key->public_json()}};
  auto token = crypto::sign_jws(header, payload.dump(), *key);
  ASSERT_TRUE(Ok(token));
  auto verified = vc_->verify(*token);
  ASSERT_TRUE(Ok(verified));
  EXPECT_EQ(verified->key_source, KeySource::embedded_jwk);

  // Signed by another key than the one embedded: the signature check fails.
  auto other = crypto::Jwk::generate(crypto::JwsAlg::ES256);
  const json lying = {{"alg", "ES256"}, {"typ", "JWT"}, {"jwk", other->public_json()}};
  auto forged = crypto::sign_jws(lying, payload.dump(), *key);
  EXPECT_EQ(failed_check(vc_->inspect(*forged)), "signature");

  // A symmetric key in the header is never trusted.
  json oct = {{"kty", "oct"}, {"k", crypto::base64url_encode(std::string(32, 's'))}};
  auto hs = crypto::sign_jws({{"alg", "HS256"}, {"jwk", oct}}, payload.dump(),
                             crypto::Jwk::symmetric(std::string(32, 's')));
  ASSERT_TRUE(Ok(hs));
  EXPECT_EQ(failed_check(vc_->inspect(*hs)), "key");
}

TEST_P(VcJwtTest, WrongTypIsRejected) {
  auto payload = split(*vc_->sign(sample_credential())).payload;
  EXPECT_EQ(failed_check(vc_->inspect(sign_raw({{"typ", "at+jwt"}}, payload))), "typ");
  EXPECT_TRUE(vc_->inspect(sign_raw(json::object(), payload)).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, VcJwtTest, ::testing::Values(Backend::sqlite),
                         store::testing::backend_name);

}  // namespace
}  // namespace bs::badges
