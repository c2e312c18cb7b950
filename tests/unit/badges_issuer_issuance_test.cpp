// Issuing on each storage backend: issuers, achievements, OpenBadgeCredentials (signed, schema-valid,
// delivered to the recipient's store), hashed identifiers, revocation and the verify report.
#include <gtest/gtest.h>

#include <memory>

#include "badges/achievements.hpp"
#include "badges/credential_status.hpp"
#include "badges/credential_store.hpp"
#include "badges/credential_validation.hpp"
#include "badges/issuance.hpp"
#include "badges/issuers.hpp"
#include "badges/profiles.hpp"
#include "badges/vc_jwt.hpp"
#include "badges/verification.hpp"
#include "common/time.hpp"
#include "keys/keyring.hpp"
#include "store/badge_issuer_repositories.hpp"
#include "store/migrations.hpp"
#include "store/repositories.hpp"
#include "unit/store_fixture.hpp"

namespace bs::badges {
namespace {

using nlohmann::json;
using store::testing::Backend;
using store::testing::FailsWith;
using store::testing::Ok;

const std::string kBase = "https://badges.example";

class IssuanceTest : public store::testing::StoreTest {
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
    vc_ = std::make_unique<VcJwt>(*keyring_, VcJwtOptions{.base_url = kBase});
    issuers_ = std::make_unique<IssuerService>(db(), kBase);
    achievements_ = std::make_unique<AchievementService>(db(), kBase, *issuers_);
    status_ = std::make_unique<CredentialStatusService>(db(), kBase);
    store_ = std::make_unique<CredentialStore>(db());
    profiles_ = std::make_unique<ProfileService>(db(), kBase);
    issuance_ = std::make_unique<IssuanceService>(db(), *issuers_, *achievements_, *vc_, *status_, *store_,
                                                  *profiles_);
    verification_ = std::make_unique<VerificationService>(db(), *vc_, *status_);

    store::User u;
    u.id = "usr_alice";
    u.email = "alice@example.org";
    u.name = "Alice";
    u.password_hash = "x";
    u.created_at = u.updated_at = store::unix_now();
    ASSERT_TRUE(Ok(store::insert_user(db(), u)));

    auto issuer = issuers_->create({{"name", "Example U"}, {"url", "https://example.edu"}}, "test");
    ASSERT_TRUE(Ok(issuer));
    issuer_ = *issuer;
    auto achievement = achievements_->create(
        {{"name", "Rust"},
         {"description", "Writes Rust"},
         {"criteria", {{"narrative", "Wrote a compiler"}}},
         {"tags", {"programming"}},
         {"alignment",
          {{{"targetName", "Systems programming"}, {"targetUrl", "https://framework.example/sys"}}}}},
        "test");
    ASSERT_TRUE(Ok(achievement));
    achievement_ = *achievement;
  }

  std::string achievement_url() const { return kBase + "/achievements/" + achievement_.id; }

  std::int64_t issued_count() {
    auto page = store::list_issued_credentials(db(), std::nullopt, std::nullopt, 100);
    EXPECT_TRUE(Ok(page));
    return page ? static_cast<std::int64_t>(page->items.size()) : -1;
  }

  std::unique_ptr<keys::Keyring> keyring_;
  std::unique_ptr<VcJwt> vc_;
  std::unique_ptr<IssuerService> issuers_;
  std::unique_ptr<AchievementService> achievements_;
  std::unique_ptr<CredentialStatusService> status_;
  std::unique_ptr<CredentialStore> store_;
  std::unique_ptr<ProfileService> profiles_;
  std::unique_ptr<IssuanceService> issuance_;
  std::unique_ptr<VerificationService> verification_;
  store::BadgeIssuer issuer_;
  store::BadgeAchievement achievement_;
};

TEST_P(IssuanceTest, IssuerAndAchievementAreObObjects) {
  const json profile = issuer_profile(issuer_);
  EXPECT_EQ(profile["id"], kBase + "/issuers/" + issuer_.id);
  EXPECT_EQ(profile["type"], json({"Profile"}));
  EXPECT_TRUE(Ok(validate_profile(profile)));
  const json achievement = achievement_json(achievement_);
  EXPECT_EQ(achievement["id"], achievement_url());
  EXPECT_EQ(achievement["type"], json({"Achievement"}));
  EXPECT_EQ(achievement["tag"], json({"programming"}));
  EXPECT_EQ(achievement["alignment"][0]["type"], json({"Alignment"}));
  EXPECT_EQ(achievement["creator"]["id"], profile["id"]);
  // The sole issuer may be left out; found by profile URL too.
  auto found = issuers_->find(profile["id"].get<std::string>());
  ASSERT_TRUE(Ok(found));
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, issuer_.id);
}

TEST_P(IssuanceTest, AchievementRequiresItsFields) {
  const json good = {{"name", "N"}, {"description", "D"}, {"criteria", {{"narrative", "C"}}}};
  for (const char* member : {"name", "description", "criteria"}) {
    json request = good;
    request.erase(member);
    EXPECT_TRUE(FailsWith(achievements_->create(request, "test"), ErrorCode::invalid_request)) << member;
  }
  json unknown_issuer = good;
  unknown_issuer["issuer"] = "iss_nope";
  EXPECT_TRUE(FailsWith(achievements_->create(unknown_issuer, "test"), ErrorCode::not_found));
  json bad_alignment = good;
  bad_alignment["alignment"] = {{{"targetName", "X"}, {"targetUrl", "not a url"}}};
  EXPECT_TRUE(FailsWith(achievements_->create(bad_alignment, "test"), ErrorCode::invalid_data));
  json bad_image = good;
  bad_image["image"] = "javascript:alert(1)";
  EXPECT_TRUE(FailsWith(achievements_->create(bad_image, "test"), ErrorCode::invalid_data));
  EXPECT_TRUE(
      FailsWith(issuers_->create({{"name", "X"}, {"url", "ftp://x"}}, "test"), ErrorCode::invalid_data));
  EXPECT_TRUE(
      FailsWith(issuers_->create({{"url", "https://x.example"}}, "test"), ErrorCode::invalid_request));
}

TEST_P(IssuanceTest, IssuesSignedSchemaValidCredentialAndDeliversIt) {
  const std::string profile_id = profiles_->profile_id_of_user("usr_alice");
  auto issued =
      issuance_->issue({{"credentialSubject", {{"id", profile_id}, {"achievement", achievement_url()}}},
                        {"validUntil", "2099-01-01T00:00:00Z"}},
                       "test");
  ASSERT_TRUE(Ok(issued));
  const json credential = json::parse(issued->credential);
  EXPECT_EQ(credential["@context"], json({"https://www.w3.org/ns/credentials/v2",
                                          "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"}));
  EXPECT_EQ(credential["type"], json({"VerifiableCredential", "OpenBadgeCredential"}));
  EXPECT_TRUE(credential["id"].get<std::string>().starts_with("urn:uuid:"));
  EXPECT_EQ(credential["issuer"]["id"], kBase + "/issuers/" + issuer_.id);
  EXPECT_EQ(credential["credentialSubject"]["id"], profile_id);
  EXPECT_EQ(credential["credentialSubject"]["type"], json({"AchievementSubject"}));
  EXPECT_EQ(credential["credentialSubject"]["achievement"], achievement_json(achievement_));
  EXPECT_EQ(credential["validUntil"], "2099-01-01T00:00:00Z");
  EXPECT_EQ(credential["credentialStatus"]["type"], "1EdTechRevocationList");
  EXPECT_TRUE(Ok(validate_credential(credential)));

  auto verified = vc_->verify(issued->compact_jws);
  ASSERT_TRUE(Ok(verified));
  EXPECT_EQ(verified->credential, credential);

  ASSERT_TRUE(issued->delivered_to.has_value());
  EXPECT_EQ(*issued->delivered_to, "usr_alice");
  auto stored = store_->find("usr_alice", credential["issuer"]["id"].get<std::string>(),
                             credential["id"].get<std::string>());
  ASSERT_TRUE(Ok(stored));
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ((*stored)->credential, credential);
  EXPECT_EQ((*stored)->compact_jws, issued->compact_jws);

  auto report = verification_->verify_compact(issued->compact_jws);
  ASSERT_TRUE(Ok(report));
  EXPECT_TRUE((*report)["verified"].get<bool>()) << report->dump();
  auto json_report = verification_->verify_credential(credential);
  ASSERT_TRUE(Ok(json_report));
  EXPECT_TRUE((*json_report)["verified"].get<bool>()) << json_report->dump();
}

TEST_P(IssuanceTest, HashedIdentifierNeverStoresTheIdentity) {
  auto issued =
      issuance_->issue({{"credentialSubject",
                         {{"identifier", {{"identityType", "emailAddress"}, {"identity", "bob@example.org"}}},
                          {"achievement", achievement_.id}}}},
                       "test");
  ASSERT_TRUE(Ok(issued));
  const json credential = json::parse(issued->credential);
  const json& identity = credential["credentialSubject"]["identifier"][0];
  EXPECT_EQ(identity["type"], "IdentityObject");
  EXPECT_EQ(identity["hashed"], true);
  EXPECT_EQ(identity["identityHash"], identity_hash("bob@example.org", identity["salt"].get<std::string>()));
  EXPECT_TRUE(identity["identityHash"].get<std::string>().starts_with("sha256$"));
  EXPECT_EQ(issued->credential.find("bob@example.org"), std::string::npos);
  EXPECT_EQ(issued->recipient, identity["identityHash"].get<std::string>());
  EXPECT_FALSE(issued->delivered_to.has_value());
  EXPECT_TRUE(Ok(validate_credential(credential)));
  EXPECT_TRUE(Ok(vc_->verify(issued->compact_jws)));
}

TEST_P(IssuanceTest, BadRequestsStoreNothing) {
  const json subject = {{"id", "did:example:bob"}, {"achievement", achievement_.id}};
  struct Case {
    json request;
    ErrorCode code;
  };
  const std::vector<Case> cases = {
      {json::object(), ErrorCode::invalid_request},
      {{{"credentialSubject", {{"id", "did:example:bob"}}}}, ErrorCode::invalid_request},
      {{{"credentialSubject", {{"achievement", achievement_.id}}}}, ErrorCode::invalid_request},
      {{{"credentialSubject", {{"id", "did:example:bob"}, {"achievement", "ach_missing"}}}},
       ErrorCode::not_found},
      {{{"credentialSubject", subject}, {"issuer", "iss_missing"}}, ErrorCode::not_found},
      {{{"credentialSubject", subject}, {"validFrom", "yesterday"}}, ErrorCode::invalid_data},
      {{{"credentialSubject", subject},
        {"validFrom", "2030-01-01T00:00:00Z"},
        {"validUntil", "2029-01-01T00:00:00Z"}},
       ErrorCode::invalid_data},
      {{{"credentialSubject", {{"id", "not a uri"}, {"achievement", achievement_.id}}}},
       ErrorCode::invalid_data},
  };
  for (const auto& c : cases)
    EXPECT_TRUE(FailsWith(issuance_->issue(c.request, "test"), c.code)) << c.request.dump();

  auto other = issuers_->create({{"name", "Other"}, {"url", "https://other.example"}}, "test");
  ASSERT_TRUE(Ok(other));
  EXPECT_TRUE(FailsWith(issuance_->issue({{"credentialSubject", subject}, {"issuer", other->id}}, "test"),
                        ErrorCode::invalid_data));
  EXPECT_EQ(issued_count(), 0);
}

TEST_P(IssuanceTest, RevocationIsListedAndReported) {
  auto issued = issuance_->issue(
      {{"credentialSubject", {{"id", "did:example:carol"}, {"achievement", achievement_.id}}}}, "test");
  ASSERT_TRUE(Ok(issued));
  const json credential = json::parse(issued->credential);
  auto check = status_->check(credential);
  ASSERT_TRUE(Ok(check));
  EXPECT_EQ(check->state, StatusState::active);

  auto revoked = status_->revoke(issued->id, std::string("issued in error"));
  ASSERT_TRUE(Ok(revoked));
  EXPECT_TRUE(revoked->revoked_at.has_value());
  EXPECT_TRUE(FailsWith(status_->revoke(issued->id, std::nullopt), ErrorCode::conflict));
  EXPECT_TRUE(FailsWith(status_->revoke("crd_missing", std::nullopt), ErrorCode::not_found));

  check = status_->check(credential);
  ASSERT_TRUE(Ok(check));
  EXPECT_EQ(check->state, StatusState::revoked);
  EXPECT_EQ(check->reason, "issued in error");

  auto list = status_->revocation_list(issuer_.id);
  ASSERT_TRUE(Ok(list));
  ASSERT_TRUE(list->has_value());
  EXPECT_EQ((**list)["id"], credential["credentialStatus"]["id"]);
  EXPECT_EQ((**list)["issuer"], credential["issuer"]["id"]);
  ASSERT_EQ((**list)["revokedCredentials"].size(), 1u);
  EXPECT_EQ((**list)["revokedCredentials"][0]["id"], credential["id"]);
  EXPECT_EQ((**list)["revokedCredentials"][0]["revocationReason"], "issued in error");

  auto report = verification_->verify_compact(issued->compact_jws);
  ASSERT_TRUE(Ok(report));
  EXPECT_FALSE((*report)["verified"].get<bool>());
  bool status_failed = false;
  for (const auto& c : (*report)["checks"])
    if (c["check"] == "status") status_failed = !c["passed"].get<bool>();
  EXPECT_TRUE(status_failed) << report->dump();
}

TEST_P(IssuanceTest, VerifyReportNamesSchemaAndProofFailures) {
  auto issued = issuance_->issue(
      {{"credentialSubject", {{"id", "did:example:dave"}, {"achievement", achievement_.id}}}}, "test");
  ASSERT_TRUE(Ok(issued));
  json credential = json::parse(issued->credential);
  credential["name"] = "Tampered";
  credential.erase("validFrom");
  auto report = verification_->verify_credential(credential);
  ASSERT_TRUE(Ok(report));
  EXPECT_FALSE((*report)["verified"].get<bool>());
  std::map<std::string, bool> passed;
  for (const auto& c : (*report)["checks"]) passed[c["check"].get<std::string>()] = c["passed"].get<bool>();
  EXPECT_FALSE(passed.at("proof"));
  EXPECT_FALSE(passed.at("schema"));
  EXPECT_FALSE(passed.at("validFrom"));
  EXPECT_TRUE(passed.at("status"));
}

INSTANTIATE_TEST_SUITE_P(Backends, IssuanceTest, ::testing::Values(Backend::sqlite, Backend::postgres),
                         store::testing::backend_name);

}  // namespace
}  // namespace bs::badges
