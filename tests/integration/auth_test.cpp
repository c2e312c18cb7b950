// The authentication system over real HTTP: registration, login, sessions, API keys, users, scopes.
#include "support/fixture.hpp"

namespace bs::test {
namespace {

class AuthTest : public ServerTest {
 protected:
  HttpResponse register_user(const nlohmann::json& body) {
    return client().post_json("/auth/register", body);
  }
  Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }
  int user_count() { return static_cast<int>(client().get("/api/v1/users", admin()).json()["items"].size()); }
};

TEST_F(AuthTest, RegisterCreatesUserWithoutSecrets) {
  auto r =
      register_user({{"email", "Ada@Example.org"}, {"password", "correct horse battery"}, {"name", "Ada"}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto u = r.json();
  EXPECT_EQ(u["email"], "ada@example.org");
  EXPECT_EQ(u["name"], "Ada");
  EXPECT_EQ(u["role"], "user");
  EXPECT_TRUE(u["id"].is_string());
  EXPECT_TRUE(u["created_at"].is_string());
  EXPECT_EQ(r.body.find("argon2"), std::string::npos);
  EXPECT_EQ(r.body.find("password"), std::string::npos);
}

TEST_F(AuthTest, RegisterRejectsBadInputAndStoresNothing) {
  struct Case {
    std::string content_type;
    std::string body;
    int status;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"application/json", "{not json", 400, "invalid_request"},
      {"application/json", "[1,2]", 400, "invalid_request"},
      {"text/plain", R"({"email":"a@b.org","password":"long enough pw","name":"A"})", 415,
       "unsupported_media_type"},
      {"application/json", R"({"email":"a@b.org","password":"short","name":"A"})", 422, "invalid_data"},
      {"application/json", R"({"email":"a@b.org","password":")" + std::string(1025, 'x') + R"(","name":"A"})",
       422, "invalid_data"},
      {"application/json", R"({"email":"not-an-email","password":"long enough pw","name":"A"})", 422,
       "invalid_data"},
      {"application/json", R"({"email":"a@b.org","password":"long enough pw"})", 400, "invalid_request"},
      {"application/json", R"({"email":"a@b.org","password":"long enough pw","name":"A","role":"admin"})",
       400, "invalid_request"},
      {"application/json", R"({"email":"a@b.org","password":12345678901,"name":"A"})", 400,
       "invalid_request"},
      {"application/json", "{\"email\":\"a@b.org\",\"password\":\"long enough pw\",\"name\":\"\xff\xfe\"}",
       400, "invalid_request"},
  };
  for (const auto& c : cases) {
    auto r = client().request("POST", "/auth/register", {{"Content-Type", c.content_type}}, c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_EQ(r.json()["error"], c.error) << c.body;
    EXPECT_TRUE(r.json()["error_description"].is_string());
  }
  EXPECT_EQ(user_count(), 0);
}

TEST_F(AuthTest, DuplicateEmailIsConflict) {
  nlohmann::json body = {{"email", "dup@example.org"}, {"password", "correct horse battery"}, {"name", "D"}};
  EXPECT_EQ(register_user(body).status, 201);
  body["email"] = "DUP@example.org";
  auto r = register_user(body);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.json()["error"], "conflict");
  EXPECT_EQ(user_count(), 1);
}

TEST_F(AuthTest, SqlSpecialCharactersAreStoredVerbatim) {
  const std::string name = "Robert'); DROP TABLE users;-- \"quoted\" \\ % _ ünïcødé";
  auto r =
      register_user({{"email", "bobby@example.org"}, {"password", "correct horse battery"}, {"name", name}});
  ASSERT_EQ(r.status, 201);
  auto got = client().get("/api/v1/users/" + r.json()["id"].get<std::string>(), admin());
  EXPECT_EQ(got.json()["name"], name);
  EXPECT_EQ(user_count(), 1);
}

TEST_F(AuthTest, LoginIssuesSessionJwtAndMeWorks) {
  auto user = create_user("me@example.org");
  auto r =
      client().post_json("/auth/login", {{"email", "ME@example.org"}, {"password", "correct horse battery"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  EXPECT_EQ(j["token_type"], "Bearer");
  EXPECT_EQ(j["expires_in"], 900);
  EXPECT_TRUE(j["refresh_token"].is_string());
  EXPECT_EQ(r.header("cache-control"), "no-store");
  const auto token = j["access_token"].get<std::string>();
  auto header = jwt_part(token, 0);
  auto claims = jwt_part(token, 1);
  EXPECT_EQ(header["typ"], "session+jwt");
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(claims["sub"], user["id"]);
  EXPECT_EQ(claims["iss"], server->base_url());
  EXPECT_NE(claims["aud"], server->base_url());  // never an OAuth access-token audience

  auto me = client().get("/auth/me", bearer(token));
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json()["id"], user["id"]);
}

TEST_F(AuthTest, WrongPasswordAndUnknownUserLookTheSame) {
  create_user("known@example.org");
  auto a =
      client().post_json("/auth/login", {{"email", "known@example.org"}, {"password", "wrong password!"}});
  auto b =
      client().post_json("/auth/login", {{"email", "nobody@example.org"}, {"password", "wrong password!"}});
  EXPECT_EQ(a.status, 401);
  EXPECT_EQ(b.status, 401);
  EXPECT_EQ(a.json(), b.json());
}

TEST_F(AuthTest, LoginIsThrottledPerAccount) {
  create_user("target@example.org");
  for (int i = 0; i < 5; ++i) {
    auto r =
        client().post_json("/auth/login", {{"email", "target@example.org"}, {"password", "wrong password!"}});
    EXPECT_EQ(r.status, 401);
  }
  auto r = client().post_json("/auth/login",
                              {{"email", "target@example.org"}, {"password", "correct horse battery"}});
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.json()["error"], "too_many_requests");
  int retry = std::stoi(r.header("retry-after"));
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 900);
  auto audit = client().get("/api/v1/audit-events?event=login.failed", admin());
  ASSERT_EQ(audit.status, 200);
  EXPECT_EQ(audit.json()["items"].size(), 5u);
}

TEST_F(AuthTest, RefreshRotatesAndOldRefreshTokenIsSpent) {
  create_user("r@example.org");
  auto first =
      client().post_json("/auth/login", {{"email", "r@example.org"}, {"password", "correct horse battery"}});
  const auto refresh1 = first.json()["refresh_token"].get<std::string>();
  auto second = client().post_json("/auth/refresh", {{"refresh_token", refresh1}});
  ASSERT_EQ(second.status, 200) << second.body;
  const auto refresh2 = second.json()["refresh_token"].get<std::string>();
  EXPECT_NE(refresh1, refresh2);
  EXPECT_EQ(client().get("/auth/me", bearer(second.json()["access_token"])).status, 200);
  auto reuse = client().post_json("/auth/refresh", {{"refresh_token", refresh1}});
  EXPECT_EQ(reuse.status, 400);
  EXPECT_EQ(reuse.json()["error"], "invalid_grant");
  auto garbage = client().post_json("/auth/refresh", {{"refresh_token", "bsr_nonsense"}});
  EXPECT_EQ(garbage.status, 400);
}

TEST_F(AuthTest, LogoutRevokesSessionAndItsRefreshToken) {
  create_user("bye@example.org");
  auto tokens = client().post_json("/auth/login",
                                   {{"email", "bye@example.org"}, {"password", "correct horse battery"}});
  const auto access = tokens.json()["access_token"].get<std::string>();
  const auto refresh = tokens.json()["refresh_token"].get<std::string>();
  EXPECT_EQ(client().request("POST", "/auth/logout", bearer(access)).status, 204);
  auto me = client().get("/auth/me", bearer(access));
  EXPECT_EQ(me.status, 401);
  EXPECT_NE(me.header("www-authenticate").find("invalid_token"), std::string::npos);
  EXPECT_EQ(client().post_json("/auth/refresh", {{"refresh_token", refresh}}).status, 400);
}

TEST_F(AuthTest, MissingAndBadCredentialsGet401WithChallenge) {
  auto none = client().get("/api/v1/users");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.header("www-authenticate"), "Bearer realm=\"badgeserver\"");
  auto bad_key = client().get("/api/v1/users", {{"X-API-Key", "bsk_nope.nope"}});
  EXPECT_EQ(bad_key.status, 401);
  EXPECT_NE(bad_key.header("www-authenticate").find("error=\"invalid_token\""), std::string::npos);
  auto bad_jwt = client().get("/api/v1/users", bearer("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."));
  EXPECT_EQ(bad_jwt.status, 401);
  auto basic = client().get("/api/v1/users", {{"Authorization", "Basic Zm9vOmJhcg=="}});
  EXPECT_EQ(basic.status, 401);
  auto key_as_bearer = client().get("/api/v1/users", bearer(admin_key));
  EXPECT_EQ(key_as_bearer.status, 401);
}

TEST_F(AuthTest, TamperedSessionTokenIsRejected) {
  create_user("t@example.org");
  auto token = login("t@example.org");
  auto dot = token.find('.');
  auto forged_payload = token;
  forged_payload[dot + 5] = forged_payload[dot + 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(client().get("/auth/me", bearer(forged_payload)).status, 401);
}

TEST_F(AuthTest, UserSessionCannotUseAdminApi) {
  create_user("plain@example.org");
  auto token = login("plain@example.org");
  auto r = client().get("/api/v1/users", bearer(token));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json()["error"], "insufficient_scope");
  EXPECT_NE(r.header("www-authenticate").find("insufficient_scope"), std::string::npos);
}

TEST_F(AuthTest, ApiKeyLifecycleAndScopes) {
  auto created = client().post_json(
      "/api/v1/api-keys",
      {{"name", "users only"}, {"scopes", {"admin:users"}}, {"expires_at", "2999-01-01T00:00:00Z"}}, admin());
  ASSERT_EQ(created.status, 201) << created.body;
  auto k = created.json();
  const auto secret = k["api_key"].get<std::string>();
  EXPECT_TRUE(secret.starts_with("bsk_"));
  EXPECT_GE(secret.size(), 4u + 43u);
  EXPECT_EQ(k["scopes"], nlohmann::json::array({"admin:users"}));
  EXPECT_EQ(k["expires_at"], "2999-01-01T00:00:00Z");

  // Least privilege: admin:users can list users but not manage keys.
  EXPECT_EQ(client().get("/api/v1/users", {{"X-API-Key", secret}}).status, 200);
  auto denied = client().get("/api/v1/api-keys", {{"X-API-Key", secret}});
  EXPECT_EQ(denied.status, 403);

  // The listing never shows the secret or its hash.
  auto list = client().get("/api/v1/api-keys", admin());
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find(secret.substr(secret.find('.') + 1)), std::string::npos);
  EXPECT_EQ(list.body.find("hash"), std::string::npos);
  EXPECT_EQ(list.json()["items"].size(), 2u);

  EXPECT_EQ(client().request("DELETE", "/api/v1/api-keys/" + k["id"].get<std::string>(), admin()).status,
            204);
  EXPECT_EQ(client().get("/api/v1/users", {{"X-API-Key", secret}}).status, 401);
  EXPECT_EQ(client().request("DELETE", "/api/v1/api-keys/" + k["id"].get<std::string>(), admin()).status,
            404);
}

TEST_F(AuthTest, ApiKeyCreationValidates) {
  auto past = client().post_json(
      "/api/v1/api-keys", {{"name", "old"}, {"scopes", {"admin"}}, {"expires_at", "2000-01-01T00:00:00Z"}},
      admin());
  EXPECT_EQ(past.status, 422);
  auto unknown = client().post_json("/api/v1/api-keys", {{"name", "x"}, {"scopes", {"superuser"}}}, admin());
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.json()["error"], "invalid_scope");
  auto no_scopes =
      client().post_json("/api/v1/api-keys", {{"name", "x"}, {"scopes", nlohmann::json::array()}}, admin());
  EXPECT_EQ(no_scopes.status, 422);
  auto bad_date = client().post_json("/api/v1/api-keys",
                                     {{"name", "x"}, {"scopes", {"admin"}}, {"expires_at", "soon"}}, admin());
  EXPECT_EQ(bad_date.status, 400);
  // A key holding admin:keys cannot mint a key with more than it holds.
  auto limited = cli_api_key("admin:keys", "limited");
  auto escalate = client().post_json("/api/v1/api-keys", {{"name", "x"}, {"scopes", {"admin"}}},
                                     {{"X-API-Key", limited}});
  EXPECT_EQ(escalate.status, 403);
  EXPECT_EQ(client().get("/api/v1/api-keys", admin()).json()["items"].size(), 2u);
}

TEST_F(AuthTest, AdminUserCreationAndCursorPagination) {
  for (int i = 0; i < 5; ++i) create_user("u" + std::to_string(i) + "@example.org");
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto r = client().get("/api/v1/users?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor), admin());
    ASSERT_EQ(r.status, 200);
    const auto page = r.json();
    for (const auto& u : page["items"]) seen.insert(u["id"].get<std::string>());
    cursor = page["next_cursor"].is_null() ? "" : page["next_cursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(client().get("/api/v1/users?limit=0", admin()).status, 400);
  EXPECT_EQ(client().get("/api/v1/users?limit=abc", admin()).status, 400);
  auto admin_user = create_user("boss@example.org", "correct horse battery", "admin");
  EXPECT_EQ(admin_user["role"], "admin");
  auto bad_role = client().post_json(
      "/api/v1/users",
      {{"email", "x@example.org"}, {"password", "correct horse battery"}, {"name", "X"}, {"role", "root"}},
      admin());
  EXPECT_EQ(bad_role.status, 422);
}

class RegistrationDisabledTest : public ServerTest {
 protected:
  std::vector<std::string> server_args() const override { return {"--allow-registration", "false"}; }
};

TEST_F(RegistrationDisabledTest, RegisterIsForbidden) {
  auto r = client().post_json(
      "/auth/register", {{"email", "a@example.org"}, {"password", "correct horse battery"}, {"name", "A"}});
  EXPECT_EQ(r.status, 403);
}

}  // namespace
}  // namespace bs::test
