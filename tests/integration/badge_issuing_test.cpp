// The Open Badges issuer API over real HTTP: issuers, achievements, issuing VC-JWT credentials,
// delivery to the recipient's store, key dereferencing, verification reports, revocation, and the
// bad inputs (each stores nothing).
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/jose.hpp"
#include "crypto/random.hpp"
#include "support/fixture.hpp"
#include "support/json_schema.hpp"
#include "support/oauth_helpers.hpp"

namespace bs::test {
namespace {

using nlohmann::json;

const std::string kRedirect = "https://wallet.example/callback";

std::map<std::string, std::string> query_of(const std::string& url) {
  std::map<std::string, std::string> out;
  const auto q = url.find('?');
  if (q == std::string::npos) return out;
  std::string rest = url.substr(q + 1);
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    auto amp = rest.find('&', pos);
    if (amp == std::string::npos) amp = rest.size();
    const auto pair = rest.substr(pos, amp - pos);
    const auto eq = pair.find('=');
    if (eq != std::string::npos) out[pair.substr(0, eq)] = pair.substr(eq + 1);
    pos = amp + 1;
  }
  return out;
}

// Every violation of an official OB 3.0 schema (third_party/openbadges/schema/<file>), one per line.
std::string schema_errors(const std::string& file, const json& instance) {
  std::string out;
  for (const auto& e : JsonSchema::open_badges(file).errors(instance)) out += e + "\n";
  return out;
}

std::string path_of(const std::string& url) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

class BadgeIssuingTest : public ServerTest {
 protected:
  Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

  json create_issuer(const std::string& name = "Example University") {
    auto r = client().post_json("/api/v1/issuers",
                                {{"name", name},
                                 {"url", "https://university.example"},
                                 {"email", "badges@university.example"},
                                 {"description", "Issues badges"},
                                 {"image", "https://university.example/logo.png"}},
                                admin());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }

  json create_achievement(const json& issuer) {
    auto r = client().post_json("/api/v1/achievements",
                                {{"issuer", issuer["id"]},
                                 {"name", "Systems Programming"},
                                 {"description", "Built an operating system kernel"},
                                 {"criteria", {{"narrative", "Pass the kernel project"}}},
                                 {"image", "https://university.example/badges/sys.png"},
                                 {"tags", {"programming", "systems"}},
                                 {"alignment",
                                  {{{"targetName", "Operating systems"},
                                    {"targetUrl", "https://framework.example/os"},
                                    {"targetFramework", "CS2023"}}}}},
                                admin());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }

  HttpResponse issue(const json& body) { return client().post_json("/api/v1/credentials", body, admin()); }

  HttpResponse verify_text(const std::string& compact) {
    return client().request("POST", "/api/v1/credentials/verify",
                            {{"X-API-Key", admin_key}, {"Content-Type", "text/plain"}}, compact);
  }

  static std::map<std::string, bool> checks_of(const json& report) {
    std::map<std::string, bool> out;
    for (const auto& c : report["checks"]) out[c["check"].get<std::string>()] = c["passed"].get<bool>();
    return out;
  }

  std::size_t issued_count() {
    auto r = client().get("/api/v1/credentials", admin());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["items"].size();
  }

  // Authorization code + PKCE for a user through the interaction API; returns the access token.
  std::string user_access_token(const std::string& session, const std::string& scope) {
    auto reg = client().post_json("/oauth/register", {{"client_name", "Wallet"},
                                                      {"redirect_uris", {kRedirect}},
                                                      {"grant_types", {"authorization_code"}},
                                                      {"response_types", {"code"}},
                                                      {"token_endpoint_auth_method", "none"},
                                                      {"scope", scope}});
    EXPECT_EQ(reg.status, 201) << reg.body;
    const std::string client_id = reg.json()["client_id"];
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
    auto l = client().post_json("/oauth/interactions/" + id + "/login", json::object(), as_user);
    EXPECT_EQ(l.status, 200) << l.body;
    auto d = client().post_json("/oauth/interactions/" + id + "/consent", {{"decision", "accept"}}, as_user);
    EXPECT_EQ(d.status, 200) << d.body;
    const std::string code = query_of(d.json().value("redirect_to", ""))["code"];
    auto t = client().post_form("/oauth/token", form_encode({{"grant_type", "authorization_code"},
                                                             {"client_id", client_id},
                                                             {"code", code},
                                                             {"redirect_uri", kRedirect},
                                                             {"code_verifier", verifier}}));
    EXPECT_EQ(t.status, 200) << t.body;
    return t.json().value("access_token", "");
  }
};

TEST_F(BadgeIssuingTest, IssuersAndAchievementsAreObObjectsAndDereference) {
  const json issuer = create_issuer();
  EXPECT_EQ(issuer["type"], json({"Profile"}));
  EXPECT_EQ(issuer["name"], "Example University");
  EXPECT_EQ(issuer["image"], json({{"id", "https://university.example/logo.png"}, {"type", "Image"}}));
  const std::string issuer_url = issuer["id"];
  ASSERT_TRUE(issuer_url.starts_with(server->base_url() + "/issuers/iss_")) << issuer_url;
  const std::string issuer_id = issuer_url.substr(issuer_url.rfind('/') + 1);

  auto pub = client().get(path_of(issuer_url));
  ASSERT_EQ(pub.status, 200) << pub.body;
  EXPECT_EQ(pub.json(), issuer);
  auto by_id = client().get("/api/v1/issuers/" + issuer_id, admin());
  ASSERT_EQ(by_id.status, 200);
  EXPECT_EQ(by_id.json(), issuer);
  auto list = client().get("/api/v1/issuers", admin());
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json()["items"].size(), 1u);
  EXPECT_EQ(list.json()["items"][0], issuer);

  const json achievement = create_achievement(issuer);
  EXPECT_EQ(achievement["type"], json({"Achievement"}));
  EXPECT_EQ(achievement["criteria"]["narrative"], "Pass the kernel project");
  EXPECT_EQ(achievement["tag"], json({"programming", "systems"}));
  EXPECT_EQ(achievement["alignment"][0]["type"], json({"Alignment"}));
  EXPECT_EQ(achievement["creator"], issuer);
  auto ach_pub = client().get(path_of(achievement["id"]));
  ASSERT_EQ(ach_pub.status, 200);
  EXPECT_EQ(ach_pub.json(), achievement);
  const std::string achievement_url = achievement["id"];
  auto ach_by_id =
      client().get("/api/v1/achievements/" + achievement_url.substr(achievement_url.rfind('/') + 1), admin());
  ASSERT_EQ(ach_by_id.status, 200) << ach_by_id.body;
  EXPECT_EQ(ach_by_id.json(), achievement);
  EXPECT_EQ(client().get("/api/v1/achievements/ach_unknown", admin()).status, 404);
  EXPECT_EQ(client().get("/api/v1/issuers/iss_unknown", admin()).status, 404);
  EXPECT_EQ(client().get("/api/v1/credentials/crd_unknown", admin()).status, 404);
  EXPECT_EQ(client().get("/issuers/iss_unknown").status, 404);
  EXPECT_EQ(client().get("/achievements/ach_unknown").status, 404);
  EXPECT_EQ(client().get("/api/v1/achievements?issuer=iss_unknown", admin()).status, 404);
  auto filtered = client().get("/api/v1/achievements?issuer=" + issuer_id, admin());
  ASSERT_EQ(filtered.status, 200) << filtered.body;
  EXPECT_EQ(filtered.json()["items"].size(), 1u);

  // With exactly one issuer, "issuer" may be left out.
  auto implicit = client().post_json(
      "/api/v1/achievements",
      {{"name", "Second"}, {"description", "Another"}, {"criteria", {{"narrative", "Do it"}}}}, admin());
  ASSERT_EQ(implicit.status, 201) << implicit.body;
  EXPECT_EQ(implicit.json()["creator"]["id"], issuer_url);
}

TEST_F(BadgeIssuingTest, IssuesVcJwtDeliversAndVerifies) {
  const json alice = create_user("alice@example.org");
  const std::string session = login("alice@example.org");
  const json issuer = create_issuer();
  const json achievement = create_achievement(issuer);
  const std::string profile_id =
      server->base_url() + "/ims/ob/v3p0/profiles/" + alice["id"].get<std::string>();

  auto r = issue({{"issuer", issuer["id"]},
                  {"credentialSubject", {{"id", profile_id}, {"achievement", achievement["id"]}}},
                  {"validUntil", "2099-12-31T00:00:00Z"}});
  ASSERT_EQ(r.status, 201) << r.body;
  const json issued = r.json();
  const json credential = issued["credential"];
  const std::string compact = issued["compact_jws"];
  EXPECT_TRUE(issued["id"].get<std::string>().starts_with("crd_"));
  EXPECT_EQ(issued["delivered_to"], alice["id"]);
  EXPECT_EQ(credential["@context"], json({"https://www.w3.org/ns/credentials/v2",
                                          "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"}));
  EXPECT_EQ(credential["type"], json({"VerifiableCredential", "OpenBadgeCredential"}));
  EXPECT_EQ(credential["issuer"]["id"], issuer["id"]);
  EXPECT_EQ(credential["credentialSubject"]["type"], json({"AchievementSubject"}));
  EXPECT_EQ(credential["credentialSubject"]["achievement"], achievement);
  EXPECT_EQ(credential["credentialStatus"]["type"], "1EdTechRevocationList");
  EXPECT_EQ(schema_errors("achievementcredential.json", credential), "");
  EXPECT_EQ(schema_errors("profile.json", issuer), "");

  // VC-JWT: RS256, a URL kid that dereferences to the JWK, listed under that kid in the JWKS.
  const json header = jwt_part(compact, 0);
  const json payload = jwt_part(compact, 1);
  EXPECT_EQ(header["alg"], "RS256");
  EXPECT_EQ(header["typ"], "JWT");
  const std::string kid = header["kid"];
  ASSERT_TRUE(kid.starts_with(server->base_url() + "/keys/")) << kid;
  EXPECT_FALSE(payload.contains("vc"));
  EXPECT_EQ(payload["iss"], issuer["id"]);
  EXPECT_EQ(payload["jti"], credential["id"]);
  EXPECT_EQ(payload["sub"], profile_id);
  EXPECT_TRUE(payload["nbf"].is_number_integer());
  EXPECT_TRUE(payload["exp"].is_number_integer());
  EXPECT_EQ(schema_errors("achievementcredential.json", payload), "");
  auto key = client().get(path_of(kid));
  ASSERT_EQ(key.status, 200) << key.body;
  EXPECT_EQ(key.header("content-type"), "application/jwk+json");
  EXPECT_EQ(key.json()["kid"], kid);
  EXPECT_FALSE(key.json().contains("d"));
  auto jwks = client().get("/.well-known/jwks.json").json();
  bool in_jwks = false;
  for (const auto& k : jwks["keys"]) in_jwks = in_jwks || (k["kid"] == kid && k["n"] == key.json()["n"]);
  EXPECT_TRUE(in_jwks);
  // The published JWK really verifies the credential.
  auto jwk = crypto::Jwk::from_json(key.json());
  ASSERT_TRUE(jwk.has_value());
  auto decoded = crypto::decode_jws(compact, 1 << 20);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_TRUE(crypto::verify_jws(*decoded, *jwk).has_value());

  auto report = verify_text(compact);
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_TRUE(report.json()["verified"].get<bool>()) << report.body;
  EXPECT_EQ(report.json()["credential"], credential);
  auto as_json = client().post_json("/api/v1/credentials/verify", {{"compact_jws", compact}}, admin());
  ASSERT_EQ(as_json.status, 200);
  EXPECT_TRUE(as_json.json()["verified"].get<bool>());
  auto plain = client().post_json("/api/v1/credentials/verify", {{"credential", credential}}, admin());
  ASSERT_EQ(plain.status, 200);
  EXPECT_TRUE(plain.json()["verified"].get<bool>()) << plain.body;

  auto got = client().get("/api/v1/credentials/" + issued["id"].get<std::string>(), admin());
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json()["compact_jws"], compact);
  EXPECT_EQ(issued_count(), 1u);

  // Delivered: the recipient reads it from the OB 3.0 API with their own token.
  const std::string token = user_access_token(session, kCredentialRead);
  auto mine = client().get("/ims/ob/v3p0/credentials", bearer(token));
  ASSERT_EQ(mine.status, 200) << mine.body;
  ASSERT_TRUE(mine.json().contains("compactJwsString")) << mine.body;
  ASSERT_EQ(mine.json()["compactJwsString"].size(), 1u);
  EXPECT_EQ(mine.json()["compactJwsString"][0], compact);
}

TEST_F(BadgeIssuingTest, HashedIdentifierCredentialIsSchemaValid) {
  const json issuer = create_issuer();
  const json achievement = create_achievement(issuer);
  auto r = issue({{"credentialSubject",
                   {{"identifier", {{"identityType", "emailAddress"}, {"identity", "frank@example.org"}}},
                    {"achievement", achievement["id"]}}},
                  {"validFrom", "2025-06-01T12:00:00Z"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body.find("frank@example.org"), std::string::npos);
  const json credential = r.json()["credential"];
  EXPECT_EQ(credential["validFrom"], "2025-06-01T12:00:00Z");
  EXPECT_FALSE(credential["credentialSubject"].contains("id"));
  const json identity = credential["credentialSubject"]["identifier"][0];
  const std::string salt = identity["salt"];
  EXPECT_EQ(identity["identityHash"],
            "sha256$" + crypto::hex_encode(crypto::sha256("frank@example.org" + salt)));
  EXPECT_EQ(schema_errors("achievementcredential.json", credential), "");
  EXPECT_FALSE(jwt_part(r.json()["compact_jws"], 1).contains("sub"));
  EXPECT_TRUE(verify_text(r.json()["compact_jws"]).json()["verified"].get<bool>());
}

TEST_F(BadgeIssuingTest, RevocationIsPublishedAndVerificationSaysSo) {
  const json issuer = create_issuer();
  const json achievement = create_achievement(issuer);
  auto r = issue({{"credentialSubject", {{"id", "did:example:bob"}, {"achievement", achievement["id"]}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  const json issued = r.json();
  const std::string list_url = issued["credential"]["credentialStatus"]["id"];

  auto before = client().get(path_of(list_url));
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(before.json()["id"], list_url);
  EXPECT_EQ(before.json()["issuer"], issuer["id"]);
  EXPECT_TRUE(before.json()["revokedCredentials"].empty());

  const std::string revoke = "/api/v1/credentials/" + issued["id"].get<std::string>() + "/revoke";
  auto rv = client().post_json(revoke, {{"reason", "awarded in error"}}, admin());
  ASSERT_EQ(rv.status, 200) << rv.body;
  EXPECT_TRUE(rv.json()["revoked_at"].is_string());
  EXPECT_EQ(client().post_json(revoke, json::object(), admin()).status, 409);
  EXPECT_EQ(client().post_json("/api/v1/credentials/crd_nope/revoke", json::object(), admin()).status, 404);

  auto after = client().get(path_of(list_url)).json();
  ASSERT_EQ(after["revokedCredentials"].size(), 1u);
  EXPECT_EQ(after["revokedCredentials"][0]["id"], issued["credential"]["id"]);
  EXPECT_EQ(after["revokedCredentials"][0]["revocationReason"], "awarded in error");

  auto report = verify_text(issued["compact_jws"]);
  ASSERT_EQ(report.status, 200);
  EXPECT_FALSE(report.json()["verified"].get<bool>());
  auto checks = checks_of(report.json());
  EXPECT_FALSE(checks.at("status"));
  EXPECT_TRUE(checks.at("signature"));
}

TEST_F(BadgeIssuingTest, VerifyReportNamesWhatFailed) {
  const json issuer = create_issuer();
  const json achievement = create_achievement(issuer);
  auto r = issue({{"credentialSubject", {{"id", "did:example:carol"}, {"achievement", achievement["id"]}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string compact = r.json()["compact_jws"];

  // A flipped signature byte. Not the last character: its low bits are padding, which a strict
  // base64url decoder refuses (a format failure, not a signature one) or ignores.
  std::string tampered = compact;
  char& flipped = tampered[tampered.size() - 10];
  flipped = flipped == 'A' ? 'B' : 'A';
  auto bad_sig = verify_text(tampered);
  ASSERT_EQ(bad_sig.status, 200);
  EXPECT_FALSE(bad_sig.json()["verified"].get<bool>());
  EXPECT_FALSE(checks_of(bad_sig.json()).at("signature"));

  // Correctly signed (embedded key) but iss does not equal issuer.id, and a schema field is missing.
  auto key = crypto::Jwk::generate(crypto::JwsAlg::ES256);
  ASSERT_TRUE(key.has_value());
  json payload = jwt_part(compact, 1);
  payload["iss"] = "https://impostor.example";
  payload["credentialSubject"].erase("type");
  auto forged =
      crypto::sign_jws({{"alg", "ES256"}, {"typ", "JWT"}, {"jwk", key->public_json()}}, payload.dump(), *key);
  ASSERT_TRUE(forged.has_value());
  auto mismatch = verify_text(*forged);
  ASSERT_EQ(mismatch.status, 200);
  auto checks = checks_of(mismatch.json());
  EXPECT_TRUE(checks.at("signature"));
  EXPECT_FALSE(checks.at("iss"));
  EXPECT_TRUE(checks.at("jti"));
  EXPECT_FALSE(checks.at("schema"));
  EXPECT_EQ(mismatch.json()["key_source"], "embedded_jwk");

  // Unknown kid, not a JWS at all, and an unsigned JSON credential.
  auto unknown =
      crypto::sign_jws({{"alg", "ES256"}, {"kid", server->base_url() + "/keys/nope"}}, payload.dump(), *key);
  EXPECT_FALSE(checks_of(verify_text(*unknown).json()).at("key"));
  auto garbage = verify_text("not.a.jws");
  ASSERT_EQ(garbage.status, 200);
  EXPECT_FALSE(checks_of(garbage.json()).at("format"));
  json unsigned_credential = r.json()["credential"];
  unsigned_credential["name"] = "Changed";
  auto unsigned_report = client().post_json("/api/v1/credentials/verify", unsigned_credential, admin());
  ASSERT_EQ(unsigned_report.status, 200);
  EXPECT_FALSE(checks_of(unsigned_report.json()).at("proof"));
  EXPECT_EQ(client()
                .request("POST", "/api/v1/credentials/verify",
                         {{"X-API-Key", admin_key}, {"Content-Type", "text/plain"}}, "")
                .status,
            400);
}

TEST_F(BadgeIssuingTest, BadInputIsRefusedAndStoresNothing) {
  const json issuer = create_issuer();
  const json achievement = create_achievement(issuer);
  const json subject = {{"id", "did:example:dave"}, {"achievement", achievement["id"]}};
  struct Case {
    json body;
    int status;
  };
  const std::vector<Case> cases = {
      {json::object(), 400},
      {{{"credentialSubject", {{"id", "did:example:dave"}}}}, 400},
      {{{"credentialSubject", {{"achievement", achievement["id"]}}}}, 400},
      {{{"credentialSubject", subject}, {"unexpected", 1}}, 400},
      {{{"credentialSubject", {{"id", "did:example:dave"}, {"achievement", "ach_unknown"}}}}, 404},
      {{{"credentialSubject", subject}, {"issuer", "iss_unknown"}}, 404},
      {{{"credentialSubject", subject}, {"validFrom", "soon"}}, 422},
      {{{"credentialSubject", subject},
        {"validFrom", "2030-01-01T00:00:00Z"},
        {"validUntil", "2020-01-01T00:00:00Z"}},
       422},
  };
  for (const auto& c : cases) {
    auto r = issue(c.body);
    EXPECT_EQ(r.status, c.status) << c.body.dump() << " -> " << r.body;
  }
  EXPECT_EQ(issued_count(), 0u);

  // Achievements: each required field missing in turn, an unknown issuer, a bad URL.
  const json good = {
      {"issuer", issuer["id"]}, {"name", "N"}, {"description", "D"}, {"criteria", {{"narrative", "C"}}}};
  for (const char* member : {"name", "description", "criteria"}) {
    json body = good;
    body.erase(member);
    EXPECT_EQ(client().post_json("/api/v1/achievements", body, admin()).status, 400) << member;
  }
  json unknown_issuer = good;
  unknown_issuer["issuer"] = "iss_unknown";
  EXPECT_EQ(client().post_json("/api/v1/achievements", unknown_issuer, admin()).status, 404);
  json bad_image = good;
  bad_image["image"] = "ftp://x/y.png";
  EXPECT_EQ(client().post_json("/api/v1/achievements", bad_image, admin()).status, 422);
  EXPECT_EQ(client().get("/api/v1/achievements", admin()).json()["items"].size(), 1u);

  // Issuers: required name and url; url must be http(s).
  EXPECT_EQ(client().post_json("/api/v1/issuers", {{"url", "https://x.example"}}, admin()).status, 400);
  EXPECT_EQ(client().post_json("/api/v1/issuers", {{"name", "X"}}, admin()).status, 400);
  EXPECT_EQ(client().post_json("/api/v1/issuers", {{"name", "X"}, {"url", "javascript:1"}}, admin()).status,
            422);
  EXPECT_EQ(client().get("/api/v1/issuers", admin()).json()["items"].size(), 1u);

  // A huge payload is refused by the server before any handler runs.
  json huge = {{"credentialSubject", subject}, {"name", std::string(2 * 1024 * 1024, 'x')}};
  EXPECT_EQ(issue(huge).status, 413);
  EXPECT_EQ(issued_count(), 0u);
  EXPECT_EQ(client().get("/api/v1/credentials?limit=0", admin()).status, 400);
}

TEST_F(BadgeIssuingTest, RequiresTheAdminBadgesScope) {
  const std::string other_key = cli_api_key("admin:users");
  const std::string badges_key = cli_api_key("admin:badges");
  const json body = {{"name", "X"}, {"url", "https://x.example"}};
  auto none = client().post_json("/api/v1/issuers", body);
  EXPECT_EQ(none.status, 401);
  auto wrong = client().post_json("/api/v1/issuers", body, {{"X-API-Key", other_key}});
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(wrong.json()["error"], "insufficient_scope");
  for (const char* path : {"/api/v1/issuers", "/api/v1/achievements", "/api/v1/credentials"})
    EXPECT_EQ(client().get(path, {{"X-API-Key", other_key}}).status, 403) << path;
  EXPECT_EQ(
      client()
          .post_json("/api/v1/credentials/verify", {{"compact_jws", "a.b.c"}}, {{"X-API-Key", other_key}})
          .status,
      403);
  EXPECT_EQ(client().get("/api/v1/issuers", admin()).json()["items"].size(), 0u);
  auto ok = client().post_json("/api/v1/issuers", body, {{"X-API-Key", badges_key}});
  EXPECT_EQ(ok.status, 201) << ok.body;
  // Public documents need no credentials; unknown ones are 404.
  EXPECT_EQ(client().get("/status/revocations/iss_unknown").status, 404);
  EXPECT_EQ(client().get("/keys/unknown").status, 404);
}

TEST_F(BadgeIssuingTest, ServiceAccountIssuesWithClientCredentials) {
  auto account = client().post_json("/api/v1/clients",
                                    {{"client_name", "badge bot"},
                                     {"grant_types", {"client_credentials"}},
                                     {"scope", "admin:badges"},
                                     {"service_account", true}},
                                    admin());
  ASSERT_EQ(account.status, 201) << account.body;
  const std::string client_id = account.json()["client_id"];
  auto t = client().post_form("/oauth/token", "grant_type=client_credentials",
                              {{"Authorization", basic_auth(client_id, account.json()["client_secret"])}});
  ASSERT_EQ(t.status, 200) << t.body;
  const Headers bot = bearer(t.json()["access_token"]);

  auto issuer =
      client().post_json("/api/v1/issuers", {{"name", "Bot U"}, {"url", "https://bot.example"}}, bot);
  ASSERT_EQ(issuer.status, 201) << issuer.body;
  auto achievement = client().post_json(
      "/api/v1/achievements", {{"name", "A"}, {"description", "D"}, {"criteria", {{"narrative", "N"}}}}, bot);
  ASSERT_EQ(achievement.status, 201) << achievement.body;
  auto issued = client().post_json(
      "/api/v1/credentials",
      {{"credentialSubject", {{"id", "did:example:erin"}, {"achievement", achievement.json()["id"]}}}}, bot);
  ASSERT_EQ(issued.status, 201) << issued.body;
  EXPECT_EQ(issued.json()["delivered_to"], nullptr);
  auto events = client().get("/api/v1/audit-events?event=badge_credential.issued", admin());
  ASSERT_EQ(events.status, 200) << events.body;
  ASSERT_EQ(events.json()["items"].size(), 1u);
  EXPECT_EQ(events.body.find(issued.json()["compact_jws"].get<std::string>()), std::string::npos);

  // A client-credentials token without admin:badges is refused.
  auto reader = client().post_json("/api/v1/clients",
                                   {{"client_name", "reader"},
                                    {"grant_types", {"client_credentials"}},
                                    {"scope", "admin:users"},
                                    {"service_account", true}},
                                   admin());
  ASSERT_EQ(reader.status, 201) << reader.body;
  auto rt = client().post_form(
      "/oauth/token", "grant_type=client_credentials",
      {{"Authorization", basic_auth(reader.json()["client_id"], reader.json()["client_secret"])}});
  ASSERT_EQ(rt.status, 200) << rt.body;
  auto refused = client().get("/api/v1/credentials", bearer(rt.json()["access_token"]));
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.header("www-authenticate").find("insufficient_scope"), std::string::npos);
}

}  // namespace
}  // namespace bs::test
