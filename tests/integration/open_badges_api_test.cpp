// The Open Badges 3.0 REST API (/ims/ob/v3p0) over real HTTP with access tokens from the
// authorization-code flow: status codes, Imsx_StatusInfo errors, WWW-Authenticate, paging headers,
// upsert rules, profile updates, the service description, and bad input (nothing invalid stored).
// Every OB response body is validated against the official 1EdTech schemas
// (third_party/openbadges/schema, via support/json_schema.hpp).
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "badges/credential_validation.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/jose.hpp"
#include "crypto/random.hpp"
#include "support/fixture.hpp"
#include "support/json_schema.hpp"
#include "support/oauth_helpers.hpp"

namespace bs::test {
namespace {

const std::string kRedirect = "https://wallet.example.org/cb";
const std::string kCredentialUpsert = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert";
const std::string kProfileUpdate = "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.update";
const std::string kAllObScopes =
    kCredentialRead + " " + kCredentialUpsert + " " + kProfileRead + " " + kProfileUpdate;
const std::string kIssuerId = "https://issuer.example.org/issuers/1";

nlohmann::json sample_credential(const std::string& id,
                                 const std::string& valid_from = "2024-01-01T00:00:00Z",
                                 const std::string& issuer_id = kIssuerId) {
  return {{"@context",
           {"https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"}},
          {"id", id},
          {"type", {"VerifiableCredential", "OpenBadgeCredential"}},
          {"issuer", {{"id", issuer_id}, {"type", {"Profile"}}, {"name", "Example University"}}},
          {"validFrom", valid_from},
          {"name", "Systems programming"},
          {"credentialSubject",
           {{"type", {"AchievementSubject"}},
            {"id", "did:example:learner"},
            {"achievement",
             {{"id", "https://issuer.example.org/achievements/1"},
              {"type", {"Achievement"}},
              {"name", "Systems programming"},
              {"description", "Wrote a server."},
              {"criteria", {{"narrative", "Ship it."}}}}}}}};
}

nlohmann::json with(nlohmann::json j, const std::string& key, nlohmann::json value) {
  j[key] = std::move(value);
  return j;
}

// Erases the member at a JSON pointer.
nlohmann::json without(nlohmann::json j, const std::string& pointer) {
  const auto p = nlohmann::json::json_pointer(pointer);
  j[p.parent_pointer()].erase(p.back());
  return j;
}

// Validates a body against an official schema file, listing every violation on failure.
void expect_schema(const std::string& file, const nlohmann::json& body) {
  static std::map<std::string, JsonSchema> schemas;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  auto it = schemas.find(file);
  if (it == schemas.end()) it = schemas.emplace(file, JsonSchema::open_badges(file)).first;
  const auto errors = it->second.errors(body);
  std::string all;
  for (const auto& e : errors) all += "\n  " + e;
  EXPECT_TRUE(errors.empty()) << file << ":" << all << "\n" << body.dump();
}

nlohmann::json payload_of(const std::string& compact) {
  const auto first = compact.find('.');
  const auto second = compact.find('.', first + 1);
  auto decoded = crypto::base64url_decode(compact.substr(first + 1, second - first - 1));
  return decoded ? nlohmann::json::parse(*decoded, nullptr, false) : nlohmann::json();
}

// OB 3.0 Imsx_StatusInfo (schema/imsx_statusinfo.json), exactly: no other members.
void expect_imsx(const HttpResponse& r, int status, const std::string& code_minor) {
  EXPECT_EQ(r.status, status) << r.body;
  expect_schema("imsx_statusinfo.json", r.json());
  EXPECT_TRUE(r.header("content-type").starts_with("application/json")) << r.header("content-type");
  auto j = r.json();
  ASSERT_TRUE(j.is_object()) << r.body;
  EXPECT_EQ(j.size(), 4u) << r.body;
  EXPECT_EQ(j["imsx_codeMajor"], "failure");
  EXPECT_EQ(j["imsx_severity"], "error");
  EXPECT_TRUE(j["imsx_description"].is_string());
  auto fields = j["imsx_codeMinor"]["imsx_codeMinorField"];
  ASSERT_TRUE(fields.is_array()) << r.body;
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].size(), 2u);
  EXPECT_EQ(fields[0]["imsx_codeMinorFieldName"], "TargetEndSystem");
  EXPECT_EQ(fields[0]["imsx_codeMinorFieldValue"], code_minor) << r.body;
}

// GetOpenBadgeCredentialsResponse: only `credential` (valid credentials) and `compactJwsString`.
void expect_credentials_response(const nlohmann::json& j) {
  expect_schema("getopenbadgecredentialsresponse.json", j);
  ASSERT_TRUE(j.is_object());
  for (const auto& [key, value] : j.items()) {
    EXPECT_TRUE(key == "credential" || key == "compactJwsString") << key;
    EXPECT_TRUE(value.is_array()) << key;
  }
  for (const auto& c : j.value("credential", nlohmann::json::array())) {
    EXPECT_TRUE(badges::validate_credential(c).has_value()) << c.dump();
  }
  for (const auto& s : j.value("compactJwsString", nlohmann::json::array())) {
    ASSERT_TRUE(s.is_string());
    expect_schema("achievementcredential.json", payload_of(s));
  }
}

std::string code_from(const std::string& redirect) {
  const auto at = redirect.find("code=");
  if (at == std::string::npos) return "";
  const auto end = redirect.find('&', at);
  return redirect.substr(at + 5, end == std::string::npos ? std::string::npos : end - at - 5);
}

class OpenBadgesApiTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    user = create_user("learner@example.org");
    session = login("learner@example.org");
    token = access_token(kAllObScopes);
    ASSERT_FALSE(token.empty());
  }

  // Dynamic registration, then authorize -> login -> consent -> code exchange with PKCE.
  std::string access_token(const std::string& scope) {
    auto reg = client().post_json("/oauth/register", {{"client_name", "Wallet"},
                                                      {"redirect_uris", {kRedirect}},
                                                      {"grant_types", {"authorization_code"}},
                                                      {"response_types", {"code"}},
                                                      {"token_endpoint_auth_method", "none"},
                                                      {"scope", scope}});
    EXPECT_EQ(reg.status, 201) << reg.body;
    const std::string client_id = reg.json().value("client_id", "");
    const std::string verifier = crypto::random_token(32);
    const std::string challenge = crypto::base64url_encode(crypto::sha256(verifier));
    auto a = client().get("/oauth/authorize?" + form_encode({{"response_type", "code"},
                                                             {"client_id", client_id},
                                                             {"redirect_uri", kRedirect},
                                                             {"scope", scope},
                                                             {"state", "s"},
                                                             {"code_challenge", challenge},
                                                             {"code_challenge_method", "S256"}}),
                          {{"Accept", "application/json"}});
    EXPECT_EQ(a.status, 200) << a.body;
    const std::string id = a.json().value("interaction_id", "");
    const Headers as_user = {{"Authorization", "Bearer " + session}, {"Accept", "application/json"}};
    auto l = client().post_json("/oauth/interactions/" + id + "/login", nlohmann::json::object(), as_user);
    EXPECT_EQ(l.status, 200) << l.body;
    auto d = client().post_json("/oauth/interactions/" + id + "/consent", {{"decision", "accept"}}, as_user);
    EXPECT_EQ(d.status, 200) << d.body;
    auto t = client().post_form("/oauth/token",
                                form_encode({{"grant_type", "authorization_code"},
                                             {"client_id", client_id},
                                             {"code", code_from(d.json().value("redirect_to", ""))},
                                             {"redirect_uri", kRedirect},
                                             {"code_verifier", verifier}}));
    EXPECT_EQ(t.status, 200) << t.body;
    return t.json().value("access_token", "");
  }

  Headers bearer(const std::string& t) const { return {{"Authorization", "Bearer " + t}}; }
  Headers auth() const { return bearer(token); }

  HttpResponse upsert(const nlohmann::json& credential, const std::string& with_token = "") {
    return client().post_json("/ims/ob/v3p0/credentials", credential,
                              bearer(with_token.empty() ? token : with_token));
  }
  HttpResponse upsert_jws(const std::string& compact) {
    Headers h = auth();
    h.emplace_back("Content-Type", "text/plain");
    return client().request("POST", "/ims/ob/v3p0/credentials", h, compact);
  }
  HttpResponse put_profile(const nlohmann::json& profile) {
    Headers h = auth();
    h.emplace_back("Content-Type", "application/json");
    return client().request("PUT", "/ims/ob/v3p0/profile", h, profile.dump());
  }
  nlohmann::json stored() {
    auto r = client().get("/ims/ob/v3p0/credentials", auth());
    EXPECT_EQ(r.status, 200) << r.body;
    expect_credentials_response(r.json());
    return r.json();
  }
  std::string profile_id() const {
    return server->base_url() + "/ims/ob/v3p0/profiles/" + user["id"].get<std::string>();
  }

  nlohmann::json user;
  std::string session;
  std::string token;
};

TEST_F(OpenBadgesApiTest, ServiceDescriptionIsTheProfiledOpenApiWithEtag) {
  auto r = client().get("/ims/ob/v3p0/discovery");  // public: no token
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = r.json();
  const std::string base = server->base_url();
  EXPECT_EQ(doc["openapi"], "3.0.1");
  EXPECT_EQ(doc["info"]["termsOfService"], base + "/terms");
  EXPECT_EQ(doc["info"]["x-imssf-privacyPolicyUrl"], base + "/privacy");
  EXPECT_EQ(doc["servers"][0]["url"], base + "/ims/ob/v3p0");
  auto scheme = doc["components"]["securitySchemes"]["OAuth2ACG"];
  EXPECT_EQ(scheme["x-imssf-registrationUrl"], base + "/oauth/register");
  auto flow = scheme["flows"]["authorizationCode"];
  EXPECT_EQ(flow["authorizationUrl"], base + "/oauth/authorize");
  EXPECT_EQ(flow["tokenUrl"], base + "/oauth/token");
  EXPECT_EQ(flow["refreshUrl"], base + "/oauth/token");
  for (const auto& s : {kCredentialRead, kCredentialUpsert, kProfileRead, kProfileUpdate})
    EXPECT_TRUE(flow["scopes"].contains(s)) << s;
  EXPECT_TRUE(doc["paths"].contains("/credentials"));

  const std::string etag = r.header("etag");
  ASSERT_TRUE(etag.size() > 2 && etag.front() == '"' && etag.back() == '"') << etag;
  EXPECT_TRUE(r.header("cache-control").starts_with("public")) << r.header("cache-control");
  for (const std::string& inm : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    auto again = client().get("/ims/ob/v3p0/discovery", {{"If-None-Match", inm}});
    EXPECT_EQ(again.status, 304) << inm;
    EXPECT_TRUE(again.body.empty());
    EXPECT_EQ(again.header("etag"), etag);
  }
  EXPECT_EQ(client().get("/ims/ob/v3p0/discovery", {{"If-None-Match", "\"stale\""}}).status, 200);
}

TEST_F(OpenBadgesApiTest, MissingOrBadTokensAreUnauthorizedWithBearerChallenge) {
  for (const std::string path : {"/ims/ob/v3p0/credentials", "/ims/ob/v3p0/profile"}) {
    auto none = client().get(path);
    expect_imsx(none, 401, "unauthorizedrequest");
    EXPECT_TRUE(none.header("www-authenticate").starts_with("Bearer")) << none.header("www-authenticate");

    auto bad = client().get(path, bearer(token.substr(0, token.size() - 4) + "AAAA"));
    expect_imsx(bad, 401, "unauthorizedrequest");
    EXPECT_NE(bad.header("www-authenticate").find("error=\"invalid_token\""), std::string::npos)
        << bad.header("www-authenticate");
  }
  expect_imsx(client().get("/ims/ob/v3p0/nothing-here"), 404, "not_found");
  expect_imsx(client().request("DELETE", "/ims/ob/v3p0/profile", auth()), 405, "not_allowed");
}

TEST_F(OpenBadgesApiTest, EachOperationNeedsItsScope) {
  const std::string read_only = access_token(kCredentialRead);
  ASSERT_FALSE(read_only.empty());
  auto r = upsert(sample_credential("urn:uuid:scope-1"), read_only);
  expect_imsx(r, 403, "forbidden");
  const std::string challenge = r.header("www-authenticate");
  EXPECT_NE(challenge.find("error=\"insufficient_scope\""), std::string::npos) << challenge;
  EXPECT_NE(challenge.find(kCredentialUpsert), std::string::npos) << challenge;
  expect_imsx(client().get("/ims/ob/v3p0/profile", bearer(read_only)), 403, "forbidden");
  Headers h = bearer(read_only);
  h.emplace_back("Content-Type", "application/json");
  expect_imsx(client().request("PUT", "/ims/ob/v3p0/profile", h, nlohmann::json{{"id", profile_id()}}.dump()),
              403, "forbidden");
  // The read-only token reads, and nothing was stored by the refused upsert.
  auto list = client().get("/ims/ob/v3p0/credentials", bearer(read_only));
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.header("x-total-count"), "0");
  // A session token (no OB scopes) is refused too.
  expect_imsx(client().get("/ims/ob/v3p0/credentials", bearer(session)), 403, "forbidden");

  // A token without the read scope cannot list (getCredentials starts on the network thread and
  // moves to a worker for the audit record of the denial), and each denial is audited once.
  const std::string upsert_only = access_token(kCredentialUpsert);
  ASSERT_FALSE(upsert_only.empty());
  auto denials = [&] {
    auto events = client().get("/api/v1/audit-events?limit=200&event=authorization.denied", admin());
    EXPECT_EQ(events.status, 200) << events.body;
    const nlohmann::json page = events.json();
    std::size_t n = 0;
    for (const auto& e : page["items"]) n += e.value("subject", "") == kCredentialRead ? 1 : 0;
    return n;
  };
  const std::size_t before = denials();
  auto refused = client().get("/ims/ob/v3p0/credentials", bearer(upsert_only));
  expect_imsx(refused, 403, "forbidden");
  EXPECT_NE(refused.header("www-authenticate").find(kCredentialRead), std::string::npos)
      << refused.header("www-authenticate");
  EXPECT_EQ(denials(), before + 1);
}

TEST_F(OpenBadgesApiTest, UpsertCreatesReplacesNewerAndKeepsNewest) {
  const auto first = sample_credential("urn:uuid:c-1", "2024-01-01T00:00:00Z");
  auto created = upsert(first);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_TRUE(created.header("content-type").starts_with("application/json"));
  EXPECT_EQ(created.json(), first);  // echoes the request's credential
  expect_schema("achievementcredential.json", created.json());

  auto same = upsert(first);
  EXPECT_EQ(same.status, 200) << same.body;
  EXPECT_EQ(same.json(), first);

  auto newer = sample_credential("urn:uuid:c-1", "2024-06-01T00:00:00Z");
  newer["name"] = "Systems programming, renewed";
  auto replaced = upsert(newer);
  EXPECT_EQ(replaced.status, 200) << replaced.body;
  auto older = sample_credential("urn:uuid:c-1", "2023-01-01T00:00:00Z");
  EXPECT_EQ(upsert(older).status, 200);

  auto list = stored();
  ASSERT_EQ(list["credential"].size(), 1u) << list.dump();
  EXPECT_EQ(list["credential"][0], newer);  // the newest validFrom won, stored exactly as given

  // Same credential id from another issuer is another credential.
  EXPECT_EQ(
      upsert(sample_credential("urn:uuid:c-1", "2024-01-01T00:00:00Z", "https://other.example.org/i")).status,
      201);
  EXPECT_EQ(stored()["credential"].size(), 2u);
}

TEST_F(OpenBadgesApiTest, PagingWithTotalCountAndLinks) {
  for (int i = 0; i < 5; ++i) {
    auto r = upsert(sample_credential("urn:uuid:p-" + std::to_string(i),
                                      "2024-01-0" + std::to_string(i + 1) + "T00:00:00Z"));
    ASSERT_EQ(r.status, 201) << r.body;
  }
  const std::string base = server->base_url() + "/ims/ob/v3p0/credentials";
  auto link = [&](const std::string& rel, int limit, int offset) {
    return "<" + base + "?limit=" + std::to_string(limit) + "&offset=" + std::to_string(offset) +
           ">; rel=\"" + rel + "\"";
  };

  auto p0 = client().get("/ims/ob/v3p0/credentials?limit=2", auth());
  ASSERT_EQ(p0.status, 200) << p0.body;
  expect_credentials_response(p0.json());
  EXPECT_EQ(p0.header("x-total-count"), "5");
  EXPECT_EQ(p0.json()["credential"].size(), 2u);
  EXPECT_EQ(p0.json()["credential"][0]["id"], "urn:uuid:p-0");  // validFrom order
  const std::string l0 = p0.header("link");
  EXPECT_NE(l0.find(link("next", 2, 2)), std::string::npos) << l0;
  EXPECT_NE(l0.find(link("first", 2, 0)), std::string::npos) << l0;
  EXPECT_NE(l0.find(link("last", 2, 4)), std::string::npos) << l0;
  EXPECT_EQ(l0.find("rel=\"prev\""), std::string::npos) << l0;

  auto p1 = client().get("/ims/ob/v3p0/credentials?limit=2&offset=2", auth());
  ASSERT_EQ(p1.status, 200);
  EXPECT_EQ(p1.json()["credential"][0]["id"], "urn:uuid:p-2");
  EXPECT_NE(p1.header("link").find(link("prev", 2, 0)), std::string::npos) << p1.header("link");
  EXPECT_NE(p1.header("link").find(link("next", 2, 4)), std::string::npos) << p1.header("link");

  auto p2 = client().get("/ims/ob/v3p0/credentials?limit=2&offset=4", auth());
  ASSERT_EQ(p2.status, 200);
  EXPECT_EQ(p2.json()["credential"].size(), 1u);
  EXPECT_EQ(p2.header("link").find("rel=\"next\""), std::string::npos) << p2.header("link");

  auto beyond = client().get("/ims/ob/v3p0/credentials?limit=2&offset=10", auth());
  ASSERT_EQ(beyond.status, 200);
  EXPECT_TRUE(beyond.json()["credential"].empty());
  EXPECT_EQ(beyond.header("x-total-count"), "5");

  // since: only credentials issued (validFrom) after the instant.
  auto since = client().get("/ims/ob/v3p0/credentials?since=2024-01-03T00:00:00Z", auth());
  ASSERT_EQ(since.status, 200);
  EXPECT_EQ(since.header("x-total-count"), "2");
  EXPECT_EQ(since.json()["credential"][0]["id"], "urn:uuid:p-3");

  for (const std::string q : {"limit=0", "limit=-1", "limit=abc", "limit=", "limit=1001", "offset=-1",
                              "offset=x", "since=yesterday", "since=2024-13-01T00:00:00Z"}) {
    expect_imsx(client().get("/ims/ob/v3p0/credentials?" + q, auth()), 400, "invalid_query_parameter");
  }
}

// On PostgreSQL the listing is read by the network thread through its pipelined connection
// (src/store/postgres_pipeline.cpp), counted by badgeserver_db_async_reads_total; SQLite reads it on
// an idle pooled connection and never uses that path.
TEST_F(OpenBadgesApiTest, ListingOnPostgresIsReadThroughTheNetworkThreadsPipeline) {
  auto async_reads = [&]() -> long {
    auto m = client().get("/metrics", admin());
    EXPECT_EQ(m.status, 200) << m.body;
    const std::string name = "\nbadgeserver_db_async_reads_total ";
    auto at = m.body.find(name);
    EXPECT_NE(at, std::string::npos) << m.body;
    return at == std::string::npos ? -1 : std::stol(m.body.substr(at + name.size()));
  };
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(upsert(sample_credential("urn:uuid:a-" + std::to_string(i),
                                       "2024-02-0" + std::to_string(i + 1) + "T00:00:00Z"))
                  .status,
              201);
  const long before = async_reads();
  const bool postgres = test_database_kind() == "postgres";
  // The first requests of each network thread go to a worker while its pipeline connects. Offset 3
  // is past the end: the total then takes a second statement, chained on the same pipeline.
  const std::size_t page_sizes[] = {2, 2, 1, 0};
  long reads = 0;
  for (int i = 0; i < (postgres ? 200 : 40) && (!postgres || reads < 20); ++i) {
    auto page = client().get("/ims/ob/v3p0/credentials?limit=2&offset=" + std::to_string(i % 4), auth());
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_EQ(page.header("x-total-count"), "3");
    EXPECT_EQ(page.json()["credential"].size(), page_sizes[i % 4]) << "offset " << i % 4;
    EXPECT_FALSE(page.header("x-request-id").empty());  // the pipeline's finishing steps ran
    EXPECT_EQ(page.header("cache-control"), "no-store");
    if (i % 10 == 9) reads = async_reads() - before;
  }
  reads = async_reads() - before;
  if (!postgres) {
    EXPECT_EQ(reads, 0);
  } else {
    EXPECT_GE(reads, 20);
  }
}

TEST_F(OpenBadgesApiTest, InvalidCredentialsAreRefusedAndNothingIsStored) {
  const auto good = sample_credential("urn:uuid:bad-1");
  // Each required member of AchievementCredential, AchievementSubject and Achievement missing in turn.
  for (const std::string pointer :
       {"/@context", "/id", "/type", "/credentialSubject", "/issuer", "/validFrom", "/issuer/id",
        "/issuer/type", "/credentialSubject/type", "/credentialSubject/achievement",
        "/credentialSubject/achievement/id", "/credentialSubject/achievement/type",
        "/credentialSubject/achievement/criteria", "/credentialSubject/achievement/description",
        "/credentialSubject/achievement/name"}) {
    auto r = upsert(without(good, pointer));
    expect_imsx(r, 422, "invalid_data");
    EXPECT_NE(r.json().value("imsx_description", "").find(pointer), std::string::npos)
        << pointer << ": " << r.json().value("imsx_description", "");
  }
  auto wrong = [&](const std::string& pointer, nlohmann::json value) {
    auto c = good;
    c[nlohmann::json::json_pointer(pointer)] = std::move(value);
    return c;
  };
  for (const auto& c :
       {wrong("/type", {"VerifiableCredential"}), wrong("/@context", {"https://example.org/ctx"}),
        wrong("/validFrom", "last tuesday"), wrong("/validUntil", "2024-01-01"),
        wrong("/credentialSubject/achievement/criteria", "text"), wrong("/id", 42),
        wrong("/credentialSubject/identifier", {{{"type", "IdentityObject"}}}),
        wrong("/image", {{"id", "https://x.example/i.png"}, {"type", "Image"}, {"extra", 1}})}) {
    expect_imsx(upsert(c), 422, "invalid_data");
  }
  expect_imsx(upsert(nlohmann::json::array()), 400, "invalid_query_parameter");  // not an object

  Headers h = auth();
  h.emplace_back("Content-Type", "application/json");
  expect_imsx(client().request("POST", "/ims/ob/v3p0/credentials", h, "{\"id\": "), 400,
              "invalid_query_parameter");
  Headers xml = auth();
  xml.emplace_back("Content-Type", "application/xml");
  expect_imsx(client().request("POST", "/ims/ob/v3p0/credentials", xml, good.dump()), 415, "invalid_data");

  // Larger than the body limit (1 MiB): 413 before the handler runs, still in the Imsx shape.
  auto huge = good;
  huge["description"] = std::string(1200 * 1024, 'x');
  expect_imsx(upsert(huge), 413, "invalid_data");

  EXPECT_TRUE(stored()["credential"].empty());
  EXPECT_EQ(upsert(good).status, 201);  // the same credential, valid, is accepted
}

TEST_F(OpenBadgesApiTest, CompactJwsUpsertVerifiesBeforeStoring) {
  auto key = crypto::Jwk::generate(crypto::JwsAlg::ES256);
  ASSERT_TRUE(key.has_value());
  auto credential = sample_credential("urn:uuid:jws-1");
  nlohmann::json payload = credential;
  payload["iss"] = kIssuerId;
  payload["jti"] = "urn:uuid:jws-1";
  payload["nbf"] = 1704067200;  // 2024-01-01T00:00:00Z
  payload["sub"] = "did:example:learner";
  const nlohmann::json header = {{"alg", "ES256"}, {"typ", "JWT"}, {"jwk", key->public_json()}};
  auto compact = crypto::sign_jws(header, payload.dump(), *key);
  ASSERT_TRUE(compact.has_value());

  // A tampered signature, a claim that disagrees with the credential, no resolvable key, not a JWS.
  std::string tampered = *compact;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  auto mismatched = payload;
  mismatched["jti"] = "urn:uuid:someone-else";
  auto mismatched_jws = crypto::sign_jws(header, mismatched.dump(), *key);
  auto no_key = crypto::sign_jws({{"alg", "ES256"}, {"typ", "JWT"}}, payload.dump(), *key);
  ASSERT_TRUE(mismatched_jws && no_key);
  for (const std::string& bad :
       {tampered, *mismatched_jws, *no_key, std::string("not a jws"), std::string("a.b")}) {
    expect_imsx(upsert_jws(bad), 422, "invalid_data");
  }
  EXPECT_EQ(stored()["compactJwsString"].size(), 0u);

  auto created = upsert_jws(*compact);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_TRUE(created.header("content-type").starts_with("text/plain")) << created.header("content-type");
  EXPECT_EQ(created.body, *compact);
  EXPECT_EQ(upsert_jws(*compact).status, 200);

  auto list = stored();
  ASSERT_EQ(list["compactJwsString"].size(), 1u);
  EXPECT_EQ(list["compactJwsString"][0], *compact);
  EXPECT_TRUE(list["credential"].empty());
}

TEST_F(OpenBadgesApiTest, RevokedTokenStopsWorkingWithinThePollInterval) {
  ASSERT_EQ(client().get("/ims/ob/v3p0/credentials", auth()).status, 200);
  const std::string jti = jwt_part(token, 1)["jti"];
  auto revoked = client().request("DELETE", "/api/v1/tokens/" + jti, admin());
  ASSERT_TRUE(revoked.status == 200 || revoked.status == 204) << revoked.body;
  // The deny list is refreshed every revocation_poll_interval (1 s); allow a few intervals.
  int status = 0;
  for (int i = 0; i < 40 && status != 401; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = client().get("/ims/ob/v3p0/credentials", auth()).status;
  }
  auto r = client().get("/ims/ob/v3p0/profile", auth());
  expect_imsx(r, 401, "unauthorizedrequest");
  EXPECT_NE(r.header("www-authenticate").find("error=\"invalid_token\""), std::string::npos);
}

TEST_F(OpenBadgesApiTest, ProfileReadAndUpdate) {
  auto r = client().get("/ims/ob/v3p0/profile", auth());
  ASSERT_EQ(r.status, 200) << r.body;
  auto profile = r.json();
  expect_schema("profile.json", profile);
  EXPECT_TRUE(badges::validate_profile(profile).has_value()) << r.body;
  EXPECT_EQ(profile["id"], profile_id());
  EXPECT_EQ(profile["type"], nlohmann::json({"Profile"}));
  EXPECT_EQ(profile["email"], "learner@example.org");

  nlohmann::json updated = {{"id", profile_id()},
                            {"type", {"Profile"}},
                            {"name", "Ada Learner"},
                            {"givenName", "Ada"},
                            {"dateOfBirth", "1990-12-10"},
                            {"image", {{"id", "https://wallet.example.org/ada.png"}, {"type", "Image"}}}};
  auto put = put_profile(updated);
  ASSERT_EQ(put.status, 200) << put.body;
  expect_schema("profile.json", put.json());
  EXPECT_EQ(put.json(), updated);
  EXPECT_EQ(client().get("/ims/ob/v3p0/profile", auth()).json(), updated);

  for (const auto& bad : {without(updated, "/type"), without(updated, "/id"),
                          with(updated, "id", "https://elsewhere.example.org/me"), with(updated, "name", 7),
                          with(updated, "type", {"Person"}), with(updated, "dateOfBirth", "10/12/1990"),
                          with(updated, "image", "https://wallet.example.org/ada.png")}) {
    expect_imsx(put_profile(bad), 422, "invalid_data");
  }
  Headers text = auth();
  text.emplace_back("Content-Type", "text/plain");
  expect_imsx(client().request("PUT", "/ims/ob/v3p0/profile", text, updated.dump()), 415, "invalid_data");
  EXPECT_EQ(client().get("/ims/ob/v3p0/profile", auth()).json(), updated);  // unchanged by the refusals
}

}  // namespace
}  // namespace bs::test
