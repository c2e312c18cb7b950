// Keys that signed badges stay resolvable after rotation and expiry, for credentials only: the
// keyring retains their public half while what they signed is valid, never for tokens.
#include <gtest/gtest.h>

#include <memory>

#include "badges/vc_jwt.hpp"
#include "common/time.hpp"
#include "crypto/encoding.hpp"
#include "keys/keyring.hpp"
#include "store/migrations.hpp"
#include "store/repositories.hpp"
#include "unit/store_fixture.hpp"

namespace bs::keys {
namespace {

using nlohmann::json;
using store::testing::Backend;
using store::testing::Ok;

const std::string kBase = "https://badges.example";

json credential(std::optional<std::string> valid_until) {
  json c = {
      {"@context",
       {"https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"}},
      {"id", "urn:uuid:0f6c1c52-3a52-4d61-9a8e-2f1f0e0d4b11"},
      {"type", {"VerifiableCredential", "OpenBadgeCredential"}},
      {"issuer", {{"id", kBase + "/issuers/iss_1"}, {"type", {"Profile"}}, {"name", "Example U"}}},
      {"validFrom", "2026-01-01T00:00:00Z"},
      {"name", "Rust"},
      {"credentialSubject",
       {{"id", "did:example:alice"},
        {"type", {"AchievementSubject"}},
        {"achievement",
         {{"id", kBase + "/achievements/ach_1"}, {"type", {"Achievement"}}, {"name", "Rust"}}}}},
  };
  if (valid_until) c["validUntil"] = *valid_until;
  return c;
}

json jws_header(const std::string& compact) {
  return json::parse(*crypto::base64url_decode(compact.substr(0, compact.find('.'))));
}

class KeyRetentionTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(Ok(store::migrate(db())));
    options_ = KeyringOptions{.key_encryption_key = std::string(32, 'k'),
                              .default_alg = crypto::JwsAlg::ES256,
                              .required_algs = {crypto::JwsAlg::RS256},
                              .activation_delay = 0};
    keyring_ = std::make_unique<Keyring>(db(), options_);
    ASSERT_TRUE(Ok(keyring_->initialize()));
    vc_ = std::make_unique<badges::VcJwt>(*keyring_, badges::VcJwtOptions{.base_url = kBase});
  }

  std::string active_kid(crypto::JwsAlg alg) {
    for (const auto& k : keyring_->list())
      if (k.alg == alg && k.status == "active") return k.kid;
    return "";
  }

  std::optional<store::SigningKeyRecord> row(const std::string& kid) {
    auto rows = store::list_signing_keys(db());
    EXPECT_TRUE(Ok(rows));
    if (rows)
      for (const auto& r : *rows)
        if (r.kid == kid) return r;
    return std::nullopt;
  }

  // Rotates alg (the new key signs at once) and moves the old key past its token publication, as
  // retired_key_lifetime passing would.
  std::string rotate_and_expire(crypto::JwsAlg alg) {
    const auto old_kid = active_kid(alg);
    EXPECT_TRUE(Ok(Keyring::rotate(db(), options_, alg)));
    EXPECT_TRUE(Ok(store::update_signing_key_expires(db(), old_kid, store::unix_now() - 1)));
    EXPECT_TRUE(Ok(keyring_->reload()));
    return old_kid;
  }

  KeyringOptions options_;
  std::unique_ptr<Keyring> keyring_;
  std::unique_ptr<badges::VcJwt> vc_;
};

TEST_P(KeyRetentionTest, SigningABadgeRecordsItsValidityOnTheKey) {
  const auto kid = active_kid(crypto::JwsAlg::RS256);
  ASSERT_TRUE(Ok(vc_->sign(credential("2036-01-01T00:00:00Z"))));
  auto r = row(kid);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->retain_public_until, *parse_rfc3339("2036-01-01T00:00:00Z") + vc_->options().leeway_seconds);
  EXPECT_FALSE(r->retain_public_forever);

  ASSERT_TRUE(Ok(vc_->sign(credential(std::nullopt))));
  r = row(kid);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->retain_public_forever);
  // Token keys sign no badges and are not retained.
  auto es = row(active_kid(crypto::JwsAlg::ES256));
  ASSERT_TRUE(es);
  EXPECT_FALSE(es->retain_public_forever);
  EXPECT_EQ(es->retain_public_until, std::nullopt);
}

TEST_P(KeyRetentionTest, OldBadgeVerifiesAfterRotationAndExpiryButTheKeySignsNoMore) {
  auto old_badge = vc_->sign(credential(std::nullopt));
  ASSERT_TRUE(Ok(old_badge));
  auto old_token = keyring_->sign(json::object(), R"({"sub":"u1"})", crypto::JwsAlg::RS256);
  ASSERT_TRUE(Ok(old_token));
  EXPECT_TRUE(Ok(keyring_->verify(*old_token)));
  const auto old_kid = rotate_and_expire(crypto::JwsAlg::RS256);
  ASSERT_FALSE(old_kid.empty());
  const auto new_kid = active_kid(crypto::JwsAlg::RS256);
  ASSERT_NE(new_kid, old_kid);

  EXPECT_TRUE(Ok(vc_->verify(*old_badge)));
  auto jwk = vc_->public_jwk(old_kid);
  ASSERT_TRUE(jwk.has_value());
  EXPECT_EQ((*jwk)["kid"], vc_->key_url(old_kid));
  EXPECT_FALSE(jwk->contains("d"));
  bool listed_by_url = false;
  for (const auto& k : vc_->published_badge_keys())
    listed_by_url = listed_by_url || k["kid"] == vc_->key_url(old_kid);
  EXPECT_TRUE(listed_by_url);

  // Not a token key any more: neither found for tokens nor in the token JWKS under its thumbprint.
  EXPECT_EQ(keyring_->find(old_kid), nullptr);
  const json token_jwks = keyring_->jwks();
  ASSERT_FALSE(token_jwks["keys"].empty());
  for (const auto& k : token_jwks["keys"]) EXPECT_NE(k["kid"], old_kid);
  auto retained = keyring_->find_for_credentials(old_kid);
  ASSERT_NE(retained, nullptr);
  EXPECT_FALSE(retained->is_private());  // the private half is not even loaded
  bool status_retained = false;
  for (const auto& k : keyring_->list())
    status_retained = status_retained || (k.kid == old_kid && k.status == "retained");
  EXPECT_TRUE(status_retained);

  // A token the same key signed no longer verifies: retention is for credentials only.
  EXPECT_FALSE(Ok(keyring_->verify(*old_token)));

  // New badges are signed by the new key.
  auto new_badge = vc_->sign(credential(std::nullopt));
  ASSERT_TRUE(Ok(new_badge));
  EXPECT_EQ(jws_header(*new_badge)["kid"], vc_->key_url(new_kid));

  // Another instance (a fresh keyring over the same database) resolves it too.
  Keyring other(db(), options_);
  ASSERT_TRUE(Ok(other.reload()));
  badges::VcJwt other_vc(other, badges::VcJwtOptions{.base_url = kBase});
  EXPECT_TRUE(Ok(other_vc.verify(*old_badge)));
}

TEST_P(KeyRetentionTest, RetentionEndsWithTheValidityOfWhatTheKeySigned) {
  const auto kid = active_kid(crypto::JwsAlg::RS256);
  ASSERT_TRUE(Ok(keyring_->retain_public(kid, store::unix_now() + 3600)));
  rotate_and_expire(crypto::JwsAlg::RS256);
  EXPECT_NE(keyring_->find_for_credentials(kid), nullptr);
  EXPECT_TRUE(vc_->public_jwk(kid).has_value());

  // Once everything it signed has expired, the key is gone like any other.
  const auto lapsed_kid = active_kid(crypto::JwsAlg::RS256);
  ASSERT_TRUE(Ok(keyring_->retain_public(lapsed_kid, store::unix_now() - 10)));
  rotate_and_expire(crypto::JwsAlg::RS256);
  EXPECT_EQ(keyring_->find_for_credentials(lapsed_kid), nullptr);
  EXPECT_FALSE(vc_->public_jwk(lapsed_kid).has_value());
  for (const auto& k : keyring_->list()) EXPECT_NE(k.kid, lapsed_kid);
}

TEST_P(KeyRetentionTest, UnretainedKeysExpireAsBefore) {
  const auto kid = rotate_and_expire(crypto::JwsAlg::ES256);
  EXPECT_EQ(keyring_->find(kid), nullptr);
  EXPECT_EQ(keyring_->find_for_credentials(kid), nullptr);
  for (const auto& k : keyring_->list()) EXPECT_NE(k.kid, kid);
  EXPECT_FALSE(Ok(keyring_->retain_public("no-such-kid", std::nullopt)));
}

INSTANTIATE_TEST_SUITE_P(Backends, KeyRetentionTest, ::testing::Values(Backend::sqlite, Backend::postgres),
                         store::testing::backend_name);

}  // namespace
}  // namespace bs::keys
