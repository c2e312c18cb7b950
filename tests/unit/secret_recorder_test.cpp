// The integration fixture's secret-in-log check is only as good as what the recorder picks up from
// the traffic: every kind of credential the tests send or receive must be recorded.
#include <gtest/gtest.h>

#include "crypto/encoding.hpp"
#include "support/secret_recorder.hpp"

namespace bs::test {
namespace {

class SecretRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)recorder().take_secrets();
    (void)recorder().take_cookie_setters();
  }
  static SecretRecorder& recorder() { return SecretRecorder::instance(); }
};

TEST_F(SecretRecorderTest, RecordsCredentialsInRequests) {
  recorder().observe_request(
      "/oauth/interactions/interaction-id-0123456789/login?x=1",
      {{"Authorization", "Bearer bearer-token-0123456789"},
       {"x-api-key", "bsk_api-key-0123456789"},
       {"DPoP", "dpop-proof-0123456789"}},
      "grant_type=refresh_token&refresh_token=refresh%2Btoken-0123456789&client_secret="
      "form-secret-0123456789&scope=a-long-scope-value-0123");
  recorder().observe_request(
      "/oauth/token",
      {{"Authorization", "Basic " + crypto::base64_encode("cli_someone:basic%20secret-0123456789")}}, "");
  recorder().observe_request("/auth/login", {},
                             R"({"email":"someone@example.org","password":"pass word 0123456789"})");
  const auto secrets = recorder().take_secrets();
  for (const char* expected : {"interaction-id-0123456789", "bearer-token-0123456789",
                               "bsk_api-key-0123456789", "dpop-proof-0123456789", "refresh+token-0123456789",
                               "form-secret-0123456789", "basic secret-0123456789", "pass word 0123456789"})
    EXPECT_TRUE(secrets.count(expected)) << expected;
  // Not credentials: the client id, the scope, the email.
  EXPECT_FALSE(secrets.count("cli_someone"));
  EXPECT_FALSE(secrets.count("a-long-scope-value-0123"));
  EXPECT_FALSE(secrets.count("someone@example.org"));
}

TEST_F(SecretRecorderTest, RecordsCredentialsInResponsesAndCookies) {
  HttpResponse r;
  r.status = 200;
  r.body = R"({"access_token":"access-0123456789","refresh_token":"refresh-0123456789",
               "client_secret":"secret-0123456789","registration_access_token":"rat-0123456789",
               "interaction":{"redirect_to":"https://app.example/cb?code=code-in-json-0123456789&state=s"}})";
  r.headers.emplace("location", "https://login.example/consent?interaction=front-end-id-0123456789");
  r.headers.emplace("set-cookie", "sid=1");
  recorder().observe_response("/oauth/token", r);
  const auto secrets = recorder().take_secrets();
  for (const char* expected : {"access-0123456789", "refresh-0123456789", "secret-0123456789",
                               "rat-0123456789", "code-in-json-0123456789", "front-end-id-0123456789"})
    EXPECT_TRUE(secrets.count(expected)) << expected;
  auto cookies = recorder().take_cookie_setters();
  ASSERT_EQ(cookies.size(), 1u);
  EXPECT_EQ(cookies[0], "200 /oauth/token: sid=1");
  EXPECT_TRUE(recorder().take_cookie_setters().empty());
}

TEST_F(SecretRecorderTest, ShortValuesAreNotSecrets) {
  recorder().observe_request("/oauth/revoke", {}, "token=abc&client_secret=short");
  EXPECT_TRUE(recorder().take_secrets().empty());
}

}  // namespace
}  // namespace bs::test
