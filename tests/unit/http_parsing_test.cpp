// Parsers of untrusted input in the HTTP layer: forms, queries, JSON bodies, routing, headers.
#include <gtest/gtest.h>

#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "http/errors.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace bs::http {
namespace {

TEST(FormParsing, DecodesPlusPercentAndKeepsOrder) {
  auto f = parse_form("grant_type=client_credentials&scope=a+b%20c&x=%C3%BC&empty=&novalue");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->get("grant_type"), "client_credentials");
  EXPECT_EQ(f->get("scope"), "a b c");
  EXPECT_EQ(f->get("x"), "\xC3\xBC");
  EXPECT_EQ(f->get("empty"), "");
  EXPECT_EQ(f->get("novalue"), "");
  EXPECT_FALSE(f->get("missing"));
}

TEST(FormParsing, CountsDuplicates) {
  auto f = parse_form("a=1&a=2&b=3");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->count("a"), 2u);
  EXPECT_EQ(f->all("a"), (std::vector<std::string>{"1", "2"}));
}

TEST(FormParsing, RejectsMalformedEscapesAndInvalidUtf8) {
  for (const char* bad : {"a=%", "a=%4", "a=%zz", "a=%C3", "%ff=1", "a=%ED%A0%80"}) {
    auto f = parse_form(bad);
    ASSERT_FALSE(f) << bad;
    EXPECT_EQ(f.error().code, ErrorCode::invalid_request);
  }
}

TEST(JsonBody, NeedsJsonContentTypeAndObject) {
  Request r;
  r.headers = {{"content-type", "application/json; charset=utf-8"}};
  r.body = R"({"a":1})";
  EXPECT_TRUE(json_object_body(r));
  r.body = "[1]";
  EXPECT_EQ(json_object_body(r).error().code, ErrorCode::invalid_request);
  r.body = "{\"a\":";
  EXPECT_EQ(json_object_body(r).error().code, ErrorCode::invalid_request);
  r.body = "{\"a\":\"\xff\"}";
  EXPECT_EQ(json_object_body(r).error().code, ErrorCode::invalid_request);
  r.headers = {{"content-type", "text/plain"}};
  r.body = R"({"a":1})";
  EXPECT_EQ(json_object_body(r).error().code, ErrorCode::unsupported_media_type);
}

// Found by fuzz/json_body_fuzzer: a body of nested arrays within the body limit parsed fine but
// overflowed the stack when the registration endpoint copied or serialized it.
TEST(JsonBody, RejectsDeepNestingBeforeParsing) {
  Request r;
  r.headers = {{"content-type", "application/json"}};
  const auto nested = [](std::size_t depth) {
    return "{\"a\":" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
  };
  r.body = nested(64);
  ASSERT_TRUE(json_object_body(r));
  r.body = nested(65);
  auto deep = json_object_body(r);
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().code, ErrorCode::invalid_request);
  r.body = nested(200000);
  EXPECT_EQ(json_object_body(r).error().code, ErrorCode::invalid_request);
  // Brackets inside strings, escaped quotes included, are text, not nesting.
  r.body = "{\"a\":\"" + std::string(100, '[') + "\\\"" + std::string(100, '{') + "\"}";
  auto text = json_object_body(r);
  ASSERT_TRUE(text);
  EXPECT_EQ((*text)["a"].get<std::string>().size(), 201u);
}

TEST(Routing, MatchesPlaceholdersAndAnswers404And405) {
  Router router;
  router.add("GET", "/api/v1/clients/{id}", [](Request& r) {
    Response resp;
    resp.body = r.path_params["id"];
    return resp;
  });
  router.add("DELETE", "/api/v1/clients/{id}", [](Request&) { return Response::no_content(); });
  Request r;
  r.method = "GET";
  r.path = "/api/v1/clients/abc%20d";
  EXPECT_EQ(router.dispatch(r).body, "abc d");
  r.path = "/api/v1/clients/";
  EXPECT_EQ(router.dispatch(r).status, 404);
  r.path = "/api/v1/clients/a/b";
  EXPECT_EQ(router.dispatch(r).status, 404);
  r.path = "/api/v1/clients/%zz";
  EXPECT_EQ(router.dispatch(r).status, 404);
  r.method = "PUT";
  r.path = "/api/v1/clients/x";
  auto resp = router.dispatch(r);
  EXPECT_EQ(resp.status, 405);
  EXPECT_EQ(resp.header("Allow"), "GET, DELETE");
}

TEST(Credentials, ReadsBearerAndApiKeyAndFlagsMalformed) {
  Request r;
  r.headers = {{"authorization", "Bearer abc.def.ghi"}};
  auto c = credentials_of(r);
  EXPECT_EQ(c.bearer, "abc.def.ghi");
  EXPECT_FALSE(c.malformed_authorization);
  r.headers = {{"authorization", "bearer   tok  "}};
  EXPECT_EQ(credentials_of(r).bearer, "tok");
  r.headers = {{"authorization", "Bearer a b"}};
  EXPECT_TRUE(credentials_of(r).malformed_authorization);
  r.headers = {{"authorization", "Basic abc"}};
  EXPECT_TRUE(credentials_of(r).malformed_authorization);
  r.headers = {{"authorization", "Bearer a"}, {"authorization", "Bearer b"}};
  EXPECT_TRUE(credentials_of(r).malformed_authorization);
  r.headers = {{"x-api-key", "bsk_x.y"}};
  EXPECT_EQ(credentials_of(r).api_key, "bsk_x.y");
}

TEST(TrustedProxies, ParsesAddressesAndNetworksAndRefusesTheRest) {
  auto none = TrustedProxies::parse("");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto list = TrustedProxies::parse(" 10.0.0.0/8,192.168.1.7 fd00::/8\t::1 172.16.0.0/12 0.0.0.0/0,");
  ASSERT_TRUE(list) << list.error().description;
  EXPECT_FALSE(list->empty());
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.1/", "10.0.0.1/x", "10.0.0.1/-1", "host.example",
                          "10.0.0.256", "1.2.3.4:80", "[::1]", "10.0.0.0/8 nonsense"}) {
    auto parsed = TrustedProxies::parse(bad);
    EXPECT_FALSE(parsed) << bad;
    if (!parsed) {
      EXPECT_EQ(parsed.error().code, ErrorCode::invalid_request) << bad;
    }
  }
}

TEST(TrustedProxies, MatchesByPrefixPerFamily) {
  auto list = TrustedProxies::parse("10.0.0.0/8, 192.168.1.7, fd00::/8, 172.16.0.0/12, 198.51.100.0/25");
  ASSERT_TRUE(list);
  for (const char* in : {"10.0.0.1", "10.255.255.255", "192.168.1.7", "fd12::1", "172.31.255.1",
                         "198.51.100.127", "::ffff:10.1.2.3"})
    EXPECT_TRUE(list->contains(in)) << in;
  for (const char* out : {"11.0.0.1", "192.168.1.8", "fe80::1", "172.32.0.1", "198.51.100.128",
                          "::ffff:11.1.2.3", "::a00:1", "garbage", ""})
    EXPECT_FALSE(list->contains(out)) << out;
}

TEST(TrustedProxies, ClientIsTheRightmostUntrustedForwardedAddress) {
  auto list = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8");
  ASSERT_TRUE(list);
  using V = std::vector<std::string_view>;
  // An untrusted peer's X-Forwarded-For is never read.
  EXPECT_EQ(list->client_address("203.0.113.1", V{"198.51.100.9"}), "203.0.113.1");
  // A trusted peer without the header is the client.
  EXPECT_EQ(list->client_address("127.0.0.1", V{}), "127.0.0.1");
  EXPECT_EQ(list->client_address("127.0.0.1", V{"198.51.100.9"}), "198.51.100.9");
  // Forged entries left of the first untrusted address do not count.
  EXPECT_EQ(list->client_address("127.0.0.1", V{"1.1.1.1, 198.51.100.9 ,10.0.0.5"}), "198.51.100.9");
  EXPECT_EQ(list->client_address("127.0.0.1", V{"1.1.1.1", "198.51.100.9, 10.0.0.5"}), "198.51.100.9");
  // All trusted: the leftmost.
  EXPECT_EQ(list->client_address("127.0.0.1", V{"10.0.0.7, 10.0.0.5"}), "10.0.0.7");
  // Garbage ends the walk at the proxy that passed it on.
  EXPECT_EQ(list->client_address("127.0.0.1", V{"unknown"}), "127.0.0.1");
  EXPECT_EQ(list->client_address("127.0.0.1", V{"198.51.100.9, unknown, 10.0.0.5"}), "10.0.0.5");
  EXPECT_EQ(list->client_address("127.0.0.1", V{""}), "127.0.0.1");
  EXPECT_EQ(list->client_address("127.0.0.1", V{"198.51.100.9,"}), "127.0.0.1");
  // Ports and brackets as some proxies write them; canonical text out.
  EXPECT_EQ(list->client_address("127.0.0.1", V{"198.51.100.9:4711"}), "198.51.100.9");
  EXPECT_EQ(list->client_address("127.0.0.1", V{"[2001:DB8::0001]:443"}), "2001:db8::1");
  EXPECT_EQ(list->client_address("127.0.0.1", V{"2001:db8:0:0::1"}), "2001:db8::1");
  EXPECT_EQ(list->client_address("::ffff:127.0.0.1", V{"::ffff:198.51.100.9"}), "198.51.100.9");
  // No trusted proxies at all: the peer, always.
  EXPECT_EQ(TrustedProxies().client_address("127.0.0.1", V{"198.51.100.9"}), "127.0.0.1");
}

TEST(ErrorMapping, StatusAndChallenges) {
  auto r = error_response(Error(ErrorCode::invalid_client, "bad secret"), {.basic_auth_attempted = true});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("WWW-Authenticate"), "Basic realm=\"badgeserver\"");
  auto t = error_response(Error(ErrorCode::invalid_token, "expired \"quoted\""));
  EXPECT_EQ(t.status, 401);
  EXPECT_EQ(t.header("WWW-Authenticate"),
            "Bearer realm=\"badgeserver\", error=\"invalid_token\", error_description=\"expired quoted\"");
  auto busy = error_response(Error(ErrorCode::too_many_requests, "slow down", 7));
  EXPECT_EQ(busy.status, 429);
  EXPECT_EQ(busy.header("Retry-After"), "7");
  EXPECT_EQ(error_response(Error(ErrorCode::invalid_grant)).status, 400);
  EXPECT_EQ(error_response(Error(ErrorCode::service_unavailable)).status, 503);
  EXPECT_EQ(error_response(Error(ErrorCode::invalid_data)).status, 422);
  EXPECT_EQ(error_response(Error(ErrorCode::internal_error, "sqlite: disk I/O error")).body,
            R"({"error":"server_error","error_description":"internal error"})");
}

}  // namespace
}  // namespace bs::http

// --- serialize_response: the answer's bytes on the wire ----------------------------------------

namespace bs::http {
namespace {

Response sample_answer() {
  Response r;
  r.status = 200;
  r.body = R"({"ok":true})";
  r.set_header("Content-Type", "application/json");
  r.set_header("Cache-Control", "no-store");
  return r;
}

TEST(SerializeResponse, Http11KeepAlive) {
  EXPECT_EQ(serialize_response(sample_answer(), 11, true),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n"
            "Server: badgeserver\r\nContent-Length: 11\r\n\r\n{\"ok\":true}");
}

TEST(SerializeResponse, ConnectionHeaderFollowsTheVersion) {
  const auto closing11 = serialize_response(sample_answer(), 11, false);
  EXPECT_NE(closing11.find("\r\nConnection: close\r\n"), std::string::npos);
  const auto kept10 = serialize_response(sample_answer(), 10, true);
  EXPECT_TRUE(kept10.starts_with("HTTP/1.0 200 OK\r\n"));
  EXPECT_NE(kept10.find("\r\nConnection: keep-alive\r\n"), std::string::npos);
  const auto closing10 = serialize_response(sample_answer(), 10, false);
  EXPECT_EQ(closing10.find("Connection:"), std::string::npos);
}

TEST(SerializeResponse, NoBodyNorLengthFor204And304) {
  for (int status : {204, 304}) {
    Response r = sample_answer();
    r.status = status;
    const auto wire = serialize_response(r, 11, true);
    EXPECT_EQ(wire.find("Content-Length"), std::string::npos) << status;
    EXPECT_TRUE(wire.ends_with("\r\n\r\n")) << status;
  }
  Response not_modified;
  not_modified.status = 304;
  EXPECT_TRUE(serialize_response(not_modified, 11, true).starts_with("HTTP/1.1 304 Not Modified\r\n"));
}

TEST(SerializeResponse, FramingIsOursAndLineBreaksCannotSplitAHeader) {
  Response r = sample_answer();
  r.set_header("Content-Length", "999");
  r.set_header("Transfer-Encoding", "chunked");
  r.set_header("Location", "https://rp.example/cb\r\nSet-Cookie: stolen=1");
  r.set_header("X-Bad\nName", "v");
  r.set_header("Retry-After", "3");
  const auto wire = serialize_response(r, 11, true);
  EXPECT_EQ(wire.find("999"), std::string::npos);
  EXPECT_EQ(wire.find("chunked"), std::string::npos);
  EXPECT_EQ(wire.find("Set-Cookie"), std::string::npos);
  EXPECT_EQ(wire.find("X-Bad"), std::string::npos);
  EXPECT_NE(wire.find("\r\nRetry-After: 3\r\n"), std::string::npos);
  EXPECT_NE(wire.find("\r\nContent-Length: 11\r\n"), std::string::npos);
  // Exactly one header block: the first blank line is where the body starts.
  EXPECT_EQ(wire.substr(wire.find("\r\n\r\n") + 4), R"({"ok":true})");
}

}  // namespace
}  // namespace bs::http
