// Matching a presented redirect_uri against the registered ones (RFC 6749 §3.1.2.3, RFC 8252 §7.3).
#include <gtest/gtest.h>

#include "oauth/authorization_request.hpp"

namespace bs::oauth {
namespace {

store::OAuthClient client_with(const nlohmann::json& metadata) {
  store::OAuthClient c;
  c.client_id = "cli_test";
  c.metadata = metadata.dump();
  return c;
}

TEST(RedirectUriMatching, WebClientsMatchExactlyOnly) {
  auto c = client_with({{"redirect_uris", {"https://app.example/cb", "http://127.0.0.1/cb"}}});
  EXPECT_TRUE(redirect_uri_registered(c, "https://app.example/cb"));
  EXPECT_FALSE(redirect_uri_registered(c, "https://app.example/cb/"));
  EXPECT_FALSE(redirect_uri_registered(c, "https://APP.example/cb"));
  EXPECT_FALSE(redirect_uri_registered(c, "https://app.example/cb?x=1"));
  EXPECT_FALSE(redirect_uri_registered(c, "http://127.0.0.1:8080/cb"));
}

TEST(RedirectUriMatching, NativeLoopbackMayChangeOnlyThePort) {
  auto c = client_with(
      {{"application_type", "native"}, {"redirect_uris", {"http://127.0.0.1/cb", "http://[::1]:9/cb"}}});
  EXPECT_TRUE(redirect_uri_registered(c, "http://127.0.0.1:51234/cb"));
  EXPECT_TRUE(redirect_uri_registered(c, "http://[::1]:8080/cb"));
  EXPECT_TRUE(redirect_uri_registered(c, "http://[::1]/cb"));
  EXPECT_FALSE(redirect_uri_registered(c, "http://127.0.0.1:51234/other"));
  EXPECT_FALSE(redirect_uri_registered(c, "http://127.0.0.1:80@evil.example/cb"));
  EXPECT_FALSE(redirect_uri_registered(c, "http://localhost:51234/cb"));
}

// Found while writing fuzz/redirect_uri_fuzzer: an unclosed IPv6 literal made the loopback check
// step one past the end of the URI looking for ']', and "http://" alone read its end.
TEST(RedirectUriMatching, TruncatedLoopbackUrisMatchNothing) {
  auto c = client_with({{"application_type", "native"}, {"redirect_uris", {"http://[::1]/cb"}}});
  for (const char* uri : {"http://[::1", "http://[", "http://", "http://[::1]:"})
    EXPECT_FALSE(redirect_uri_registered(c, uri)) << uri;
}

}  // namespace
}  // namespace bs::oauth
