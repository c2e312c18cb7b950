// Issued badges keep verifying after the RS256 key that signed them is rotated out and its token
// publication (retired_key_lifetime) has passed: the badge kid still dereferences, the JWKS still
// lists it under the URL kid, /api/v1/credentials/verify and the recipient's store accept the badge,
// and new badges are signed by the new key.
#include <chrono>
#include <thread>

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "store/database.hpp"
#include "store/repositories.hpp"
#include "support/fixture.hpp"
#include "support/oauth_helpers.hpp"

namespace bs::test {
namespace {

using nlohmann::json;

const std::string kRedirect = "https://wallet.example/callback";
const std::string kCredentialUpsert = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert";

std::string path_of(const std::string& url) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

std::string code_of(const std::string& redirect) {
  const auto at = redirect.find("code=");
  if (at == std::string::npos) return "";
  const auto end = redirect.find('&', at);
  return redirect.substr(at + 5, end == std::string::npos ? std::string::npos : end - at - 5);
}

class BadgeKeyRotationTest : public ServerTest {
 protected:
  // Rotated keys sign at once, and the server reloads the key set every second.
  std::vector<std::string> server_args() const override {
    return {"--key-activation-delay", "0", "--key-refresh-interval", "1"};
  }

  json created(const std::string& path, const json& body) {
    auto r = client().post_json(path, body, admin());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }

  bool verified(const std::string& compact) {
    auto r = client().post_json("/api/v1/credentials/verify", {{"compact_jws", compact}}, admin());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().value("verified", false);
  }

  bool jwks_lists(const std::string& kid) {
    const json jwks = client().get("/.well-known/jwks.json").json();
    for (const auto& k : jwks["keys"])
      if (k["kid"] == kid) return true;
    return false;
  }

  std::string key_status(const std::string& thumbprint) {
    auto r = client().get("/api/v1/keys", admin());
    EXPECT_EQ(r.status, 200) << r.body;
    const json keys = r.json();
    for (const auto& k : keys["items"])
      if (k["kid"] == thumbprint) return k["status"];
    return "";
  }

  // The recipient's OB API token (authorization code + PKCE through the interaction API).
  std::string user_token(const std::string& session, const std::string& scope) {
    auto reg = client().post_json("/oauth/register", {{"client_name", "Wallet"},
                                                      {"redirect_uris", {kRedirect}},
                                                      {"grant_types", {"authorization_code"}},
                                                      {"response_types", {"code"}},
                                                      {"token_endpoint_auth_method", "none"},
                                                      {"scope", scope}});
    EXPECT_EQ(reg.status, 201) << reg.body;
    const std::string client_id = reg.json()["client_id"];
    const std::string verifier = crypto::random_token(32);
    auto a =
        client().get("/oauth/authorize?" +
                         form_encode({{"response_type", "code"},
                                      {"client_id", client_id},
                                      {"redirect_uri", kRedirect},
                                      {"scope", scope},
                                      {"state", "s"},
                                      {"code_challenge", crypto::base64url_encode(crypto::sha256(verifier))},
                                      {"code_challenge_method", "S256"}}),
                     {{"Accept", "application/json"}});
    EXPECT_EQ(a.status, 200) << a.body;
    const std::string id = a.json().value("interaction_id", "");
    const Headers as_user = {{"Authorization", "Bearer " + session}, {"Accept", "application/json"}};
    EXPECT_EQ(client().post_json("/oauth/interactions/" + id + "/login", json::object(), as_user).status,
              200);
    auto d = client().post_json("/oauth/interactions/" + id + "/consent", {{"decision", "accept"}}, as_user);
    EXPECT_EQ(d.status, 200) << d.body;
    auto t =
        client().post_form("/oauth/token", form_encode({{"grant_type", "authorization_code"},
                                                        {"client_id", client_id},
                                                        {"code", code_of(d.json().value("redirect_to", ""))},
                                                        {"redirect_uri", kRedirect},
                                                        {"code_verifier", verifier}}));
    EXPECT_EQ(t.status, 200) << t.body;
    return t.json().value("access_token", "");
  }
};

TEST_F(BadgeKeyRotationTest, BadgesVerifyAfterTheirKeyIsRotatedOutAndItsLifetimeHasPassed) {
  const json alice = create_user("alice@example.org");
  const std::string session = login("alice@example.org");
  const json issuer = created("/api/v1/issuers", {{"name", "Example University"},
                                                  {"url", "https://university.example"},
                                                  {"email", "badges@university.example"}});
  const json achievement =
      created("/api/v1/achievements", {{"issuer", issuer["id"]},
                                       {"name", "Systems Programming"},
                                       {"description", "Built a kernel"},
                                       {"criteria", {{"narrative", "Pass the project"}}}});
  const std::string profile_id =
      server->base_url() + "/ims/ob/v3p0/profiles/" + alice["id"].get<std::string>();
  // One badge valid forever (delivered to alice), one until a date years ahead.
  const json forever =
      created("/api/v1/credentials",
              {{"credentialSubject", {{"id", profile_id}, {"achievement", achievement["id"]}}}});
  const json dated =
      created("/api/v1/credentials",
              {{"credentialSubject", {{"id", "did:example:bob"}, {"achievement", achievement["id"]}}},
               {"validUntil", "2099-12-31T00:00:00Z"}});
  ASSERT_EQ(forever["delivered_to"], alice["id"]);
  const std::string old_kid = jwt_part(forever["compact_jws"], 0)["kid"];
  ASSERT_EQ(jwt_part(dated["compact_jws"], 0)["kid"], old_kid);
  ASSERT_TRUE(old_kid.starts_with(server->base_url() + "/keys/")) << old_kid;
  const std::string old_thumbprint = old_kid.substr(old_kid.rfind('/') + 1);
  const json old_jwk = client().get(path_of(old_kid)).json();
  ASSERT_TRUE(jwks_lists(old_thumbprint));

  auto rotated = client().post_json("/api/v1/keys/rotate", {{"alg", "RS256"}}, admin());
  ASSERT_EQ(rotated.status, 201) << rotated.body;
  const std::string new_thumbprint = rotated.json()["kid"];
  ASSERT_NE(new_thumbprint, old_thumbprint);

  // Time passes beyond retired_key_lifetime: the old key's token publication ends (expires_at is
  // what rotation set to retirement + retired_key_lifetime; here it is moved to the past).
  {
    auto conn = store::open_database(db->url(), {.pool_size = 1});
    ASSERT_TRUE(conn.has_value());
    auto moved = store::update_signing_key_expires(**conn, old_thumbprint, unix_time() - 1);
    ASSERT_TRUE(moved.has_value() && *moved);
  }
  // Every instance reloads within key_refresh_interval; then the token JWKS has dropped the key.
  bool unpublished_for_tokens = false;
  for (int i = 0; i < 60 && !unpublished_for_tokens; ++i) {
    unpublished_for_tokens = !jwks_lists(old_thumbprint);
    if (!unpublished_for_tokens) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(unpublished_for_tokens);
  EXPECT_EQ(key_status(old_thumbprint), "retained");

  // The badge kid still dereferences to the same public key, and the JWKS lists it by URL kid.
  auto key = client().get(path_of(old_kid));
  ASSERT_EQ(key.status, 200) << key.body;
  EXPECT_EQ(key.json(), old_jwk);
  EXPECT_FALSE(key.json().contains("d"));
  EXPECT_TRUE(jwks_lists(old_kid));

  // Both badges verify, and the recipient's store still accepts the old badge.
  EXPECT_TRUE(verified(forever["compact_jws"]));
  EXPECT_TRUE(verified(dated["compact_jws"]));
  const std::string token = user_token(session, kCredentialUpsert);
  auto upsert = client().request("POST", "/ims/ob/v3p0/credentials",
                                 {{"Authorization", "Bearer " + token}, {"Content-Type", "text/plain"}},
                                 forever["compact_jws"].get<std::string>());
  EXPECT_TRUE(upsert.status == 200 || upsert.status == 201) << upsert.status << " " << upsert.body;

  // The old key signs nothing new.
  const json fresh =
      created("/api/v1/credentials",
              {{"credentialSubject", {{"id", "did:example:carol"}, {"achievement", achievement["id"]}}}});
  EXPECT_EQ(jwt_part(fresh["compact_jws"], 0)["kid"], server->base_url() + "/keys/" + new_thumbprint);
  EXPECT_TRUE(verified(fresh["compact_jws"]));
}

}  // namespace
}  // namespace bs::test
