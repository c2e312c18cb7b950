// The foundation over real HTTP: health, security headers, JWKS, bad input, and the CLI.
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "support/fixture.hpp"

namespace bs::test {
namespace {

using FoundationTest = ServerTest;

TEST_F(FoundationTest, HealthAnswersOkWithSecurityHeaders) {
  auto r = client().get("/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json(), nlohmann::json({{"status", "ok"}}));
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(r.header("referrer-policy"), "no-referrer");
  EXPECT_NE(r.header("content-security-policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(r.header("cache-control"), "no-store");
  EXPECT_FALSE(r.header("x-request-id").empty());
}

TEST_F(FoundationTest, JwksPublishesPublicKeysOnly) {
  auto r = client().get("/.well-known/jwks.json");
  ASSERT_EQ(r.status, 200);
  auto keys = r.json()["keys"];
  ASSERT_TRUE(keys.is_array());
  ASSERT_GE(keys.size(), 1u);
  for (const auto& k : keys) {
    EXPECT_TRUE(k.contains("kid"));
    EXPECT_TRUE(k.contains("alg"));
    EXPECT_EQ(k["use"], "sig");
    EXPECT_FALSE(k.contains("d")) << "private key material published";
  }
  // The default ES256 key, and the RS256 key Open Badges credentials are signed with, published
  // once under its thumbprint kid and once under its URL kid (the kid VC-JWT headers carry).
  std::vector<nlohmann::json> es256, rs256;
  for (const auto& k : keys) (k["alg"] == "ES256" ? es256 : rs256).push_back(k);
  ASSERT_EQ(es256.size(), 1u);
  EXPECT_EQ(es256[0]["kty"], "EC");
  EXPECT_EQ(es256[0]["crv"], "P-256");
  ASSERT_EQ(rs256.size(), 2u);
  EXPECT_EQ(rs256[0]["alg"], "RS256");
  EXPECT_EQ(rs256[0]["n"], rs256[1]["n"]);
  const std::string url_kid = server->base_url() + "/keys/";
  EXPECT_NE(rs256[0]["kid"].get<std::string>().starts_with(url_kid),
            rs256[1]["kid"].get<std::string>().starts_with(url_kid));
}

TEST_F(FoundationTest, UnknownPathIs404AndWrongMethodIs405) {
  auto r = client().get("/no/such/path");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json()["error"], "not_found");
  auto m = client().request("DELETE", "/health");
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.header("allow"), "GET");
}

TEST_F(FoundationTest, OversizedBodyIs413AndStoresNothing) {
  std::string big(2 * 1024 * 1024, 'a');
  auto r = client().request("POST", "/auth/register", {{"Content-Type", "application/json"}}, big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.json()["error"], "payload_too_large");
  auto users = client().get("/api/v1/users", admin());
  EXPECT_EQ(users.json()["items"].size(), 0u);
}

TEST_F(FoundationTest, OverlongHeaderIs431) {
  auto r = client().request("GET", "/health", {{"X-Filler", std::string(20 * 1024, 'x')}});
  EXPECT_EQ(r.status, 431);
}

TEST_F(FoundationTest, GarbageRequestLineGets400) {
  auto raw = client().raw("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_NE(raw.find("400"), std::string::npos) << raw;
  EXPECT_EQ(client().get("/health").status, 200);  // still serving
}

TEST_F(FoundationTest, ServerSurvivesManyConcurrentClients) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i)
        if (client().get("/health").status == 200) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 200);
}

TEST_F(FoundationTest, AcknowledgedWritesSurviveKill9) {
  auto user = create_user("durable@example.org");
  auto key =
      client().post_json("/api/v1/api-keys", {{"name", "durable"}, {"scopes", {"admin:users"}}}, admin());
  ASSERT_EQ(key.status, 201);
  server->stop(SIGKILL);
  ASSERT_TRUE(server->start()) << server->log();
  auto got = client().get("/api/v1/users/" + user["id"].get<std::string>(), admin());
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.json()["email"], "durable@example.org");
  auto with_key = client().get("/api/v1/users", {{"X-API-Key", key.json()["api_key"].get<std::string>()}});
  EXPECT_EQ(with_key.status, 200);
}

TEST_F(FoundationTest, GracefulShutdownOnSigterm) {
  server->stop(SIGTERM);
  EXPECT_FALSE(server->running());
  EXPECT_NE(server->log().find("\"msg\":\"stopped\""), std::string::npos) << server->log();
}

TEST_F(FoundationTest, RequestLogIsJsonWithoutQueryOrCredentials) {
  client().get("/health?secret_code=abc123", admin());
  server->stop(SIGTERM);
  auto log = server->log();
  EXPECT_NE(log.find("\"route\":\"/health\""), std::string::npos);
  EXPECT_EQ(log.find("abc123"), std::string::npos);
  EXPECT_EQ(log.find(admin_key), std::string::npos);
}

TEST_F(FoundationTest, CliCreatesAdminUserWhoCanLogIn) {
  auto r = run_cli({"admin", "create-user", "--database", db->url(), "--email", "Root@Example.org",
                    "--password-stdin", "--role", "admin"},
                   cli_env(), "a very long password\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto user = nlohmann::json::parse(r.out);
  EXPECT_EQ(user["email"], "root@example.org");
  EXPECT_EQ(user["role"], "admin");
  EXPECT_FALSE(user.contains("password_hash"));
  auto token = login("root@example.org", "a very long password");
  auto users = client().get("/api/v1/users", {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(users.status, 200);
}

TEST_F(FoundationTest, CliRejectsShortPassword) {
  auto r = run_cli(
      {"admin", "create-user", "--database", db->url(), "--email", "x@example.org", "--password-stdin"},
      cli_env(), "short\n");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("at least 10"), std::string::npos);
}

TEST_F(FoundationTest, MigrateCommandIsIdempotent) {
  auto a = run_cli({"migrate", "--database", db->url()});
  auto b = run_cli({"migrate", "--database", db->url()});
  EXPECT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(b.exit_code, 0) << b.err;
}

class KeyRotationTest : public ServerTest {
 protected:
  std::vector<std::string> server_args() const override {
    return {"--key-refresh-interval", "1", "--key-activation-delay", "2"};
  }
};

TEST_F(KeyRotationTest, CliRotatedKeyIsPublishedBeforeItSigns) {
  const auto initial = client().get("/.well-known/jwks.json").json();
  nlohmann::json before = nlohmann::json::array();
  for (const auto& k : initial["keys"])
    if (k["alg"] == "ES256") before.push_back(k);  // the default alg; RS256 signs badges
  ASSERT_EQ(before.size(), 1u);
  const auto old_kid = before[0]["kid"].get<std::string>();
  auto r =
      run_cli({"admin", "rotate-keys", "--database", db->url(), "--key-activation-delay", "3"}, cli_env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto new_kid = nlohmann::json::parse(r.out)["kid"].get<std::string>();

  // Published by the running server within its refresh interval...
  bool published = false;
  for (int i = 0; i < 40 && !published; ++i) {
    const auto jwks = client().get("/.well-known/jwks.json").json();
    for (const auto& k : jwks["keys"]) published |= k["kid"] == new_kid;
    if (!published) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(published);
  // ...while the old key still signs,
  create_user("rot@example.org");
  EXPECT_EQ(jwt_part(login("rot@example.org"), 0)["kid"], old_kid);
  // and after the activation delay the new key signs, the old one stays published.
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  EXPECT_EQ(jwt_part(login("rot@example.org"), 0)["kid"], new_kid);
  bool old_still_published = false;
  const auto jwks = client().get("/.well-known/jwks.json").json();
  for (const auto& k : jwks["keys"]) old_still_published |= k["kid"] == old_kid;
  EXPECT_TRUE(old_still_published);
}

TEST_F(KeyRotationTest, AdminEndpointListsAndRotatesKeys) {
  auto list = client().get("/api/v1/keys", admin());
  ASSERT_EQ(list.status, 200);
  // The default ES256 key and the RS256 key of Open Badges credentials.
  ASSERT_EQ(list.json()["items"].size(), 2u);
  const auto keys = list.json();  // a range-for over a temporary's subobject would dangle
  for (const auto& k : keys["items"]) EXPECT_EQ(k["status"], "active");
  auto rotated = client().post_json("/api/v1/keys/rotate", {{"alg", "EdDSA"}}, admin());
  ASSERT_EQ(rotated.status, 201) << rotated.body;
  EXPECT_EQ(rotated.json()["alg"], "EdDSA");
  EXPECT_EQ(rotated.json()["status"], "pending");
  auto bad = client().post_json("/api/v1/keys/rotate", {{"alg", "none"}}, admin());
  EXPECT_EQ(bad.status, 400);
}

TEST(DefaultsTest, ServeWithoutConfigurationCreatesAKeyFile) {
  if (test_database_kind() != "sqlite") GTEST_SKIP() << "the key file is the SQLite default";
  TestDatabase db;
  ServerProcess server(db.url(), {}, {{"BADGESERVER_KEY_ENCRYPTION_KEY", ""}});
  ASSERT_TRUE(server.start()) << server.log();
  const auto key_file = db.url().substr(7) + ".key";
  struct stat st {};
  ASSERT_EQ(stat(key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_NE(server.log().find("BADGESERVER_KEY_ENCRYPTION_KEY is not set"), std::string::npos);
  // A restart reads the same key back and can still use its signing key.
  server.stop();
  ASSERT_TRUE(server.start()) << server.log();
  // No new key was created: ES256, and RS256 twice (thumbprint and URL kid).
  EXPECT_EQ(server.client().get("/.well-known/jwks.json").json()["keys"].size(), 3u);
}

TEST(DefaultsTest, BadOptionsFailClearly) {
  auto r = run_cli({"serve", "--listen", "nonsense"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("HOST:PORT"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace bs::test
