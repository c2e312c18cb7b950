#include "support/fixture.hpp"

#include "crypto/encoding.hpp"
#include "support/secret_recorder.hpp"

namespace bs::test {

void ServerTest::SetUp() {
  (void)SecretRecorder::instance().take_secrets();  // only this test's values count
  (void)SecretRecorder::instance().take_cookie_setters();
  db = std::make_unique<TestDatabase>();
  admin_key = cli_api_key("admin", "bootstrap");
  ASSERT_FALSE(admin_key.empty());
  server = std::make_unique<ServerProcess>(db->url(), server_args());
  ASSERT_TRUE(server->start()) << server->log();
}

void ServerTest::TearDown() {
  if (server) server->stop();
  // Every test contributes to two checks: no credential it saw reached the server's log, and no
  // response set a cookie (the API is cookie-free, so there is nothing for a forged request to ride on).
  const auto secrets = SecretRecorder::instance().take_secrets();
  if (server) {
    const auto log = server->log();
    for (const auto& secret : secrets)
      EXPECT_EQ(log.find(secret), std::string::npos)
          << "a credential the test sent or received is in the server log: " << secret.substr(0, 6) << "...";
  }
  for (const auto& setter : SecretRecorder::instance().take_cookie_setters())
    ADD_FAILURE() << "a response set a cookie: " << setter;
  server.reset();
  db.reset();
}

std::string ServerTest::cli_api_key(const std::string& scopes, const std::string& name) {
  auto r = run_cli({"admin", "create-api-key", "--database", db->url(), "--name", name, "--scopes", scopes},
                   cli_env());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_TRUE(j.is_object()) << r.out;
  if (!j.is_object() || !j.contains("api_key")) return "";
  SecretRecorder::instance().add(j["api_key"].get<std::string>());
  return j["api_key"].get<std::string>();
}

nlohmann::json ServerTest::create_user(const std::string& email, const std::string& password,
                                       const std::string& role) {
  auto r = client().post_json(
      "/api/v1/users", {{"email", email}, {"password", password}, {"name", "Test User"}, {"role", role}},
      admin());
  EXPECT_EQ(r.status, 201) << r.body;
  return r.json();
}

std::string ServerTest::login(const std::string& email, const std::string& password) {
  auto r = client().post_json("/auth/login", {{"email", email}, {"password", password}});
  EXPECT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  return j.is_object() && j.contains("access_token") ? j["access_token"].get<std::string>() : "";
}

nlohmann::json jwt_part(const std::string& jwt, int part) {
  std::size_t start = 0;
  for (int i = 0; i < part; ++i) start = jwt.find('.', start) + 1;
  auto end = jwt.find('.', start);
  auto decoded = crypto::base64url_decode(std::string_view(jwt).substr(start, end - start));
  if (!decoded) return nlohmann::json();
  return nlohmann::json::parse(*decoded, nullptr, false);
}

}  // namespace bs::test
