// The integration-test fixture: a fresh database, a bootstrap admin API key made with the CLI, and
// the real server on loopback.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace bs::test {

class ServerTest : public ::testing::Test {
 protected:
  // Extra `serve` flags for a suite (override).
  virtual std::vector<std::string> server_args() const { return {}; }

  void SetUp() override;
  void TearDown() override;

  HttpClient client() const { return server->client(); }
  Headers admin() const { return {{"X-API-Key", admin_key}}; }
  // Creates an API key with the CLI against this database.
  std::string cli_api_key(const std::string& scopes, const std::string& name = "test");
  // Creates a user through the admin API and logs in; returns the session access token.
  nlohmann::json create_user(const std::string& email, const std::string& password = "correct horse battery",
                             const std::string& role = "user");
  std::string login(const std::string& email, const std::string& password = "correct horse battery");
  std::map<std::string, std::string> cli_env() const {
    return {{"BADGESERVER_KEY_ENCRYPTION_KEY", kTestKek}};
  }

  std::unique_ptr<TestDatabase> db;
  std::unique_ptr<ServerProcess> server;
  std::string admin_key;
};

// Decodes the JSON of a JWT's header (part 0) or payload (part 1) without verifying it.
nlohmann::json jwt_part(const std::string& jwt, int part);

}  // namespace bs::test
