#include "support/fixture.hpp"

#include "crypto/encoding.hpp"

namespace bs::test {

void ServerTest::SetUp() {
  db = std::make_unique<TestDatabase>();
  admin_key = cli_api_key("admin", "bootstrap");
  ASSERT_FALSE(admin_key.empty());
  server = std::make_unique<ServerProcess>(db->url(), server_args());
  ASSERT_TRUE(server->start()) << server->log();
}

void ServerTest::TearDown() {
  if (server) server->stop();
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
