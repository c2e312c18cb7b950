// Starts the real badgeserver binary on a loopback port against a fresh database (a temp SQLite
// file, or a new PostgreSQL database when BADGESERVER_TEST_DATABASE=postgres) and stops it after.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "support/http_client.hpp"

namespace bs::test {

// "sqlite" or "postgres", from BADGESERVER_TEST_DATABASE (default sqlite).
std::string test_database_kind();

// A fresh, empty database for one test: its URL, dropped/removed on destruction.
class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  const std::string& url() const { return url_; }
  bool is_postgres() const { return postgres_; }
  const std::string& dir() const { return dir_; }

 private:
  bool postgres_ = false;
  std::string url_;
  std::string dir_;
  std::string pg_name_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the badgeserver binary with args (and extra environment), feeding stdin_text.
RunResult run_cli(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                  const std::string& stdin_text = "");

std::uint16_t free_port();

class ServerProcess {
 public:
  // extra_args are added to `serve`; env adds to the environment.
  explicit ServerProcess(const std::string& database_url, std::vector<std::string> extra_args = {},
                         std::map<std::string, std::string> env = {});
  ~ServerProcess();

  bool start();  // waits for /health; false when it did not come up
  void stop(int signal = 15);
  // Waits for the process to exit; returns its exit status (or -1).
  int wait_exit(int timeout_ms = 10000);
  bool running() const { return pid_ > 0; }

  std::uint16_t port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  HttpClient client() const { return HttpClient("127.0.0.1", port_); }
  std::string log() const;  // everything the server wrote to stderr
  const std::map<std::string, std::string>& env() const { return env_; }

 private:
  std::string database_url_;
  std::vector<std::string> extra_args_;
  std::map<std::string, std::string> env_;
  std::uint16_t port_ = 0;
  int pid_ = -1;
  std::string log_path_;
};

// The fixed key-encryption key the tests run with (base64 of 32 bytes).
inline constexpr const char* kTestKek = "dGVzdC1rZXktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM=";

}  // namespace bs::test
