// GET /metrics over real HTTP: who may read it, that the output is valid Prometheus text format
// 0.0.4 (checked by a small parser below), that values move with traffic; the separate metrics
// listener; request ids on responses and in the log.
#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "support/fixture.hpp"
#include "support/oauth_helpers.hpp"

namespace bs::test {
namespace {

// Samples of one exposition, keyed `name{label="value",...}` with labels sorted by name.
struct Exposition {
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;  // family -> counter | gauge | histogram | ...
  std::string error;                         // the first violation; empty when valid

  double value(const std::string& key) const {
    auto it = samples.find(key);
    return it == samples.end() ? 0.0 : it->second;
  }
};

bool valid_metric_name(const std::string& s) {
  static const std::regex re("[a-zA-Z_:][a-zA-Z0-9_:]*");
  return std::regex_match(s, re);
}

// The family a sample belongs to: histogram samples carry a suffix.
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string sfx = suffix;
    if (name.size() > sfx.size() && name.ends_with(sfx)) {
      auto base = name.substr(0, name.size() - sfx.size());
      if (types.count(base) && types.at(base) == "histogram") return base;
    }
  }
  return name;
}

Exposition parse_exposition(const std::string& text) {
  Exposition e;
  if (text.empty() || text.back() != '\n') {
    e.error = "the exposition must end with a line feed";
    return e;
  }
  std::set<std::string> families_with_samples;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  auto fail = [&](const std::string& why) {
    if (e.error.empty()) e.error = "line " + std::to_string(number) + ": " + why + ": " + line;
  };
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream words(line);
      std::string hash, kind, name, rest;
      words >> hash >> kind >> name;
      if (kind != "HELP" && kind != "TYPE") continue;  // other comments are allowed
      if (!valid_metric_name(name)) fail("bad metric name");
      if (kind == "TYPE") {
        words >> rest;
        static const std::set<std::string> kinds = {"counter", "gauge", "histogram", "summary", "untyped"};
        if (!kinds.count(rest)) fail("unknown type");
        if (e.types.count(name)) fail("second TYPE line");
        if (families_with_samples.count(name)) fail("TYPE after samples");
        e.types[name] = rest;
      }
      continue;
    }
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    const std::string name = line.substr(0, i);
    if (!valid_metric_name(name)) fail("bad metric name");
    std::map<std::string, std::string> labels;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        std::size_t eq = line.find('=', i);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
          fail("bad label");
          break;
        }
        std::string label = line.substr(i, eq - i);
        static const std::regex label_re("[a-zA-Z_][a-zA-Z0-9_]*");
        if (!std::regex_match(label, label_re)) fail("bad label name");
        std::string value;
        std::size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\') {
            ++j;
            if (j >= line.size() || (line[j] != '\\' && line[j] != '"' && line[j] != 'n')) fail("bad escape");
            value.push_back(j < line.size() && line[j] == 'n' ? '\n' : line[j]);
          } else {
            value.push_back(line[j]);
          }
        }
        if (j >= line.size()) {
          fail("unterminated label value");
          break;
        }
        if (labels.count(label)) fail("repeated label");
        labels[label] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size() || line[i] != '}') {
        fail("unterminated labels");
        continue;
      }
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') {
      fail("no value");
      continue;
    }
    const std::string value_text = line.substr(i + 1);
    double value = 0;
    if (value_text == "+Inf") {
      value = INFINITY;
    } else if (value_text == "-Inf") {
      value = -INFINITY;
    } else if (value_text == "NaN") {
      value = NAN;
    } else {
      char* end = nullptr;
      value = std::strtod(value_text.c_str(), &end);
      if (value_text.empty() || *end != '\0') fail("bad value");
    }
    const auto family = family_of(name, e.types);
    if (!e.types.count(family)) fail("sample without TYPE");
    families_with_samples.insert(family);
    std::string key = name;
    if (!labels.empty()) {
      key += '{';
      bool first = true;
      for (const auto& [k, v] : labels) {
        key += (first ? "" : ",") + k + "=\"" + v + "\"";
        first = false;
      }
      key += '}';
    }
    if (e.samples.count(key)) fail("duplicate sample");
    e.samples[key] = value;
  }
  return e;
}

class MetricsTest : public ServerTest {
 protected:
  Exposition scrape() {
    auto r = client().get("/metrics", admin());
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    auto e = parse_exposition(r.body);
    EXPECT_EQ(e.error, "") << r.body;
    return e;
  }
};

TEST(ExpositionParser, RejectsWhatIsNotTheFormat) {
  EXPECT_EQ(parse_exposition("# TYPE a counter\na 1\n").error, "");
  EXPECT_EQ(parse_exposition("# TYPE a counter\na{x=\"1\\\"\"} 1.5e3\n").value("a{x=\"1\"\"}"), 1500);
  for (const char* bad :
       {"a 1\n", "# TYPE a counter\na 1", "# TYPE a counter\na x\n", "# TYPE a counter\na{x=1} 1\n",
        "# TYPE a counter\na{x=\"1} 1\n", "# TYPE a counter\n# TYPE a gauge\na 1\n",
        "# TYPE 1a counter\n1a 1\n", "# TYPE a counter\na 1\na 2\n", "# TYPE a countr\na 1\n"})
    EXPECT_NE(parse_exposition(bad).error, "") << bad;
}

TEST_F(MetricsTest, OnlyAdminOrAdminMetricsCredentialsMayRead) {
  auto anonymous = client().get("/metrics");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.json()["error"], "unauthorized");
  auto users_admin = cli_api_key("admin:users");
  auto wrong = client().get("/metrics", {{"X-API-Key", users_admin}});
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(wrong.json()["error"], "insufficient_scope");
  auto metrics_reader = cli_api_key("admin:metrics");
  auto ok = client().get("/metrics", {{"X-API-Key", metrics_reader}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(parse_exposition(ok.body).error, "");
  EXPECT_EQ(client().get("/metrics", admin()).status, 200);
  EXPECT_TRUE(client().get("/metrics", admin()).header("set-cookie").empty());
}

TEST_F(MetricsTest, ValuesMoveWithTraffic) {
  auto before = scrape();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(client().get("/health").status, 200);
  EXPECT_EQ(client().get("/no/such/path").status, 404);
  auto c = client().post_json("/oauth/register", {{"client_name", "svc"},
                                                  {"grant_types", {"client_credentials"}},
                                                  {"response_types", nlohmann::json::array()},
                                                  {"scope", kCredentialRead}});
  ASSERT_EQ(c.status, 201);
  Headers auth = {{"Authorization", basic_auth(c.json()["client_id"], c.json()["client_secret"])}};
  std::string at;
  for (int i = 0; i < 2; ++i) {
    auto t = client().post_form("/oauth/token", "grant_type=client_credentials", auth);
    ASSERT_EQ(t.status, 200);
    at = t.json()["access_token"];
  }
  ASSERT_EQ(client().post_form("/oauth/revoke", form_encode({{"token", at}}), auth).status, 200);
  EXPECT_EQ(client().post_form("/oauth/token", "grant_type=password", auth).status, 400);
  create_user("a@example.org");
  EXPECT_EQ(
      client().post_json("/auth/login", {{"email", "a@example.org"}, {"password", "wrong password"}}).status,
      401);

  auto after = scrape();
  auto delta = [&](const std::string& key) { return after.value(key) - before.value(key); };
  EXPECT_EQ(delta(R"(badgeserver_http_requests_total{method="GET",route="/health",status="200"})"), 3);
  EXPECT_EQ(delta(R"(badgeserver_http_requests_total{method="",route="unmatched",status="404"})"), 1);
  EXPECT_EQ(delta(R"(badgeserver_http_requests_total{method="POST",route="/oauth/token",status="200"})"), 2);
  EXPECT_EQ(
      delta(
          R"(badgeserver_http_errors_total{error="unsupported_grant_type",method="POST",route="/oauth/token"})"),
      1);
  EXPECT_EQ(delta(R"(badgeserver_http_errors_total{error="unauthorized",method="POST",route="/auth/login"})"),
            1);
  EXPECT_EQ(delta(R"(badgeserver_tokens_issued_total{grant="client_credentials"})"), 2);
  EXPECT_EQ(delta("badgeserver_tokens_revoked_total"), 1);
  EXPECT_EQ(delta("badgeserver_login_failures_total"), 1);
  EXPECT_GE(delta(R"(badgeserver_http_request_duration_seconds_count{method="GET",route="/health"})"), 3);
  EXPECT_EQ(
      after.value(
          R"(badgeserver_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/health"})"),
      after.value(R"(badgeserver_http_request_duration_seconds_count{method="GET",route="/health"})"));
  EXPECT_EQ(after.types["badgeserver_http_request_duration_seconds"], "histogram");
  EXPECT_EQ(after.types["badgeserver_http_requests_total"], "counter");
  EXPECT_GT(after.value("badgeserver_db_pool_size"), 0);
  EXPECT_GE(after.value("badgeserver_db_pool_in_use"), 0);
  if (test_database_kind() == "sqlite") {
    // The revocation and the audit records above are write transactions of the group commit.
    EXPECT_GE(delta("badgeserver_db_write_transactions_total"), 2);
    EXPECT_GE(delta("badgeserver_db_write_commits_total"), 1);
    EXPECT_LE(after.value("badgeserver_db_write_commits_total"),
              after.value("badgeserver_db_write_transactions_total"));
  } else {
    EXPECT_EQ(after.types.count("badgeserver_db_write_commits_total"), 0u);
  }
  EXPECT_GT(after.value("process_resident_memory_bytes"), 1e6);
  EXPECT_GT(after.value("process_open_fds"), 3);
  EXPECT_GE(after.value("badgeserver_http_connections"), 1);
  // Buckets are cumulative.
  double previous = 0;
  for (const char* le :
       {"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"}) {
    const auto key = std::string(R"(badgeserver_http_request_duration_seconds_bucket{le=")") + le +
                     R"(",method="GET",route="/health"})";
    ASSERT_TRUE(after.samples.count(key)) << key;
    EXPECT_GE(after.value(key), previous) << le;
    previous = after.value(key);
  }
}

class RateLimitedMetricsTest : public MetricsTest {
 protected:
  std::vector<std::string> server_args() const override { return {"--rate-limit-login-ip", "1/60"}; }
};

TEST_F(RateLimitedMetricsTest, RefusalsAreCountedPerLimit) {
  for (int i = 0; i < 3; ++i)
    client().post_json("/auth/login", {{"email", "nobody@example.org"}, {"password", "wrong password"}});
  auto m = scrape();
  EXPECT_EQ(m.value(R"(badgeserver_rate_limited_total{limit="login_ip"})"), 2);
  EXPECT_EQ(m.value(R"(badgeserver_rate_limited_total{limit="token_client"})"), 0);
  EXPECT_EQ(
      m.value(
          R"(badgeserver_http_errors_total{error="too_many_requests",method="POST",route="/auth/login"})"),
      2);
}

class MetricsListenerTest : public ServerTest {
 protected:
  std::vector<std::string> server_args() const override {
    return {"--metrics-listen", "127.0.0.1:" + std::to_string(metrics_port)};
  }
  std::uint16_t metrics_port = free_port();
};

TEST_F(MetricsListenerTest, SeparateListenerNeedsNoCredential) {
  HttpClient scraper("127.0.0.1", metrics_port);
  auto r = scraper.get("/metrics");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse_exposition(r.body).error, "");
  EXPECT_NE(r.body.find("badgeserver_db_pool_size"), std::string::npos);
  EXPECT_EQ(scraper.get("/health").status, 404);  // it serves the metrics and nothing else
  EXPECT_EQ(scraper.request("POST", "/metrics").status, 405);
  EXPECT_EQ(client().get("/metrics").status, 401);  // the main listener still wants a credential
}

TEST_F(MetricsTest, EveryResponseCarriesARequestIdAndItsLogLinesToo) {
  auto echoed = client().get("/health", {{"X-Request-Id", "trace-abc.123"}});
  EXPECT_EQ(echoed.header("x-request-id"), "trace-abc.123");
  auto replaced = client().get("/health", {{"X-Request-Id", "not ok!"}});
  EXPECT_NE(replaced.header("x-request-id"), "not ok!");
  EXPECT_FALSE(replaced.header("x-request-id").empty());
  auto generated = client().get("/no/such/path");
  const auto id = generated.header("x-request-id");
  EXPECT_GE(id.size(), 12u);
  EXPECT_NE(id, replaced.header("x-request-id"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto log = server->log();
  std::size_t lines_with_echoed = 0, lines_with_generated = 0;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;  // structured: every line is one JSON object
    if (j.value("request_id", "") == "trace-abc.123") ++lines_with_echoed;
    if (j.value("request_id", "") == id) {
      ++lines_with_generated;
      EXPECT_EQ(j["msg"], "request");
      EXPECT_EQ(j["status"], 404);
    }
  }
  EXPECT_EQ(lines_with_echoed, 1u);
  EXPECT_EQ(lines_with_generated, 1u);
}

}  // namespace
}  // namespace bs::test
