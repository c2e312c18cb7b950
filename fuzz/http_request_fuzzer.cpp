// The HTTP/1.1 request parser boundary (http/server.cpp parse_raw_request: the Beast parser with the
// server's configuration and error answers), then the request-side parsers a handler applies to
// what it yields (credentials, query, form and JSON bodies). Limits are small (header 2 KiB, body
// 4 KiB) so that the 413 and 431 paths are reachable. The first byte sets the size of the pieces
// the bytes arrive in. Invariants: the outcome does not depend on how the bytes were cut up (only a
// request both malformed and over a limit may get 400 one way and 413 / 431 the other); a complete
// request has a method, a target that is its path plus query, lower-case header names, a body
// within the limit and consumed no more than it was given; a rejection is a 400, 413 or 431 with a
// JSON error body. The client address behind trusted proxies (X-Forwarded-For) is canonical.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "http/server.hpp"

namespace {

using bs::fuzz::require;
using bs::http::RawRequestParse;

bs::http::ServerOptions options() {
  bs::http::ServerOptions o;
  o.header_limit = 2048;
  o.body_limit = 4096;
  return o;
}

void check_request(const RawRequestParse& parsed, std::size_t size) {
  const auto& r = parsed.request;
  require(!r.method.empty(), "a request without a method");
  require(r.target.starts_with(r.path), "path is not a prefix of the target");
  if (r.path.size() < r.target.size()) {
    require(r.target[r.path.size()] == '?' && r.target.substr(r.path.size() + 1) == r.query,
            "query is not the rest of the target");
  } else {
    require(r.query.empty(), "a query without a '?'");
  }
  for (const auto& [name, value] : r.headers)
    for (char c : name) require(!(c >= 'A' && c <= 'Z'), "a header name is not lower-case");
  require(r.body.size() <= options().body_limit, "a body over the limit was accepted");
  require(parsed.consumed <= size, "consumed more than was given");

  // What a handler does next with it: none of these may misbehave on anything the parser lets in.
  (void)bs::http::credentials_of(r);
  (void)bs::http::query_params(r);
  (void)bs::http::page_of(r);
  (void)r.media_type();
  (void)r.accepts("application/json");
  if (r.media_type() == "application/json") (void)bs::http::json_object_body(r);
  if (r.media_type() == "application/x-www-form-urlencoded") (void)bs::http::form_body(r);

  // X-Forwarded-For from a trusted proxy: the client is the peer or an address of the header, in
  // canonical text; with every address trusted, one of the header's addresses whenever it has any.
  static const auto everyone = bs::http::TrustedProxies::parse("0.0.0.0/0, ::/0");
  static const auto loopback = bs::http::TrustedProxies::parse("127.0.0.0/8");
  require(everyone.has_value() && loopback.has_value(), "a fixed trusted_proxies list does not parse");
  std::vector<std::string_view> forwarded_for;
  for (const auto& [name, value] : r.headers)
    if (name == "x-forwarded-for") forwarded_for.push_back(value);
  for (const auto* proxies : {&*everyone, &*loopback}) {
    const std::string client = proxies->client_address("127.0.0.1", forwarded_for);
    require(bs::http::canonical_ip(client) == client, "the client address is not canonical");
  }
  require(bs::http::TrustedProxies().client_address("127.0.0.1", forwarded_for) == "127.0.0.1",
          "X-Forwarded-For was read without a trusted proxy");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t segment = data[0] == 0 ? 1 : data[0];
  const auto bytes = bs::fuzz::as_text(data + 1, size - 1);
  const auto whole = bs::http::parse_raw_request(bytes, options());
  const auto pieces = bs::http::parse_raw_request(bytes, options(), segment);

  // Beast bounds the start line and the header fields by header_limit each when they arrive in
  // one read, but the whole header when it arrives in pieces: a header block of between 1 and 2
  // times the limit is accepted one way and 431 the other
  // (fuzz/regressions/http_request/header_over_limit_accepted_in_one_read). Allowed, and only that.
  const auto beast_header_limit_slack = [](const RawRequestParse& accepted, const RawRequestParse& refused) {
    return accepted.outcome == RawRequestParse::Outcome::complete &&
           refused.outcome == RawRequestParse::Outcome::rejected && refused.rejection.status == 431 &&
           accepted.consumed - accepted.request.body.size() > options().header_limit &&
           accepted.consumed - accepted.request.body.size() <= 2 * options().header_limit;
  };
  const bool consistent = whole.outcome == pieces.outcome || beast_header_limit_slack(whole, pieces) ||
                          beast_header_limit_slack(pieces, whole);
  if (!consistent) {
    for (const auto* parsed : {&whole, &pieces}) {
      std::fprintf(stderr, "%s: outcome %d, status %d, consumed %zu, %zu header fields, body %zu bytes\n",
                   parsed == &whole ? "whole" : "in pieces", static_cast<int>(parsed->outcome),
                   parsed->rejection.status, parsed->consumed, parsed->request.headers.size(),
                   parsed->request.body.size());
    }
  }
  require(consistent, "the outcome depends on how the bytes arrived");
  if (whole.outcome != pieces.outcome) return 0;
  switch (whole.outcome) {
    case RawRequestParse::Outcome::complete: {
      const auto& a = whole.request;
      const auto& b = pieces.request;
      require(a.method == b.method && a.target == b.target && a.headers == b.headers && a.body == b.body &&
                  whole.keep_alive == pieces.keep_alive,
              "the request depends on how the bytes arrived");
      require(whole.consumed == pieces.consumed, "consumed bytes depend on how the bytes arrived");
      check_request(whole, bytes.size());
      break;
    }
    case RawRequestParse::Outcome::rejected: {
      const int status = whole.rejection.status;
      const int other = pieces.rejection.status;
      require(status == 400 || status == 413 || status == 431, "a rejection that is not 400, 413 or 431");
      // Beast checks syntax and the limits as the bytes come in, so a request that is both
      // malformed and over a limit gets 400 or 413 / 431 depending on where the bytes were cut
      // (fuzz/regressions/http_request/malformed_and_over_header_limit). Either way it is refused.
      require(other == status || (std::min(status, other) == 400 && std::max(status, other) != 400),
              "the rejection depends on how the bytes arrived beyond malformed versus too large");
      auto body = nlohmann::json::parse(whole.rejection.body, nullptr, false);
      require(body.is_object() && body["error"].is_string(), "a rejection without a JSON error");
      break;
    }
    case RawRequestParse::Outcome::closed:
      break;
  }
  return 0;
}
