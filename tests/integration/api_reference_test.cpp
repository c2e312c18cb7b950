// Operations of docs/api/openapi.yaml that the other suites do not exercise, so that the OpenAPI
// contract check (tests/contract) sees a response of every documented operation.
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "support/fixture.hpp"
#include "support/oauth_helpers.hpp"

namespace bs::test {
namespace {

const std::string kRedirect = "https://wallet.example.org/cb";

class ApiReferenceTest : public ServerTest {};

TEST_F(ApiReferenceTest, AuthorizationRequestAsAFormPost) {
  auto registered = client().post_json("/oauth/register", {{"client_name", "Wallet"},
                                                           {"redirect_uris", {kRedirect}},
                                                           {"grant_types", {"authorization_code"}},
                                                           {"response_types", {"code"}},
                                                           {"token_endpoint_auth_method", "none"},
                                                           {"scope", kCredentialRead}});
  ASSERT_EQ(registered.status, 201) << registered.body;
  const std::string client_id = registered.json()["client_id"];
  const std::string verifier = crypto::random_token(32);
  const std::string challenge = crypto::base64url_encode(crypto::sha256(verifier));

  auto r = client().post_form("/oauth/authorize",
                              form_encode({{"response_type", "code"},
                                           {"client_id", client_id},
                                           {"redirect_uri", kRedirect},
                                           {"scope", kCredentialRead},
                                           {"state", "s1"},
                                           {"code_challenge", challenge},
                                           {"code_challenge_method", "S256"}}),
                              {{"Accept", "application/json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto interaction = r.json();
  EXPECT_EQ(interaction["state"], "login_required");
  EXPECT_EQ(interaction["client"]["client_id"], client_id);
  EXPECT_EQ(interaction["client"]["client_name"], "Wallet");
  EXPECT_EQ(interaction["requested_scope"], nlohmann::json::array({kCredentialRead}));
  EXPECT_FALSE(interaction.contains("redirect_to"));

  // The same request with an unregistered redirect URI is answered directly, never redirected.
  auto bad = client().post_form("/oauth/authorize",
                                form_encode({{"response_type", "code"},
                                             {"client_id", client_id},
                                             {"redirect_uri", "https://attacker.example/cb"},
                                             {"code_challenge", challenge},
                                             {"code_challenge_method", "S256"}}),
                                {{"Accept", "application/json"}});
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.json()["error"], "invalid_request");
  EXPECT_EQ(bad.header("location"), "");
}

TEST_F(ApiReferenceTest, GetApiKeyShowsItWithoutTheSecret) {
  auto created =
      client().post_json("/api/v1/api-keys", {{"name", "reporting"}, {"scopes", {"admin:audit"}}}, admin());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json()["id"];

  auto r = client().get("/api/v1/api-keys/" + id, admin());
  ASSERT_EQ(r.status, 200) << r.body;
  auto key = r.json();
  EXPECT_EQ(key["id"], id);
  EXPECT_EQ(key["name"], "reporting");
  EXPECT_EQ(key["scopes"], nlohmann::json::array({"admin:audit"}));
  EXPECT_TRUE(key["revoked_at"].is_null());
  EXPECT_FALSE(key.contains("api_key"));

  auto missing = client().get("/api/v1/api-keys/key_unknown", admin());
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(missing.json()["error"], "not_found");
}

}  // namespace
}  // namespace bs::test
