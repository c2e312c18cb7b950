// OAuth client registration over real HTTP: RFC 7591 registration, RFC 7592 management with the
// registration access token, the Open Badges 3.0 profile, the initial access token, and the admin
// API /api/v1/clients.
#include "crypto/jose.hpp"
#include "support/fixture.hpp"
#include "support/oauth_helpers.hpp"

namespace bs::test {
namespace {

using nlohmann::json;

const std::string kJwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

class ClientRegistrationTest : public ServerTest {
 protected:
  HttpResponse reg(const json& body, Headers headers = {}) {
    return client().post_json("/oauth/register", body, std::move(headers));
  }
  json registered(const json& body) {
    auto r = reg(body);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  HttpResponse send_json(const std::string& method, const std::string& target, const json& body,
                         Headers headers = {}) {
    headers.emplace_back("Content-Type", "application/json");
    return client().request(method, target, headers, body.dump());
  }
  static Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }
  static std::string id_of(const json& c) { return c["client_id"].get<std::string>(); }
  static std::string management_path(const json& c) { return "/oauth/register/" + id_of(c); }
  static Headers registration_token(const json& c) { return bearer(c["registration_access_token"]); }

  HttpResponse admin_get(const std::string& id) { return client().get("/api/v1/clients/" + id, admin()); }
  HttpResponse admin_post(const std::string& target, const json& body = json::object()) {
    return client().post_json(target, body, admin());
  }
  int client_count() {
    auto r = client().get("/api/v1/clients?limit=200", admin());
    EXPECT_EQ(r.status, 200) << r.body;
    return static_cast<int>(r.json()["items"].size());
  }
  HttpResponse token(const std::string& form, Headers headers = {}) {
    return client().post_form("/oauth/token", form, std::move(headers));
  }
  HttpResponse cc_token(const json& c, const std::string& secret) {
    return token("grant_type=client_credentials", {{"Authorization", basic_auth(id_of(c), secret)}});
  }

  static json web_client() {
    return {{"client_name", "Web App"},
            {"redirect_uris", {"https://app.example.org/cb"}},
            {"token_endpoint_auth_method", "client_secret_basic"}};
  }
  static json with_alg(json m, const std::string& alg) {
    m["token_endpoint_auth_signing_alg"] = alg;
    return m;
  }
  static json set_method(json m, const std::string& method) {
    m["token_endpoint_auth_method"] = method;
    return m;
  }
  // No stored hash column ever reaches a response.
  static bool shows_hashes(const std::string& body) {
    return body.find("secret_hash") != std::string::npos || body.find("token_hash") != std::string::npos ||
           body.find("secret_encrypted") != std::string::npos;
  }
  static json cc_client(const std::string& method = "client_secret_basic") {
    return {{"client_name", "svc"},
            {"grant_types", {"client_credentials"}},
            {"token_endpoint_auth_method", method},
            {"scope", kCredentialRead}};
  }
};

// --- registration -----------------------------------------------------------------------------

TEST_F(ClientRegistrationTest, PublicPkceClientRegistersWithoutSecret) {
  const json metadata = {{"client_name", "Wallet"},
                         {"application_type", "native"},
                         {"redirect_uris", {"http://127.0.0.1:8123/callback", "org.example.wallet:/cb"}},
                         {"token_endpoint_auth_method", "none"},
                         {"grant_types", {"authorization_code", "refresh_token"}},
                         {"scope", kCredentialRead + " offline_access"},
                         {"software_id", "wallet"},
                         {"software_version", "2.1"},
                         {"contacts", {"dev@example.org"}},
                         {"x_extension", {{"kept", true}}}};
  auto r = reg(metadata);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.header("cache-control"), "no-store");
  auto c = r.json();
  EXPECT_TRUE(id_of(c).starts_with("cli_"));
  EXPECT_GE(id_of(c).size(), 4u + 21u);
  EXPECT_FALSE(c.contains("client_secret"));
  EXPECT_FALSE(c.contains("client_secret_expires_at"));
  EXPECT_TRUE(c["client_id_issued_at"].is_number_integer());
  EXPECT_NEAR(c["client_id_issued_at"].get<double>(), static_cast<double>(unix_time()), 60);
  EXPECT_GE(c["registration_access_token"].get<std::string>().size(), 43u);
  EXPECT_EQ(c["registration_client_uri"], server->base_url() + management_path(c));
  for (const auto& [name, value] : metadata.items()) EXPECT_EQ(c[name], value) << name;
  EXPECT_EQ(c["response_types"], json({"code"}));
  EXPECT_FALSE(shows_hashes(r.body));
  EXPECT_EQ(client_count(), 1);
}

TEST_F(ClientRegistrationTest, DefaultsAreFilledIn) {
  auto c = registered({{"redirect_uris", {"https://app.example.org/cb"}}});
  EXPECT_EQ(c["token_endpoint_auth_method"], "client_secret_basic");
  EXPECT_EQ(c["grant_types"], json({"authorization_code"}));
  EXPECT_EQ(c["response_types"], json({"code"}));
  EXPECT_EQ(c["application_type"], "web");
  EXPECT_TRUE(c["client_secret"].is_string());
}

TEST_F(ClientRegistrationTest, ConfidentialClientCredentialsClientGetsAWorkingSecret) {
  auto r = reg(cc_client());
  ASSERT_EQ(r.status, 201) << r.body;
  auto c = r.json();
  const auto secret = c["client_secret"].get<std::string>();
  EXPECT_GE(secret.size(), 43u);
  EXPECT_EQ(c["client_secret_expires_at"], 0);
  EXPECT_EQ(c["response_types"], json::array());
  EXPECT_EQ(c["scope"], kCredentialRead);
  auto t = cc_token(c, secret);
  EXPECT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(cc_token(c, secret + "x").status, 401);
  // The admin view never shows the secret or its hash.
  auto view = admin_get(id_of(c));
  ASSERT_EQ(view.status, 200);
  EXPECT_EQ(view.body.find(secret), std::string::npos);
  EXPECT_FALSE(view.json().contains("client_secret"));
  EXPECT_FALSE(shows_hashes(view.body));
  EXPECT_EQ(view.body.find("registration_access_token"), std::string::npos);
}

TEST_F(ClientRegistrationTest, ClientSecretJwtClientAuthenticatesWithHs256) {
  auto c = registered(with_alg(cc_client("client_secret_jwt"), "HS256"));
  ASSERT_TRUE(c["client_secret"].is_string());
  EXPECT_EQ(c["token_endpoint_auth_signing_alg"], "HS256");
  auto key = crypto::Jwk::symmetric(c["client_secret"].get<std::string>());
  key.alg = crypto::JwsAlg::HS256;
  auto t = token(form_encode(
      {{"grant_type", "client_credentials"},
       {"client_assertion_type", kJwtBearer},
       {"client_assertion", client_assertion(key, id_of(c), server->base_url() + "/oauth/token")}}));
  EXPECT_EQ(t.status, 200) << t.body;
}

TEST_F(ClientRegistrationTest, PrivateKeyJwtClientAuthenticatesWithItsRegisteredKey) {
  auto key = crypto::Jwk::generate(crypto::JwsAlg::EdDSA).value();
  key.kid = "wallet-1";
  key.alg = crypto::JwsAlg::EdDSA;
  auto metadata = with_alg(cc_client("private_key_jwt"), "EdDSA");
  metadata["jwks"] = {{"keys", {key.public_json()}}};
  auto c = registered(metadata);
  EXPECT_FALSE(c.contains("client_secret"));
  EXPECT_EQ(c["jwks"], metadata["jwks"]);
  auto t = token(form_encode(
      {{"grant_type", "client_credentials"},
       {"client_assertion_type", kJwtBearer},
       {"client_assertion", client_assertion(key, id_of(c), server->base_url() + "/oauth/token")}}));
  EXPECT_EQ(t.status, 200) << t.body;
  // rotate-secret has nothing to rotate for a key client.
  auto rotate = admin_post("/api/v1/clients/" + id_of(c) + "/rotate-secret");
  EXPECT_EQ(rotate.status, 400);
  EXPECT_EQ(rotate.json()["error"], "invalid_request");
}

TEST_F(ClientRegistrationTest, InvalidMetadataIsRejectedAndStoresNothing) {
  auto private_jwk = json{{"kty", "OKP"},
                          {"crv", "Ed25519"},
                          {"d", "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"},
                          {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}};
  auto public_jwk = crypto::Jwk::generate(crypto::JwsAlg::ES256).value().public_json();
  auto set = [](json m, const std::string& k, json v) {
    m[k] = std::move(v);
    return m;
  };
  const std::vector<std::pair<json, std::string>> cases = {
      {set(web_client(), "token_endpoint_auth_method", "tls_client_auth"), "invalid_client_metadata"},
      {set(web_client(), "grant_types", {"implicit"}), "invalid_client_metadata"},
      {set(web_client(), "grant_types", {"password"}), "invalid_client_metadata"},
      {set(web_client(), "response_types", {"token"}), "invalid_client_metadata"},
      {set(web_client(), "response_types", json::array()), "invalid_client_metadata"},
      {set(cc_client(), "response_types", {"code"}), "invalid_client_metadata"},
      {{{"client_name", "no redirect"}}, "invalid_redirect_uri"},
      {set(web_client(), "redirect_uris", json::array()), "invalid_redirect_uri"},
      {set(web_client(), "redirect_uris", {"/relative"}), "invalid_redirect_uri"},
      {set(web_client(), "redirect_uris", {"https://app.example.org/cb#fragment"}), "invalid_redirect_uri"},
      {set(web_client(), "redirect_uris", {"http://app.example.org/cb"}), "invalid_redirect_uri"},
      {set(web_client(), "redirect_uris", {"com.example.app:/cb"}), "invalid_redirect_uri"},
      {set(set(web_client(), "application_type", "native"), "redirect_uris", {"myapp:/cb"}),
       "invalid_redirect_uri"},
      {set(web_client(), "redirect_uris", "https://app.example.org/cb"), "invalid_client_metadata"},
      {cc_client("none"), "invalid_client_metadata"},
      {cc_client("private_key_jwt"), "invalid_client_metadata"},
      {set(cc_client("private_key_jwt"), "jwks", {{"keys", {private_jwk}}}), "invalid_client_metadata"},
      {set(cc_client("private_key_jwt"), "jwks", {{"keys", json::array()}}), "invalid_client_metadata"},
      {set(cc_client("private_key_jwt"), "jwks_uri", "https://app.example.org/jwks"),
       "invalid_client_metadata"},
      {set(set(cc_client("private_key_jwt"), "jwks", {{"keys", {public_jwk}}}),
           "token_endpoint_auth_signing_alg", "HS256"),
       "invalid_client_metadata"},
      {with_alg(cc_client("client_secret_jwt"), "RS256"), "invalid_client_metadata"},
      {with_alg(cc_client(), "HS256"), "invalid_client_metadata"},
      {set(cc_client(), "scope", "https://example.org/unknown-scope"), "invalid_client_metadata"},
      {set(cc_client(), "scope", "admin:users"), "invalid_client_metadata"},
      {set(cc_client(), "service_account", true), "invalid_client_metadata"},
      {set(web_client(), "client_uri", "ftp://example.org/"), "invalid_client_metadata"},
      {set(web_client(), "logo_uri", "logo.png"), "invalid_client_metadata"},
      {set(web_client(), "tos_uri", 5), "invalid_client_metadata"},
      {set(web_client(), "policy_uri", "javascript:alert(1)"), "invalid_client_metadata"},
      {set(web_client(), "client_name", json::array()), "invalid_client_metadata"},
      {set(web_client(), "contacts", "ops@example.org"), "invalid_client_metadata"},
      {set(web_client(), "contacts", {"ops@example.org", 42}), "invalid_client_metadata"},
      {set(web_client(), "application_type", "desktop"), "invalid_client_metadata"},
      {set(web_client(), "client_id", "cli_mine"), "invalid_client_metadata"},
      {set(web_client(), "client_secret", "my own secret"), "invalid_client_metadata"},
      {set(web_client(), "x_padding", std::string(70 * 1024, 'a')), "invalid_client_metadata"},
  };
  for (const auto& [body, error] : cases) {
    auto r = reg(body);
    EXPECT_EQ(r.status, 400) << body.dump().substr(0, 300) << " -> " << r.body;
    EXPECT_EQ(r.json()["error"], error) << body.dump().substr(0, 300) << " -> " << r.body;
    EXPECT_TRUE(r.json()["error_description"].is_string());
  }
  auto jwks_uri = reg(set(cc_client("private_key_jwt"), "jwks_uri", "https://app.example.org/jwks"));
  EXPECT_NE(jwks_uri.json()["error_description"].get<std::string>().find("jwks_uri is not supported"),
            std::string::npos);
  auto scope = reg(set(cc_client(), "scope", "https://example.org/unknown-scope"));
  EXPECT_NE(scope.json()["error_description"].get<std::string>().find("https://example.org/unknown-scope"),
            std::string::npos);

  auto text =
      client().request("POST", "/oauth/register", {{"Content-Type", "text/plain"}}, web_client().dump());
  EXPECT_EQ(text.status, 415);
  auto form = client().post_form("/oauth/register", "client_name=x&redirect_uris=https://a.example/cb");
  EXPECT_EQ(form.status, 415);
  auto malformed =
      client().request("POST", "/oauth/register", {{"Content-Type", "application/json"}}, "{nope");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(client_count(), 0);
}

TEST_F(ClientRegistrationTest, SqlSpecialCharactersRoundTrip) {
  const std::string name = "Robert'); DROP TABLE oauth_clients;-- \"q\" \\ % _ $1 ünïcødé 🎓";
  auto metadata = web_client();
  metadata["client_name"] = name;
  metadata["x_note"] = "'; DELETE FROM oauth_tokens; --";
  auto c = registered(metadata);
  EXPECT_EQ(c["client_name"], name);
  auto view = admin_get(id_of(c));
  ASSERT_EQ(view.status, 200);
  EXPECT_EQ(view.json()["client_name"], name);
  EXPECT_EQ(view.json()["x_note"], metadata["x_note"]);
  auto read = client().get(management_path(c), registration_token(c));
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.json()["client_name"], name);
  EXPECT_EQ(client_count(), 1);
}

// --- RFC 7592 management ------------------------------------------------------------------------

TEST_F(ClientRegistrationTest, ReadUpdateDeleteWithTheRegistrationToken) {
  auto c = registered(web_client());
  const auto path = management_path(c);
  const auto token_headers = registration_token(c);

  auto read = client().get(path, token_headers);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.header("cache-control"), "no-store");
  auto info = read.json();
  EXPECT_EQ(info["client_id"], c["client_id"]);
  EXPECT_EQ(info["client_name"], "Web App");
  EXPECT_EQ(info["registration_client_uri"], c["registration_client_uri"]);
  EXPECT_EQ(info["client_secret_expires_at"], 0);
  EXPECT_FALSE(info.contains("client_secret"));
  EXPECT_FALSE(info.contains("registration_access_token"));

  // Update: the client sends back what it got, with its changes.
  auto update = c;
  update["client_name"] = "Web App 2";
  update["redirect_uris"] = {"https://app.example.org/cb", "https://app.example.org/cb2"};
  update["logo_uri"] = "https://app.example.org/logo.png";
  auto put = send_json("PUT", path, update, token_headers);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json()["client_name"], "Web App 2");
  EXPECT_EQ(put.json()["redirect_uris"].size(), 2u);
  EXPECT_FALSE(put.json().contains("client_secret"));  // unchanged secret is not shown again
  EXPECT_EQ(cc_token(c, c["client_secret"]).json()["error"], "unauthorized_client");  // still authenticates
  EXPECT_EQ(client().get(path, token_headers).json()["logo_uri"], "https://app.example.org/logo.png");

  // PUT replaces: the omitted logo_uri is gone.
  auto replaced =
      send_json("PUT", path, {{"client_id", id_of(c)}, {"redirect_uris", {"https://app.example.org/cb"}}},
                token_headers);
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_FALSE(replaced.json().contains("logo_uri"));
  EXPECT_FALSE(replaced.json().contains("client_name"));

  // Bad updates change nothing.
  auto before = client().get(path, token_headers).json();
  auto no_id = send_json("PUT", path, web_client(), token_headers);
  EXPECT_EQ(no_id.status, 400);
  EXPECT_EQ(no_id.json()["error"], "invalid_request");
  auto other_id = send_json(
      "PUT", path, {{"client_id", "cli_other"}, {"redirect_uris", {"https://a.example/cb"}}}, token_headers);
  EXPECT_EQ(other_id.status, 400);
  auto chosen_secret = send_json("PUT", path,
                                 {{"client_id", id_of(c)},
                                  {"client_secret", "my own"},
                                  {"redirect_uris", {"https://app.example.org/cb"}}},
                                 token_headers);
  EXPECT_EQ(chosen_secret.status, 400);
  EXPECT_EQ(chosen_secret.json()["error"], "invalid_client_metadata");
  auto bad_uri = send_json(
      "PUT", path, {{"client_id", id_of(c)}, {"redirect_uris", {"http://evil.example/cb"}}}, token_headers);
  EXPECT_EQ(bad_uri.status, 400);
  EXPECT_EQ(bad_uri.json()["error"], "invalid_redirect_uri");
  auto sa = send_json(
      "PUT", path,
      {{"client_id", id_of(c)}, {"service_account", true}, {"redirect_uris", {"https://app.example.org/cb"}}},
      token_headers);
  EXPECT_EQ(sa.status, 400);
  EXPECT_EQ(client().get(path, token_headers).json(), before);

  EXPECT_EQ(client().request("DELETE", path, token_headers).status, 204);
  EXPECT_EQ(client().get(path, token_headers).status, 401);
  EXPECT_EQ(admin_get(id_of(c)).status, 404);
  EXPECT_EQ(client_count(), 0);
}

TEST_F(ClientRegistrationTest, WrongOrMissingRegistrationTokenIs401) {
  auto a = registered(web_client());
  auto b = registered(web_client());
  const auto path = management_path(a);
  for (const Headers& h :
       {Headers{}, bearer("wrong"), registration_token(b), bearer(a["client_secret"]),
        Headers{{"Authorization", "Basic " + std::string("YTpi")}}, Headers{{"X-API-Key", admin_key}}}) {
    for (const char* method : {"GET", "PUT", "DELETE"}) {
      auto r =
          method == std::string("PUT") ? send_json(method, path, a, h) : client().request(method, path, h);
      EXPECT_EQ(r.status, 401) << method << " " << r.body;
      EXPECT_EQ(r.json()["error"], "invalid_token");
      EXPECT_TRUE(r.header("www-authenticate").starts_with("Bearer")) << r.header("www-authenticate");
    }
  }
  auto unknown = client().get("/oauth/register/cli_unknown", registration_token(a));
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(client_count(), 2);
}

TEST_F(ClientRegistrationTest, DisabledClientCannotManageItsRegistration) {
  auto c = registered(web_client());
  ASSERT_EQ(admin_post("/api/v1/clients/" + id_of(c) + "/disable").status, 200);
  EXPECT_EQ(client().get(management_path(c), registration_token(c)).status, 401);
  EXPECT_EQ(client().request("DELETE", management_path(c), registration_token(c)).status, 401);
  ASSERT_EQ(admin_post("/api/v1/clients/" + id_of(c) + "/enable").status, 200);
  EXPECT_EQ(client().get(management_path(c), registration_token(c)).status, 200);
}

// --- the admin API ------------------------------------------------------------------------------

TEST_F(ClientRegistrationTest, AdminCreatesServiceAccountWithSecretShownOnce) {
  auto r = admin_post("/api/v1/clients", {{"client_name", "ops bot"},
                                          {"grant_types", {"client_credentials"}},
                                          {"scope", "admin:users " + kCredentialRead},
                                          {"service_account", true}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto c = r.json();
  EXPECT_TRUE(c["service_account"].get<bool>());
  EXPECT_TRUE(c["enabled"].get<bool>());
  EXPECT_TRUE(c["created_at"].is_string());
  EXPECT_TRUE(c["updated_at"].is_string());
  EXPECT_GE(c["client_secret"].get<std::string>().size(), 43u);
  EXPECT_TRUE(c["registration_access_token"].is_string());
  EXPECT_EQ(c["scope"], "admin:users " + kCredentialRead);
  auto view = admin_get(id_of(c));
  ASSERT_EQ(view.status, 200);
  EXPECT_FALSE(view.json().contains("client_secret"));
  EXPECT_TRUE(view.json()["service_account"].get<bool>());

  auto t = cc_token(c, c["client_secret"]);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(client().get("/api/v1/users", bearer(t.json()["access_token"])).status, 200);

  // Admin scopes need service_account, and unknown scopes are named.
  auto plain =
      admin_post("/api/v1/clients", {{"grant_types", {"client_credentials"}}, {"scope", "admin:users"}});
  EXPECT_EQ(plain.status, 400);
  EXPECT_EQ(plain.json()["error"], "invalid_client_metadata");
  auto events = client().get("/api/v1/audit-events?event=client.created", admin());
  ASSERT_EQ(events.status, 200);
  EXPECT_EQ(events.json()["items"].size(), 1u);
  EXPECT_EQ(events.body.find(c["client_secret"].get<std::string>()), std::string::npos);
}

TEST_F(ClientRegistrationTest, AdminApiNeedsTheClientsScope) {
  auto users_only = cli_api_key("admin:users", "users-only");
  auto r = client().get("/api/v1/clients", {{"X-API-Key", users_only}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json()["error"], "insufficient_scope");
  EXPECT_EQ(client().get("/api/v1/clients").status, 401);
  auto scoped = cli_api_key("admin:clients", "clients");
  EXPECT_EQ(client().get("/api/v1/clients", {{"X-API-Key", scoped}}).status, 200);
  EXPECT_EQ(client()
                .post_json("/api/v1/clients/bulk", {{"action", "disable"}, {"client_ids", {"x"}}},
                           {{"X-API-Key", users_only}})
                .status,
            403);
}

TEST_F(ClientRegistrationTest, AdminListFiltersAndPaginates) {
  auto a = registered(web_client());
  auto b = registered(cc_client());
  auto sa = admin_post("/api/v1/clients", {{"grant_types", {"client_credentials"}},
                                           {"scope", "admin:audit"},
                                           {"service_account", true}})
                .json();
  ASSERT_EQ(admin_post("/api/v1/clients/" + id_of(b) + "/disable").status, 200);

  std::vector<std::string> seen;
  auto page1 = client().get("/api/v1/clients?limit=2", admin());
  ASSERT_EQ(page1.status, 200) << page1.body;
  ASSERT_EQ(page1.json()["items"].size(), 2u);
  ASSERT_TRUE(page1.json()["next_cursor"].is_string());
  const auto items1 = page1.json()["items"];  // a copy: the json() temporary dies before the loop
  for (const auto& item : items1) seen.push_back(item["client_id"]);
  auto page2 = client().get(
      "/api/v1/clients?limit=2&cursor=" + page1.json()["next_cursor"].get<std::string>(), admin());
  ASSERT_EQ(page2.status, 200);
  ASSERT_EQ(page2.json()["items"].size(), 1u);
  EXPECT_TRUE(page2.json()["next_cursor"].is_null());
  seen.push_back(page2.json()["items"][0]["client_id"]);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  for (const auto& c : {a, b, sa}) EXPECT_NE(std::find(seen.begin(), seen.end(), id_of(c)), seen.end());

  auto disabled = client().get("/api/v1/clients?enabled=false", admin()).json()["items"];
  ASSERT_EQ(disabled.size(), 1u);
  EXPECT_EQ(disabled[0]["client_id"], b["client_id"]);
  EXPECT_EQ(client().get("/api/v1/clients?enabled=true", admin()).json()["items"].size(), 2u);
  auto accounts = client().get("/api/v1/clients?service_account=true", admin()).json()["items"];
  ASSERT_EQ(accounts.size(), 1u);
  EXPECT_EQ(accounts[0]["client_id"], sa["client_id"]);
  EXPECT_EQ(
      client().get("/api/v1/clients?service_account=false&enabled=true", admin()).json()["items"].size(), 1u);
  const auto all = client().get("/api/v1/clients", admin()).json()["items"];
  for (const auto& item : all) {
    EXPECT_FALSE(item.contains("client_secret"));
    EXPECT_FALSE(item.contains("registration_access_token"));
    EXPECT_TRUE(item["enabled"].is_boolean());
  }
  EXPECT_EQ(client().get("/api/v1/clients?enabled=maybe", admin()).status, 400);
  EXPECT_EQ(client().get("/api/v1/clients?limit=0", admin()).status, 400);
}

TEST_F(ClientRegistrationTest, AdminPatchMergesMetadata) {
  auto c = registered(web_client());
  const auto path = "/api/v1/clients/" + id_of(c);
  auto patched = send_json("PATCH", path,
                           {{"client_name", "Renamed"},
                            {"contacts", {"ops@example.org"}},
                            {"token_endpoint_auth_method", nullptr}},
                           admin());
  ASSERT_EQ(patched.status, 200) << patched.body;
  auto v = patched.json();
  EXPECT_EQ(v["client_name"], "Renamed");
  EXPECT_EQ(v["contacts"], json({"ops@example.org"}));
  EXPECT_EQ(v["redirect_uris"], c["redirect_uris"]);
  EXPECT_EQ(v["token_endpoint_auth_method"], "client_secret_basic");  // removed, so the default again
  EXPECT_FALSE(v.contains("client_secret"));

  auto before = admin_get(id_of(c)).json();
  for (const json& bad : {json{{"redirect_uris", {"http://evil.example/cb"}}}, json{{"scope", "admin:users"}},
                          json{{"enabled", false}}, json{{"client_id", "cli_other"}}}) {
    auto r = send_json("PATCH", path, bad, admin());
    EXPECT_EQ(r.status, 400) << bad.dump() << " -> " << r.body;
  }
  EXPECT_EQ(admin_get(id_of(c)).json(), before);

  // Becoming a service account makes admin scopes possible.
  auto sa = send_json("PATCH", path, {{"service_account", true}, {"scope", "admin:users"}}, admin());
  ASSERT_EQ(sa.status, 200) << sa.body;
  EXPECT_TRUE(sa.json()["service_account"].get<bool>());
  // Switching a public client to a secret method issues the secret, shown once.
  auto pub = registered(set_method(web_client(), "none"));
  auto confidential = send_json("PATCH", "/api/v1/clients/" + id_of(pub),
                                {{"token_endpoint_auth_method", "client_secret_post"}}, admin());
  ASSERT_EQ(confidential.status, 200) << confidential.body;
  EXPECT_GE(confidential.json()["client_secret"].get<std::string>().size(), 43u);
  EXPECT_EQ(send_json("PATCH", "/api/v1/clients/cli_unknown", {{"client_name", "x"}}, admin()).status, 404);
}

TEST_F(ClientRegistrationTest, DisableAndEnable) {
  auto c = registered(cc_client());
  const auto secret = c["client_secret"].get<std::string>();
  ASSERT_EQ(cc_token(c, secret).status, 200);
  auto disabled = admin_post("/api/v1/clients/" + id_of(c) + "/disable");
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_FALSE(disabled.json()["enabled"].get<bool>());
  auto refused = cc_token(c, secret);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.json()["error"], "invalid_client");
  auto enabled = admin_post("/api/v1/clients/" + id_of(c) + "/enable");
  ASSERT_EQ(enabled.status, 200);
  EXPECT_TRUE(enabled.json()["enabled"].get<bool>());
  EXPECT_EQ(cc_token(c, secret).status, 200);
  EXPECT_EQ(admin_post("/api/v1/clients/cli_unknown/disable").status, 404);
  EXPECT_EQ(client().get("/api/v1/audit-events?event=client.disabled", admin()).json()["items"].size(), 1u);
}

TEST_F(ClientRegistrationTest, RotateSecretReplacesTheOldOne) {
  auto c = registered(cc_client("client_secret_post"));
  const auto old_secret = c["client_secret"].get<std::string>();
  auto post_token = [&](const std::string& secret) {
    return token(form_encode(
        {{"grant_type", "client_credentials"}, {"client_id", id_of(c)}, {"client_secret", secret}}));
  };
  ASSERT_EQ(post_token(old_secret).status, 200);
  auto rotated = admin_post("/api/v1/clients/" + id_of(c) + "/rotate-secret");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  EXPECT_EQ(rotated.json()["client_id"], c["client_id"]);
  const auto new_secret = rotated.json()["client_secret"].get<std::string>();
  EXPECT_GE(new_secret.size(), 43u);
  EXPECT_NE(new_secret, old_secret);
  EXPECT_EQ(post_token(old_secret).status, 401);
  EXPECT_EQ(post_token(new_secret).status, 200);

  auto pub = registered(set_method(web_client(), "none"));
  auto none = admin_post("/api/v1/clients/" + id_of(pub) + "/rotate-secret");
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(none.json()["error"], "invalid_request");
  EXPECT_EQ(admin_post("/api/v1/clients/cli_unknown/rotate-secret").status, 404);
}

TEST_F(ClientRegistrationTest, BulkIsAllOrNothing) {
  auto a = registered(cc_client());
  auto b = registered(cc_client());
  const std::vector<std::string> ids = {id_of(a), id_of(b)};
  auto token_a = cc_token(a, a["client_secret"]);
  ASSERT_EQ(token_a.status, 200);

  auto partial = admin_post("/api/v1/clients/bulk",
                            {{"action", "disable"}, {"client_ids", {ids[0], "cli_nope", ids[1]}}});
  EXPECT_EQ(partial.status, 404) << partial.body;
  EXPECT_NE(partial.json()["error_description"].get<std::string>().find("cli_nope"), std::string::npos);
  EXPECT_EQ(client().get("/api/v1/clients?enabled=true", admin()).json()["items"].size(), 2u);
  auto partial_delete =
      admin_post("/api/v1/clients/bulk", {{"action", "delete"}, {"client_ids", {ids[0], "cli_nope"}}});
  EXPECT_EQ(partial_delete.status, 404);
  EXPECT_EQ(client_count(), 2);

  auto disabled = admin_post("/api/v1/clients/bulk", {{"action", "disable"}, {"client_ids", ids}});
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_EQ(disabled.json(), json({{"action", "disable"}, {"client_ids", ids}, {"affected", 2}}));
  EXPECT_EQ(client().get("/api/v1/clients?enabled=false", admin()).json()["items"].size(), 2u);
  EXPECT_EQ(cc_token(a, a["client_secret"]).status, 401);
  ASSERT_EQ(admin_post("/api/v1/clients/bulk", {{"action", "enable"}, {"client_ids", ids}}).status, 200);
  auto token_b = cc_token(b, b["client_secret"]);
  EXPECT_EQ(token_b.status, 200);
  auto active = [&](const json& c, const HttpResponse& token) {
    auto r = client().post_form("/oauth/introspect",
                                form_encode({{"token", token.json()["access_token"].get<std::string>()}}),
                                {{"Authorization", basic_auth(c["client_id"], c["client_secret"])}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["active"];
  };
  EXPECT_EQ(active(a, token_a), true);
  EXPECT_EQ(active(b, token_b), true);

  auto revoked = admin_post("/api/v1/clients/bulk", {{"action", "revoke_tokens"}, {"client_ids", ids}});
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  // client_credentials tokens have no rows to count; a cut-off revokes them, here at once.
  EXPECT_EQ(revoked.json()["affected"], 0);
  EXPECT_EQ(active(a, token_a), false);
  EXPECT_EQ(active(b, token_b), false);

  for (const json& bad : {json{{"action", "explode"}, {"client_ids", ids}}, json{{"action", "disable"}},
                          json{{"action", "disable"}, {"client_ids", json::array()}},
                          json{{"action", "disable"}, {"client_ids", {1}}},
                          json{{"action", "disable"}, {"client_ids", ids}, {"extra", 1}}}) {
    auto r = admin_post("/api/v1/clients/bulk", bad);
    EXPECT_EQ(r.status, 400) << bad.dump() << " -> " << r.body;
  }

  auto deleted = admin_post("/api/v1/clients/bulk", {{"action", "delete"}, {"client_ids", ids}});
  ASSERT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.json()["affected"], 2);
  EXPECT_EQ(client_count(), 0);
  EXPECT_EQ(client().get("/api/v1/audit-events?event=client.bulk", admin()).json()["items"].size(), 4u);
}

TEST_F(ClientRegistrationTest, AdminDelete) {
  auto c = registered(cc_client());
  ASSERT_EQ(cc_token(c, c["client_secret"]).status, 200);
  EXPECT_EQ(client().request("DELETE", "/api/v1/clients/" + id_of(c), admin()).status, 204);
  EXPECT_EQ(admin_get(id_of(c)).status, 404);
  EXPECT_EQ(client().request("DELETE", "/api/v1/clients/" + id_of(c), admin()).status, 404);
  EXPECT_EQ(cc_token(c, c["client_secret"]).status, 401);
  EXPECT_EQ(client().get(management_path(c), registration_token(c)).status, 401);
  EXPECT_EQ(client_count(), 0);
}

// --- configuration variants -----------------------------------------------------------------------

class InitialAccessTokenTest : public ClientRegistrationTest {
 protected:
  std::vector<std::string> server_args() const override {
    return {"--registration-initial-access-token", "iat-secret-value"};
  }
};

TEST_F(InitialAccessTokenTest, RegistrationRequiresTheInitialAccessToken) {
  for (const Headers& h :
       {Headers{}, bearer("wrong"), bearer("iat-secret-valu"), bearer("iat-secret-value-x"),
        Headers{{"Authorization", "Basic aWF0OnNlY3JldA=="}}}) {
    auto r = reg(web_client(), h);
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.json()["error"], "invalid_token");
    EXPECT_TRUE(r.header("www-authenticate").starts_with("Bearer"));
  }
  EXPECT_EQ(client_count(), 0);
  auto ok = reg(web_client(), bearer("iat-secret-value"));
  ASSERT_EQ(ok.status, 201) << ok.body;
  // Management uses the registration access token, not the initial one.
  auto c = ok.json();
  EXPECT_EQ(client().get(management_path(c), registration_token(c)).status, 200);
  EXPECT_EQ(client().get(management_path(c), bearer("iat-secret-value")).status, 401);
}

class StrictRegistrationTest : public ClientRegistrationTest {
 protected:
  std::vector<std::string> server_args() const override { return {"--strict-ob-registration", "true"}; }

  static json ob_client() {
    return {{"client_name", "Badge Wallet"},
            {"client_uri", "https://wallet.example.org/"},
            {"logo_uri", "https://wallet.example.org/logo.png"},
            {"tos_uri", "https://wallet.example.org/terms"},
            {"policy_uri", "https://wallet.example.org/privacy"},
            {"software_id", "c88b6ed8-269e-448e-99be-7e2ff47167d1"},
            {"software_version", "1.0.0"},
            {"redirect_uris", {"https://wallet.example.org/callback"}},
            {"scope", kCredentialRead + " offline_access"},
            {"token_endpoint_auth_method", "client_secret_basic"},
            {"grant_types", {"authorization_code", "refresh_token"}},
            {"response_types", {"code"}}};
  }
};

TEST_F(StrictRegistrationTest, OpenBadgesProfileIsEnforced) {
  auto c = registered(ob_client());
  EXPECT_EQ(c["software_id"], "c88b6ed8-269e-448e-99be-7e2ff47167d1");

  auto set = [](json m, const std::string& k, json v) {
    if (v.is_null()) {
      m.erase(k);
    } else {
      m[k] = std::move(v);
    }
    return m;
  };
  const std::vector<std::pair<json, std::string>> cases = {
      {set(ob_client(), "client_name", nullptr), "invalid_client_metadata"},
      {set(ob_client(), "client_uri", nullptr), "invalid_client_metadata"},
      {set(ob_client(), "logo_uri", nullptr), "invalid_client_metadata"},
      {set(ob_client(), "tos_uri", nullptr), "invalid_client_metadata"},
      {set(ob_client(), "policy_uri", nullptr), "invalid_client_metadata"},
      {set(ob_client(), "software_id", nullptr), "invalid_client_metadata"},
      {set(ob_client(), "software_version", nullptr), "invalid_client_metadata"},
      {set(ob_client(), "scope", nullptr), "invalid_client_metadata"},
      {set(ob_client(), "redirect_uris", nullptr), "invalid_redirect_uri"},
      {set(ob_client(), "client_uri", "http://wallet.example.org/"), "invalid_client_metadata"},
      {set(ob_client(), "logo_uri", "https://cdn.example.net/logo.png"), "invalid_client_metadata"},
      {set(ob_client(), "tos_uri", "https://elsewhere.example.org/terms"), "invalid_client_metadata"},
      {set(ob_client(), "policy_uri", "http://wallet.example.org/privacy"), "invalid_client_metadata"},
      {set(ob_client(), "redirect_uris", {"https://evil.example.net/callback"}), "invalid_redirect_uri"},
      {set(ob_client(), "redirect_uris", {"http://127.0.0.1:8080/callback"}), "invalid_redirect_uri"},
  };
  for (const auto& [body, error] : cases) {
    auto r = reg(body);
    EXPECT_EQ(r.status, 400) << body.dump() << " -> " << r.body;
    EXPECT_EQ(r.json()["error"], error) << body.dump() << " -> " << r.body;
  }
  EXPECT_EQ(client_count(), 1);

  // The profile governs the open endpoint; administrators still create machine clients.
  auto svc = admin_post(
      "/api/v1/clients",
      {{"grant_types", {"client_credentials"}}, {"scope", "admin:users"}, {"service_account", true}});
  EXPECT_EQ(svc.status, 201) << svc.body;
}

}  // namespace
}  // namespace bs::test
