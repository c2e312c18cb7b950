// The client address behind a load balancer: X-Forwarded-For is read only from trusted proxies
// (trusted_proxies), and then decides per-IP rate limits and the audit log's ip.
#include <gtest/gtest.h>

#include "support/fixture.hpp"

namespace bs::test {
namespace {

// A failed login, each for another account: the per-account throttle (5 failures) must not be
// what answers 429 here.
nlohmann::json wrong_login() {
  static int n = 0;
  return {{"email", "nobody" + std::to_string(++n) + "@example.org"}, {"password", "wrong password"}};
}

class ForwardingTest : public ServerTest {
 protected:
  // The audit log's ip of each failed login, newest first.
  std::vector<std::string> failed_login_ips() {
    auto r = client().get("/api/v1/audit-events?limit=200&event=login.failed", admin());
    EXPECT_EQ(r.status, 200) << r.body;
    const nlohmann::json page = r.json();
    std::vector<std::string> ips;
    for (const auto& e : page["items"]) ips.push_back(e.value("ip", ""));
    return ips;
  }
};

using UntrustedForwardingTest = ForwardingTest;

TEST_F(UntrustedForwardingTest, XForwardedForIsIgnoredByDefault) {
  auto r = client().post_json("/auth/login", wrong_login(), {{"X-Forwarded-For", "203.0.113.7"}});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(failed_login_ips(), std::vector<std::string>{"127.0.0.1"});
}

class TrustedProxyTest : public ForwardingTest {
 protected:
  std::vector<std::string> server_args() const override {
    return {"--trusted-proxies", "127.0.0.1, 10.0.0.0/8", "--rate-limit-login-ip", "2/60"};
  }
};

TEST_F(TrustedProxyTest, ClientAddressComesFromTheProxiesAndDecidesPerIpLimits) {
  const Headers alice = {{"X-Forwarded-For", "203.0.113.7"}};
  // Through two trusted hops (10.1.2.3 is an inner balancer); the client's own claim on the left is
  // not believed.
  const Headers bob = {{"X-Forwarded-For", "192.0.2.1, 198.51.100.9, 10.1.2.3"}};
  EXPECT_EQ(client().post_json("/auth/login", wrong_login(), alice).status, 401);
  EXPECT_EQ(client().post_json("/auth/login", wrong_login(), alice).status, 401);
  auto limited = client().post_json("/auth/login", wrong_login(), alice);
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_FALSE(limited.header("retry-after").empty());
  // Another client behind the same balancer has its own budget.
  EXPECT_EQ(client().post_json("/auth/login", wrong_login(), bob).status, 401);
  EXPECT_EQ(client().post_json("/auth/login", wrong_login(), bob).status, 401);
  EXPECT_EQ(client().post_json("/auth/login", wrong_login(), bob).status, 429);
  // Several X-Forwarded-For lines read as one list; a garbage entry ends the walk at the proxy that
  // passed it on (here the balancer itself).
  EXPECT_EQ(client()
                .post_json("/auth/login", wrong_login(),
                           {{"X-Forwarded-For", "192.0.2.50"}, {"X-Forwarded-For", "10.0.0.1"}})
                .status,
            401);
  EXPECT_EQ(client().post_json("/auth/login", wrong_login(), {{"X-Forwarded-For", "not-an-ip"}}).status, 401);
  const auto ips = failed_login_ips();
  EXPECT_EQ(ips, (std::vector<std::string>{"127.0.0.1", "192.0.2.50", "198.51.100.9", "198.51.100.9",
                                           "203.0.113.7", "203.0.113.7"}));
}

TEST(TrustedProxiesOption, AnInvalidListStopsTheServerAtStart) {
  auto r = run_cli({"serve", "--trusted-proxies", "10.0.0.0/33"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("trusted_proxies"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace bs::test
