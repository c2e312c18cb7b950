#include "support/server_process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "store/database.hpp"

namespace bs::test {

namespace fs = std::filesystem;

namespace {

std::string random_suffix() {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char* alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 12; ++i) s.push_back(alphabet[rng() % 36]);
  return s;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string postgres_admin_url() {
  const char* url = std::getenv("BADGESERVER_TEST_POSTGRES_URL");
  return url ? url : "";
}

// postgresql://user:pass@host:port/db -> same with another db name
std::string with_database(const std::string& url, const std::string& db) {
  auto slash = url.rfind('/');
  auto q = url.find('?', slash);
  return url.substr(0, slash + 1) + db + (q == std::string::npos ? "" : url.substr(q));
}

pid_t spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env, int in_fd,
            int out_fd, int err_fd) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  if (in_fd >= 0) dup2(in_fd, 0);
  if (out_fd >= 0) dup2(out_fd, 1);
  if (err_fd >= 0) dup2(err_fd, 2);
  for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
  std::vector<char*> argv;
  std::string binary = BADGESERVER_BINARY;
  argv.push_back(binary.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(binary.c_str(), argv.data());
  _exit(127);
}

}  // namespace

std::string test_database_kind() {
  const char* kind = std::getenv("BADGESERVER_TEST_DATABASE");
  return kind && std::string(kind) == "postgres" ? "postgres" : "sqlite";
}

TestDatabase::TestDatabase() {
  dir_ = (fs::temp_directory_path() / ("badgeserver-test-" + random_suffix())).string();
  fs::create_directories(dir_);
  if (test_database_kind() == "postgres") {
    const auto admin = postgres_admin_url();
    if (admin.empty())
      throw std::runtime_error("BADGESERVER_TEST_DATABASE=postgres needs BADGESERVER_TEST_POSTGRES_URL");
    postgres_ = true;
    pg_name_ = "bs_it_" + random_suffix();
    auto db = store::open_database(admin, {.pool_size = 1});
    if (!db) throw std::runtime_error("cannot reach PostgreSQL: " + db.error().description);
    auto created = (*db)->exec("CREATE DATABASE " + pg_name_);
    if (!created) throw std::runtime_error("CREATE DATABASE failed: " + created.error().description);
    url_ = with_database(admin, pg_name_);
  } else {
    url_ = "sqlite:" + dir_ + "/badgeserver.db";
  }
}

TestDatabase::~TestDatabase() {
  if (postgres_) {
    auto db = store::open_database(postgres_admin_url(), {.pool_size = 1});
    if (db) (void)(*db)->exec("DROP DATABASE IF EXISTS " + pg_name_ + " WITH (FORCE)");
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

RunResult run_cli(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                  const std::string& stdin_text) {
  auto dir = fs::temp_directory_path() / ("badgeserver-cli-" + random_suffix());
  fs::create_directories(dir);
  auto in_path = (dir / "in").string(), out_path = (dir / "out").string(), err_path = (dir / "err").string();
  { std::ofstream(in_path) << stdin_text; }
  int in_fd = open(in_path.c_str(), O_RDONLY);
  int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = spawn(args, env, in_fd, out_fd, err_fd);
  close(in_fd);
  close(out_fd);
  close(err_fd);
  int status = 0;
  waitpid(pid, &status, 0);
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  fs::remove_all(dir);
  return r;
}

std::uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

ServerProcess::ServerProcess(const std::string& database_url, std::vector<std::string> extra_args,
                             std::map<std::string, std::string> env)
    : database_url_(database_url), extra_args_(std::move(extra_args)), env_(std::move(env)) {
  if (!env_.count("BADGESERVER_KEY_ENCRYPTION_KEY")) env_["BADGESERVER_KEY_ENCRYPTION_KEY"] = kTestKek;
  log_path_ = (fs::temp_directory_path() / ("badgeserver-log-" + random_suffix())).string();
}

ServerProcess::~ServerProcess() {
  stop(SIGKILL);
  std::error_code ec;
  fs::remove(log_path_, ec);
}

bool ServerProcess::start() {
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = free_port();
    std::vector<std::string> args = {"serve", "--listen", "127.0.0.1:" + std::to_string(port_), "--database",
                                     database_url_};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    int err_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    pid_ = spawn(args, env_, -1, err_fd, err_fd);
    close(err_fd);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;  // exited: maybe the port was taken; try another
      }
      try {
        if (client().get("/health").status == 200) return true;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop(SIGKILL);
  }
  return false;
}

void ServerProcess::stop(int signal) {
  if (pid_ <= 0) return;
  kill(pid_, signal);
  wait_exit();
}

int ServerProcess::wait_exit(int timeout_ms) {
  if (pid_ <= 0) return -1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return -1;
}

std::string ServerProcess::log() const {
  return read_file(log_path_);
}

}  // namespace bs::test
