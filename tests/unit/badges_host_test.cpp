// The Open Badges host domain: OB 3.0 schema rules (credential_validation), the per-user credential
// store's upsert and paging rules and profiles (on SQLite and PostgreSQL), and the profiled service
// description.
#include <gtest/gtest.h>

#include <thread>

#include "badges/credential_store.hpp"
#include "badges/credential_validation.hpp"
#include "badges/profiles.hpp"
#include "badges/service_description.hpp"
#include "store/repositories.hpp"
#include "store_fixture.hpp"
#include "support/json_schema.hpp"

namespace bs::badges {
namespace {

using nlohmann::json;
using store::testing::Backend;
using store::testing::backend_name;
using store::testing::FailsWith;
using store::testing::Ok;

json credential(const std::string& id = "urn:uuid:1", const std::string& valid_from = "2024-01-01T00:00:00Z",
                const std::string& issuer = "https://issuer.example.org/i/1") {
  return {{"@context",
           {"https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"}},
          {"id", id},
          {"type", {"VerifiableCredential", "OpenBadgeCredential"}},
          {"issuer", {{"id", issuer}, {"type", {"Profile"}}}},
          {"validFrom", valid_from},
          {"credentialSubject",
           {{"type", {"AchievementSubject"}},
            {"id", "did:example:1"},
            {"achievement",
             {{"id", "https://issuer.example.org/a/1"},
              {"type", {"Achievement"}},
              {"name", "A"},
              {"description", "D"},
              {"criteria", json::object()}}}}}};
}

// The description of the error validate_credential returns for c ("" when it passes).
std::string failure_of(const json& c) {
  auto st = validate_credential(c);
  if (st) return "";
  EXPECT_EQ(st.error().code, ErrorCode::invalid_data);
  return st.error().description;
}

TEST(BadgesHostValidation, AMinimalCredentialPasses) {
  EXPECT_EQ(failure_of(credential()), "");
  auto c = credential();
  c["type"] = {"VerifiableCredential", "AchievementCredential"};  // the type's other name
  c["issuer"] = "https://issuer.example.org/i/1";                 // a bare issuer URI
  c["@context"] = {"https://www.w3.org/ns/credentials/v2",
                   "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
                   json{{"ex", "https://example.org/"}}};
  c["validUntil"] = "2030-01-01T00:00:00+02:00";
  c["credentialSubject"].erase("id");
  c["credentialSubject"]["identifier"] = {{{"type", "IdentityObject"},
                                           {"hashed", true},
                                           {"identityHash", "sha256$ab"},
                                           {"identityType", "emailAddress"}}};
  EXPECT_EQ(failure_of(c), "");
  EXPECT_EQ(issuer_id_of(c), "https://issuer.example.org/i/1");
  EXPECT_EQ(issuer_id_of(credential()), "https://issuer.example.org/i/1");
}

TEST(BadgesHostValidation, EachRequiredMemberMissingIsNamed) {
  for (const std::string pointer :
       {"/@context", "/id", "/type", "/credentialSubject", "/issuer", "/validFrom", "/issuer/id",
        "/issuer/type", "/credentialSubject/type", "/credentialSubject/achievement",
        "/credentialSubject/achievement/id", "/credentialSubject/achievement/type",
        "/credentialSubject/achievement/criteria", "/credentialSubject/achievement/description",
        "/credentialSubject/achievement/name"}) {
    auto c = credential();
    const auto p = json::json_pointer(pointer);
    c[p.parent_pointer()].erase(p.back());
    EXPECT_EQ(failure_of(c), pointer + ": required");
  }
}

// The C++ rules and the official 1EdTech schema agree on the sample and on each missing member.
TEST(BadgesHostValidation, AgreesWithTheOfficialSchema) {
  const auto schema = test::JsonSchema::open_badges("achievementcredential.json");
  EXPECT_TRUE(schema.errors(credential()).empty());
  EXPECT_EQ(failure_of(credential()), "");
  for (const std::string pointer :
       {"/@context", "/id", "/type", "/credentialSubject", "/issuer/id", "/validFrom",
        "/credentialSubject/type", "/credentialSubject/achievement/criteria",
        "/credentialSubject/achievement/name"}) {
    auto c = credential();
    const auto p = json::json_pointer(pointer);
    c[p.parent_pointer()].erase(p.back());
    EXPECT_FALSE(schema.errors(c).empty()) << pointer;
    EXPECT_NE(failure_of(c), "") << pointer;
  }
  for (auto [pointer, value] : {std::pair<std::string, json>{"/type", {"VerifiableCredential"}},
                                {"/validFrom", "2024-01-01"},
                                {"/@context/1", "https://example.org/ctx.json"},
                                {"/image", {{"id", "x"}, {"type", "Image"}, {"alt", "?"}}}}) {
    auto c = credential();
    c[json::json_pointer(pointer)] = value;
    EXPECT_FALSE(schema.errors(c).empty()) << pointer;
    EXPECT_NE(failure_of(c), "") << pointer;
  }
  const auto imsx = test::JsonSchema::open_badges("imsx_statusinfo.json");
  EXPECT_TRUE(imsx.errors(json{{"imsx_codeMajor", "failure"}, {"imsx_severity", "error"}}).empty());
  EXPECT_FALSE(imsx.errors(json{{"imsx_codeMajor", "failed"}, {"imsx_severity", "error"}}).empty());
  EXPECT_FALSE(test::JsonSchema::open_badges("no-such-schema.json").errors(json::object()).empty());
}

TEST(BadgesHostValidation, WrongTypesAndValuesAreNamed) {
  auto with = [](const std::string& pointer, json value) {
    auto c = credential();
    c[json::json_pointer(pointer)] = std::move(value);
    return c;
  };
  EXPECT_EQ(failure_of(json::array()), "/: must be an object");
  EXPECT_EQ(failure_of(with("/@context", {"https://www.w3.org/ns/credentials/v2"})),
            "/@context: must be an array of at least two contexts");
  EXPECT_NE(failure_of(with("/@context/1", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.x.json")),
            "");
  EXPECT_NE(failure_of(with("/@context/0", "https://www.w3.org/2018/credentials/v1")), "");
  EXPECT_EQ(failure_of(with("/type", {"VerifiableCredential"})),
            "/type: must contain \"AchievementCredential\" or \"OpenBadgeCredential\"");
  EXPECT_EQ(failure_of(with("/type", "OpenBadgeCredential")), "/type: must be a non-empty array of strings");
  EXPECT_EQ(failure_of(with("/id", "")), "/id: must be a non-empty string");
  EXPECT_EQ(failure_of(with("/validFrom", "2024-01-01")),
            "/validFrom: must be an RFC 3339 date-time with a time zone");
  EXPECT_EQ(failure_of(with("/validFrom", "2024-01-01T00:00:00")),
            "/validFrom: must be an RFC 3339 date-time with a time zone");
  EXPECT_EQ(failure_of(with("/name", 3)), "/name: must be a string");
  EXPECT_EQ(failure_of(with("/credentialSubject/achievement/criteria", "x")),
            "/credentialSubject/achievement/criteria: must be an object");
  EXPECT_EQ(failure_of(with("/credentialSubject/achievement/tag", {"a", 1})),
            "/credentialSubject/achievement/tag/1: must be a string");
  EXPECT_EQ(failure_of(with("/image", {{"id", "https://x/i.png"}, {"type", "Image"}, {"alt", "?"}})),
            "/image/alt: is not allowed in an Image");
  EXPECT_EQ(failure_of(with("/credentialSubject/identifier", {{{"type", "IdentityObject"},
                                                               {"hashed", "yes"},
                                                               {"identityHash", "h"},
                                                               {"identityType", "name"}}})),
            "/credentialSubject/identifier/0/hashed: must be a boolean");
  EXPECT_EQ(failure_of(with("/credentialStatus", {{"type", "1EdTechRevocationList"}})),
            "/credentialStatus/id: required");
  EXPECT_EQ(failure_of(with("/issuer/type", {"Organization"})), "/issuer/type: must contain \"Profile\"");
  EXPECT_EQ(failure_of(with("/evidence", {{{"name", "e"}}})), "/evidence/0/type: required");
  EXPECT_EQ(failure_of(with("/termsOfUse", {{{"type", 1}}})), "/termsOfUse/0/type: must be a string");
  EXPECT_EQ(failure_of(with("/refreshService", {{"type", "x"}})), "/refreshService/id: required");
  EXPECT_EQ(failure_of(with("/endorsement", {{{"id", "urn:e"}}})), "/endorsement/0/@context: required");
  EXPECT_EQ(failure_of(with("/credentialSubject/result", {{{"value", "A"}}})),
            "/credentialSubject/result/0/type: required");
  EXPECT_EQ(failure_of(with("/evidence", {{{"type", {"Evidence"}}, {"narrative", "n"}}})), "");
}

TEST(BadgesHostValidation, Profiles) {
  json p = {{"id", "https://example.org/p/1"}, {"type", {"Profile"}}};
  EXPECT_TRUE(validate_profile(p).has_value());
  p["dateOfBirth"] = "1990-02-28";
  p["address"] = {{"type", {"Address"}}, {"addressLocality", "Paris"}};
  p["parentOrg"] = {{"id", "https://example.org/org"}, {"type", {"Profile"}}};
  EXPECT_TRUE(validate_profile(p).has_value());
  auto fails = [&](const std::string& key, json value) {
    json q = p;
    q[key] = std::move(value);
    auto st = validate_profile(q);
    return st ? std::string() : st.error().description;
  };
  EXPECT_EQ(fails("dateOfBirth", "28/02/1990"), "/dateOfBirth: must be a date (YYYY-MM-DD)");
  EXPECT_EQ(fails("email", 5), "/email: must be a string");
  EXPECT_EQ(fails("type", {"Person"}), "/type: must contain \"Profile\"");
  EXPECT_EQ(fails("parentOrg", {{"id", "x"}}), "/parentOrg/type: required");
  EXPECT_EQ(fails("address", {{"addressLocality", "Paris"}}), "/address/type: required");
  EXPECT_FALSE(validate_profile(json{{"type", {"Profile"}}}).has_value());
  EXPECT_FALSE(validate_profile(json("profile")).has_value());
}

TEST(BadgesHostServiceDescription, ProfiledDocumentAndEtag) {
  auto d = ServiceDescription::create({"https://badges.example.org", "https://badges.example.org/tos",
                                       "https://badges.example.org/privacy", "Example"});
  ASSERT_TRUE(d.has_value());
  const auto& doc = d->document();
  EXPECT_EQ(doc["info"]["termsOfService"], "https://badges.example.org/tos");
  EXPECT_EQ(doc["info"]["x-imssf-privacyPolicyUrl"], "https://badges.example.org/privacy");
  const auto& acg = doc["components"]["securitySchemes"]["OAuth2ACG"];
  EXPECT_EQ(acg["x-imssf-registrationUrl"], "https://badges.example.org/oauth/register");
  EXPECT_EQ(acg["x-imssf-name"], "Example");
  EXPECT_EQ(acg["flows"]["authorizationCode"]["authorizationUrl"],
            "https://badges.example.org/oauth/authorize");
  EXPECT_EQ(acg["flows"]["authorizationCode"]["tokenUrl"], "https://badges.example.org/oauth/token");
  EXPECT_EQ(acg["flows"]["authorizationCode"]["refreshUrl"], "https://badges.example.org/oauth/token");
  EXPECT_EQ(acg["flows"]["authorizationCode"]["scopes"].size(), 4u);
  EXPECT_EQ(doc["servers"][0]["url"], "https://badges.example.org/ims/ob/v3p0");
  EXPECT_EQ(json::parse(d->body()), doc);

  const std::string etag = d->etag();
  EXPECT_TRUE(d->matches(etag));
  EXPECT_TRUE(d->matches("W/" + etag));
  EXPECT_TRUE(d->matches("\"a\", " + etag + ", \"b\""));
  EXPECT_TRUE(d->matches("*"));
  EXPECT_FALSE(d->matches("\"a\""));
  EXPECT_FALSE(d->matches(""));
  // Another configuration is another representation.
  auto other = ServiceDescription::create({"https://other.example.org", "t", "p", ""});
  ASSERT_TRUE(other.has_value());
  EXPECT_NE(other->etag(), etag);
  EXPECT_FALSE(other->document()["components"]["securitySchemes"]["OAuth2ACG"].contains("x-imssf-name"));
}

class BadgesHostStoreTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(Ok(store::migrate(db())));
    for (const char* id : {"usr_a", "usr_b"}) {
      store::User u;
      u.id = id;
      u.email = std::string(id) + "@example.org";
      u.name = std::string("User ") + id;
      u.password_hash = "x";
      ASSERT_TRUE(Ok(store::insert_user(db(), u)));
    }
  }
};

TEST_P(BadgesHostStoreTest, UpsertCreatesReplacesOnlyNewer) {
  CredentialStore credentials(db());
  auto created = credentials.upsert("usr_a", credential("urn:1", "2024-01-01T00:00:00Z"), std::nullopt);
  ASSERT_TRUE(Ok(created));
  EXPECT_EQ(*created, UpsertOutcome::created);
  auto same = credentials.upsert("usr_a", credential("urn:1", "2024-01-01T00:00:00Z"), std::nullopt);
  ASSERT_TRUE(Ok(same));
  EXPECT_EQ(*same, UpsertOutcome::unchanged);
  auto newer = credentials.upsert("usr_a", credential("urn:1", "2024-03-01T10:00:00+01:00"), "a.b.c");
  ASSERT_TRUE(Ok(newer));
  EXPECT_EQ(*newer, UpsertOutcome::replaced);
  auto older = credentials.upsert("usr_a", credential("urn:1", "2023-01-01T00:00:00Z"), std::nullopt);
  ASSERT_TRUE(Ok(older));
  EXPECT_EQ(*older, UpsertOutcome::unchanged);

  auto found = credentials.find("usr_a", "https://issuer.example.org/i/1", "urn:1");
  ASSERT_TRUE(Ok(found));
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->credential["validFrom"], "2024-03-01T10:00:00+01:00");
  EXPECT_EQ((*found)->compact_jws, "a.b.c");
  EXPECT_EQ((*found)->valid_from, 1709283600);

  // Keyed per owner and per issuer.
  EXPECT_EQ(*credentials.upsert("usr_b", credential("urn:1"), std::nullopt), UpsertOutcome::created);
  EXPECT_EQ(
      *credentials.upsert("usr_a", credential("urn:1", "2024-01-01T00:00:00Z", "https://other.example.org"),
                          std::nullopt),
      UpsertOutcome::created);
  auto list = credentials.list("usr_a", {});
  ASSERT_TRUE(Ok(list));
  EXPECT_EQ(list->total, 2);
}

TEST_P(BadgesHostStoreTest, InvalidCredentialsAreNotStored) {
  CredentialStore credentials(db());
  auto c = credential();
  c.erase("validFrom");
  EXPECT_TRUE(FailsWith(credentials.upsert("usr_a", c, std::nullopt), ErrorCode::invalid_data));
  auto list = credentials.list("usr_a", {});
  ASSERT_TRUE(Ok(list));
  EXPECT_EQ(list->total, 0);
}

TEST_P(BadgesHostStoreTest, PagingAndSince) {
  CredentialStore credentials(db());
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(Ok(credentials.upsert(
        "usr_a", credential("urn:" + std::to_string(i), "2024-01-0" + std::to_string(i + 1) + "T00:00:00Z"),
        std::nullopt)));
  }
  auto page = credentials.list("usr_a", {.limit = 3, .offset = 3});
  ASSERT_TRUE(Ok(page));
  EXPECT_EQ(page->total, 7);
  ASSERT_EQ(page->items.size(), 3u);
  EXPECT_EQ(page->items[0].credential_id, "urn:3");
  EXPECT_EQ(page->items[2].credential_id, "urn:5");
  auto tail = credentials.list("usr_a", {.limit = 3, .offset = 6});
  ASSERT_TRUE(Ok(tail));
  EXPECT_EQ(tail->items.size(), 1u);
  auto past = credentials.list("usr_a", {.limit = 3, .offset = 70});
  ASSERT_TRUE(Ok(past));
  EXPECT_TRUE(past->items.empty());
  EXPECT_EQ(past->total, 7);
  // since: strictly after 2024-01-05T00:00:00Z -> urn:5, urn:6.
  auto since = credentials.list("usr_a", {.limit = 10, .offset = 0, .since = 1704412800});
  ASSERT_TRUE(Ok(since));
  EXPECT_EQ(since->total, 2);
  ASSERT_EQ(since->items.size(), 2u);
  EXPECT_EQ(since->items[0].credential_id, "urn:5");
  auto other = credentials.list("usr_b", {});
  ASSERT_TRUE(Ok(other));
  EXPECT_EQ(other->total, 0);

  EXPECT_TRUE(FailsWith(credentials.list("usr_a", {.limit = 0}), ErrorCode::invalid_request));
  EXPECT_TRUE(FailsWith(credentials.list("usr_a", {.limit = kMaxCredentialPageLimit + 1}),
                        ErrorCode::invalid_request));
  EXPECT_TRUE(FailsWith(credentials.list("usr_a", {.limit = 1, .offset = -1}), ErrorCode::invalid_request));
}

TEST_P(BadgesHostStoreTest, ConcurrentUpsertsOfOneCredentialCreateItOnce) {
  CredentialStore credentials(db());
  std::unique_ptr<store::Database> other = open_another();
  ASSERT_TRUE(other);
  CredentialStore second(*other);
  std::atomic<int> created{0};
  std::atomic<int> failed{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < 6; ++t) {
    pool.emplace_back([&, t] {
      while (!go) std::this_thread::yield();
      auto r = (t % 2 ? second : credentials).upsert("usr_a", credential("urn:race"), std::nullopt);
      if (!r) {
        ++failed;
      } else if (*r == UpsertOutcome::created) {
        ++created;
      }
    });
  }
  go = true;
  for (auto& t : pool) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(created.load(), 1);
}

TEST_P(BadgesHostStoreTest, ProfilesDefaultFromTheAccountAndUpdate) {
  ProfileService profiles(db(), "https://badges.example.org/");
  EXPECT_EQ(profiles.profile_id_of_user("usr_a"), "https://badges.example.org/ims/ob/v3p0/profiles/usr_a");
  auto p = profiles.profile_of_user("usr_a");
  ASSERT_TRUE(Ok(p));
  EXPECT_EQ((*p)["id"], "https://badges.example.org/ims/ob/v3p0/profiles/usr_a");
  EXPECT_EQ((*p)["type"], json({"Profile"}));
  EXPECT_EQ((*p)["name"], "User usr_a");
  EXPECT_EQ((*p)["email"], "usr_a@example.org");
  EXPECT_TRUE(validate_profile(*p).has_value());
  EXPECT_TRUE(FailsWith(profiles.profile_of_user("usr_nobody"), ErrorCode::not_found));

  auto user = profiles.user_of_profile_id("https://badges.example.org/ims/ob/v3p0/profiles/usr_b");
  ASSERT_TRUE(Ok(user));
  EXPECT_EQ(*user, "usr_b");
  for (const char* id : {"https://badges.example.org/ims/ob/v3p0/profiles/usr_nobody",
                         "https://elsewhere.example.org/ims/ob/v3p0/profiles/usr_b",
                         "https://badges.example.org/ims/ob/v3p0/profiles/", "usr_b"}) {
    auto none = profiles.user_of_profile_id(id);
    ASSERT_TRUE(Ok(none));
    EXPECT_FALSE(none->has_value()) << id;
  }

  json updated = {{"id", profiles.profile_id_of_user("usr_a")}, {"type", {"Profile"}}, {"name", "Ada"}};
  auto stored = profiles.update_profile("usr_a", updated);
  ASSERT_TRUE(Ok(stored));
  EXPECT_EQ(*stored, updated);
  EXPECT_EQ(*profiles.profile_of_user("usr_a"), updated);
  // Another user's id, or invalid data: refused, nothing changes.
  EXPECT_TRUE(FailsWith(profiles.update_profile("usr_b", updated), ErrorCode::invalid_data));
  EXPECT_TRUE(FailsWith(profiles.update_profile("usr_a", json{{"id", updated["id"]}, {"type", "Profile"}}),
                        ErrorCode::invalid_data));
  EXPECT_EQ(*profiles.profile_of_user("usr_a"), updated);
  EXPECT_EQ((*profiles.profile_of_user("usr_b"))["name"], "User usr_b");
}

INSTANTIATE_TEST_SUITE_P(Backends, BadgesHostStoreTest, ::testing::Values(Backend::sqlite, Backend::postgres),
                         backend_name);

}  // namespace
}  // namespace bs::badges
