// The HTTP/1.1 request parser boundary (http/server.cpp parse_raw_request: the Beast parser with the
// server's configuration and error answers), then the request-side parsers a handler applies to
// what it yields (credentials, query, form and JSON bodies). Limits are small (header 2 KiB, body
// 4 KiB) so that the 413 and 431 paths are reachable. The first byte sets the size of the pieces
// the bytes arrive in. Invariants: the outcome does not depend on how the bytes were cut up; a
// complete request has a method, a target that is its path plus query, lower-case header names,
// a body within the limit and consumed no more than it was given; a rejection is a 400, 413 or 431
// with a JSON error body.
#include <cstdint>

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
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t segment = data[0] == 0 ? 1 : data[0];
  const auto bytes = bs::fuzz::as_text(data + 1, size - 1);
  const auto whole = bs::http::parse_raw_request(bytes, options());
  const auto pieces = bs::http::parse_raw_request(bytes, options(), segment);

  require(whole.outcome == pieces.outcome, "the outcome depends on how the bytes arrived");
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
      require(status == 400 || status == 413 || status == 431, "a rejection that is not 400, 413 or 431");
      require(pieces.rejection.status == status, "the rejection depends on how the bytes arrived");
      auto body = nlohmann::json::parse(whole.rejection.body, nullptr, false);
      require(body.is_object() && body["error"].is_string(), "a rejection without a JSON error");
      break;
    }
    case RawRequestParse::Outcome::closed:
      break;
  }
  return 0;
}
