// Abuse limits over real HTTP: per-IP and per-client rate limits (429 + Retry-After + the JSON
// error), client quotas through the admin API, login lockout with exponential back-off, the
// connection limit, the request-read deadline (slowloris), and two instances sharing a limit.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <thread>

#include "support/fixture.hpp"
#include "support/oauth_helpers.hpp"

namespace bs::test {
namespace {

// A raw TCP connection the test controls byte by byte.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  bool send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // Everything received until the peer closes or timeout_ms passes; closed() says which.
  std::string receive(int timeout_ms) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return out;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return out;
      char buf[4096];
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return out;
      }
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  bool closed() const { return closed_; }
  // Receives until the data holds marker, the peer closes, or timeout_ms passes.
  std::string receive_until(std::string_view marker, int timeout_ms) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (out.find(marker) == std::string::npos && !closed_ && std::chrono::steady_clock::now() < deadline)
      out += receive(50);
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

class AbuseLimitsTest : public ServerTest {
 protected:
  // Restarts the server on the same database with these flags.
  void restart(std::vector<std::string> args) {
    server->stop();
    server = std::make_unique<ServerProcess>(db->url(), std::move(args));
    ASSERT_TRUE(server->start()) << server->log();
  }
  nlohmann::json cc_client() {
    auto r = client().post_json("/oauth/register", {{"client_name", "svc"},
                                                    {"grant_types", {"client_credentials"}},
                                                    {"response_types", nlohmann::json::array()},
                                                    {"token_endpoint_auth_method", "client_secret_basic"},
                                                    {"scope", kCredentialRead}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  HttpResponse token(const nlohmann::json& c) {
    return client().post_form("/oauth/token", "grant_type=client_credentials",
                              {{"Authorization", basic_auth(c["client_id"], c["client_secret"])}});
  }
  std::size_t client_count() {
    return client().get("/api/v1/clients?limit=200", admin()).json()["items"].size();
  }
  std::size_t audit_count(const std::string& event) {
    return client().get("/api/v1/audit-events?limit=200&event=" + event, admin()).json()["items"].size();
  }
};

// The 429 every limit answers: the JSON error body, Retry-After in whole seconds.
void expect_limited(const HttpResponse& r, int retry_after) {
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.json()["error"], "too_many_requests") << r.body;
  EXPECT_TRUE(r.json()["error_description"].is_string());
  EXPECT_EQ(r.header("retry-after"), std::to_string(retry_after));
  EXPECT_EQ(r.header("cache-control"), "no-store");
}

TEST_F(AbuseLimitsTest, RegistrationIsLimitedPerIpByDefaultAndNothingIsStored) {
  restart({"--rate-limit-registration-ip", "2/60"});
  cc_client();
  cc_client();
  const auto before = client_count();
  auto refused = client().post_json("/oauth/register", {{"client_name", "third"},
                                                        {"grant_types", {"client_credentials"}},
                                                        {"response_types", nlohmann::json::array()},
                                                        {"scope", kCredentialRead}});
  expect_limited(refused, 30);
  EXPECT_EQ(client_count(), before);
  // User self-registration shares the registration limit.
  auto user = client().post_json(
      "/auth/register", {{"email", "a@example.org"}, {"password", "correct horse battery"}, {"name", "A"}});
  expect_limited(user, 30);
}

TEST_F(AbuseLimitsTest, LoginIsLimitedPerIp) {
  restart({"--rate-limit-login-ip", "3/60"});
  create_user("a@example.org");
  for (int i = 0; i < 3; ++i) {
    auto r = client().post_json("/auth/login",
                                {{"email", "a@example.org"}, {"password", "correct horse battery"}});
    EXPECT_EQ(r.status, 200) << r.body;
  }
  auto r =
      client().post_json("/auth/login", {{"email", "a@example.org"}, {"password", "correct horse battery"}});
  expect_limited(r, 20);
  EXPECT_TRUE(r.header("www-authenticate").empty());
}

TEST_F(AbuseLimitsTest, TokenEndpointIsUnlimitedByDefault) {
  auto c = cc_client();
  for (int i = 0; i < 40; ++i) ASSERT_EQ(token(c).status, 200) << i;
}

TEST_F(AbuseLimitsTest, TokenIpLimitAppliesBeforeClientAuthentication) {
  restart({"--rate-limit-token-ip", "2/60"});
  auto c = cc_client();
  EXPECT_EQ(token(c).status, 200);
  auto bad = client().post_form("/oauth/token", "grant_type=client_credentials",
                                {{"Authorization", basic_auth(c["client_id"], "wrong")}});
  EXPECT_EQ(bad.status, 401);
  expect_limited(token(c), 30);
  EXPECT_EQ(audit_count("client_auth.failed"), 1u);  // failed client authentication is audited
}

TEST_F(AbuseLimitsTest, ClientQuotaThrottlesOneClientAndIsVisibleInTheAdminApi) {
  auto c = cc_client();
  auto other = cc_client();
  const std::string id = c["client_id"];
  auto q = client().get("/api/v1/clients/" + id + "/quota", admin());
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_EQ(q.json()["quota"]["token"], nullptr);
  EXPECT_EQ(q.json()["effective"]["token"], "unlimited");

  auto put = client().request("PUT", "/api/v1/clients/" + id + "/quota",
                              {{"X-API-Key", admin_key}, {"Content-Type", "application/json"}},
                              R"({"token": {"requests": 2, "per_seconds": 60}})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json()["quota"]["token"], nlohmann::json({{"requests", 2}, {"per_seconds", 60}}));
  q = client().get("/api/v1/clients/" + id + "/quota", admin());
  EXPECT_EQ(q.json()["quota"]["token"], nlohmann::json({{"requests", 2}, {"per_seconds", 60}}));
  EXPECT_EQ(q.json()["quota"]["introspect"], nullptr);
  EXPECT_EQ(audit_count("client.quota_updated"), 1u);

  EXPECT_EQ(token(c).status, 200);
  EXPECT_EQ(token(c).status, 200);
  expect_limited(token(c), 30);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(token(other).status, 200);  // another client is untouched

  // Validation, unknown clients, credentials.
  auto bad = client().request("PUT", "/api/v1/clients/" + id + "/quota",
                              {{"X-API-Key", admin_key}, {"Content-Type", "application/json"}},
                              R"({"tokens": {"requests": 2, "per_seconds": 60}})");
  EXPECT_EQ(bad.status, 400);
  bad = client().request("PUT", "/api/v1/clients/" + id + "/quota",
                         {{"X-API-Key", admin_key}, {"Content-Type", "application/json"}},
                         R"({"token": {"requests": 0, "per_seconds": 60}})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(client().get("/api/v1/clients/cli_nope/quota", admin()).status, 404);
  EXPECT_EQ(client().get("/api/v1/clients/" + id + "/quota").status, 401);
  auto reader = cli_api_key("admin:users");
  EXPECT_EQ(client().get("/api/v1/clients/" + id + "/quota", {{"X-API-Key", reader}}).status, 403);
  // The quota survives a restart (it is stored with the client).
  restart({});
  q = client().get("/api/v1/clients/" + id + "/quota", admin());
  EXPECT_EQ(q.json()["effective"]["token"], nlohmann::json({{"requests", 2}, {"per_seconds", 60}}));
}

TEST_F(AbuseLimitsTest, GlobalClientDefaultWithAnUnlimitedQuotaExemption) {
  restart({"--rate-limit-token-client", "2/60"});
  auto limited = cc_client();
  auto exempt = cc_client();
  auto put = client().request("PUT", "/api/v1/clients/" + exempt["client_id"].get<std::string>() + "/quota",
                              {{"X-API-Key", admin_key}, {"Content-Type", "application/json"}},
                              R"({"token": "unlimited"})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json()["effective"]["token"], "unlimited");
  EXPECT_EQ(token(limited).status, 200);
  EXPECT_EQ(token(limited).status, 200);
  expect_limited(token(limited), 30);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(token(exempt).status, 200) << i;
}

TEST_F(AbuseLimitsTest, IntrospectionAndParClientLimits) {
  restart({"--rate-limit-introspect-client", "1/60", "--rate-limit-par-client", "1/60"});
  auto c = cc_client();
  const std::string at = token(c).json()["access_token"];
  Headers auth = {{"Authorization", basic_auth(c["client_id"], c["client_secret"])}};
  auto first = client().post_form("/oauth/introspect", form_encode({{"token", at}}), auth);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.json()["active"], true);
  expect_limited(client().post_form("/oauth/introspect", form_encode({{"token", at}}), auth), 60);
  // An admin credential is not a client: no client quota applies.
  auto introspector = cli_api_key("admin:tokens");
  EXPECT_EQ(client()
                .post_form("/oauth/introspect", form_encode({{"token", at}}), {{"X-API-Key", introspector}})
                .status,
            200);

  auto first_par = client().post_form("/oauth/par", "response_type=code", auth);
  EXPECT_NE(first_par.status, 429);
  expect_limited(client().post_form("/oauth/par", "response_type=code", auth), 60);
}

TEST_F(AbuseLimitsTest, AccountLockoutBacksOffExponentiallyAndIsAudited) {
  restart({"--login-account-max-failures", "2", "--login-lockout-base", "2", "--login-lockout-max", "16"});
  create_user("a@example.org");
  auto attempt = [&](const std::string& password) {
    return client().post_json("/auth/login", {{"email", "a@example.org"}, {"password", password}});
  };
  // Retry-After of a locked account, which must be the lockout just started (less the second
  // that may have ticked since).
  auto locked_for = [&](int lockout) {
    auto r = attempt("correct horse battery");  // even the right password waits
    EXPECT_EQ(r.status, 429) << r.body;
    EXPECT_EQ(r.json()["error"], "too_many_requests");
    const int retry = std::stoi(r.header("retry-after").empty() ? "0" : r.header("retry-after"));
    EXPECT_GE(retry, lockout - 1);
    EXPECT_LE(retry, lockout);
    return retry;
  };
  EXPECT_EQ(attempt("wrong password 1").status, 401);
  EXPECT_EQ(attempt("wrong password 2").status, 401);  // locks for 2 s
  int wait = locked_for(2);
  EXPECT_EQ(audit_count("login.locked"), 1u);
  std::this_thread::sleep_for(std::chrono::seconds(wait) + std::chrono::milliseconds(200));
  EXPECT_EQ(attempt("wrong password 3").status, 401);  // doubles: 4 s
  wait = locked_for(4);
  std::this_thread::sleep_for(std::chrono::seconds(wait) + std::chrono::milliseconds(200));
  EXPECT_EQ(attempt("wrong password 4").status, 401);  // 8 s
  locked_for(8);
  EXPECT_EQ(audit_count("login.locked"), 3u);
  auto locks = client().get("/api/v1/audit-events?event=login.locked", admin()).json()["items"];
  ASSERT_EQ(locks.size(), 3u);
  EXPECT_EQ(locks[0]["details"]["lockout_seconds"], 8);  // newest first
  EXPECT_EQ(locks[2]["details"]["lockout_seconds"], 2);
  // Other accounts are not locked.
  create_user("b@example.org");
  EXPECT_EQ(client()
                .post_json("/auth/login", {{"email", "b@example.org"}, {"password", "correct horse battery"}})
                .status,
            200);
}

TEST_F(AbuseLimitsTest, ConnectionsBeyondTheLimitGet503) {
  restart({"--max-connections", "2"});
  // The start-up health checks' connections must be gone from the server's count first.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::optional<RawConnection> a;
  a.emplace(server->port());
  RawConnection b(server->port());
  ASSERT_TRUE(a->connected() && b.connected());
  // The two are counted once the server has accepted them.
  ASSERT_TRUE(a->send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(b.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_NE(a->receive_until("\"ok\"}", 10000).find(" 200 "), std::string::npos);
  auto b_answer = b.receive_until("\"ok\"}", 10000);
  EXPECT_NE(b_answer.find(" 200 "), std::string::npos) << b_answer;
  RawConnection c(server->port());
  ASSERT_TRUE(c.connected());
  auto answer = c.receive_until("connections\"}", 10000);
  answer += c.receive(3000);  // and then the server closes it
  EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
  EXPECT_NE(answer.find("temporarily_unavailable"), std::string::npos);
  EXPECT_NE(answer.find("Retry-After: 1"), std::string::npos);
  EXPECT_TRUE(c.closed());
  // Once one of the two goes away, new connections are served again.
  a.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(client().get("/health").status, 200);
}

TEST_F(AbuseLimitsTest, SlowlorisIsCutOffAtTheRequestDeadline) {
  restart({"--request-timeout", "2"});
  RawConnection slow(server->port());
  ASSERT_TRUE(slow.connected());
  const std::string request = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
  const auto started = std::chrono::steady_clock::now();
  std::string received;
  // One header byte every 500 ms: each byte is "progress", but the whole request never arrives in time.
  for (char ch : request) {
    if (!slow.send(std::string(1, ch))) break;
    received += slow.receive(500);
    if (slow.closed()) break;
  }
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(slow.closed());
  EXPECT_EQ(received.find(" 200 "), std::string::npos) << received;
  EXPECT_LT(elapsed, std::chrono::seconds(10));  // the whole request would take 30 s
  EXPECT_GE(elapsed, std::chrono::milliseconds(1500));
  // The server is fine, and counted it.
  auto metrics = client().get("/metrics", admin());
  EXPECT_NE(metrics.body.find("badgeserver_http_request_read_timeouts_total 1"), std::string::npos);
}

TEST_F(AbuseLimitsTest, SlowRequestOnAKeepAliveConnectionIsCutOffToo) {
  restart({"--request-timeout", "2", "--idle-timeout", "60"});
  RawConnection conn(server->port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_NE(conn.receive_until("\"ok\"}", 10000).find(" 200 "), std::string::npos);
  EXPECT_FALSE(conn.closed());
  // Idle between requests is allowed (up to idle_timeout)...
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  // ...but once the next request starts, it has request_timeout to arrive, not idle_timeout.
  const std::string request = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
  const auto started = std::chrono::steady_clock::now();
  std::string received;
  for (char ch : request) {
    if (!conn.send(std::string(1, ch))) break;
    received += conn.receive(500);
    if (conn.closed()) break;
  }
  EXPECT_TRUE(conn.closed());
  EXPECT_EQ(received.find(" 200 "), std::string::npos) << received;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST_F(AbuseLimitsTest, TwoPostgresInstancesShareAClientLimit) {
  if (!db->is_postgres()) GTEST_SKIP() << "SQLite runs one instance";
  restart({"--rate-limit-token-client", "4/3600", "--rate-limit-sync-interval", "1"});
  ServerProcess second(db->url(), {"--rate-limit-token-client", "4/3600", "--rate-limit-sync-interval", "1"});
  ASSERT_TRUE(second.start()) << second.log();
  auto c = cc_client();
  Headers auth = {{"Authorization", basic_auth(c["client_id"], c["client_secret"])}};
  auto token_at = [&](const ServerProcess& s) {
    return s.client().post_form("/oauth/token", "grant_type=client_credentials", auth);
  };
  for (int i = 0; i < 4; ++i) EXPECT_EQ(token_at(*server).status, 200) << i;
  EXPECT_EQ(token_at(*server).status, 429);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // the first instance reconciles
  // The second instance admits at most what it spends before its own next reconciliation...
  int admitted = 0;
  for (int i = 0; i < 8; ++i) {
    if (token_at(second).status == 200) ++admitted;
    if (i == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  }
  // ...and then knows the budget is spent: without coordination it would have admitted 4.
  EXPECT_EQ(admitted, 1);
  auto r = token_at(second);
  EXPECT_EQ(r.status, 429);
  EXPECT_GT(std::stoi(r.header("retry-after")), 600);
}

TEST(AbuseLimitOptions, BadValuesFailClearly) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--rate-limit-token-client", "10"}, "rate_limit_token_client"},
      {{"--rate-limit-login-ip", "0/60"}, "rate_limit_login_ip"},
      {{"--login-lockout-base", "60", "--login-lockout-max", "30"}, "login_lockout_max"},
      {{"--max-connections", "0"}, "max_connections"},
      {{"--metrics-listen", "127.0.0.1:http"}, "metrics_listen"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"serve", "--database", "sqlite::memory:"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run_cli(args);
    EXPECT_NE(r.exit_code, 0) << c.message;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace bs::test
