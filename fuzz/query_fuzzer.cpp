// Query strings (http/body.cpp query_params) and the pagination parameters every list endpoint
// reads from them (http/authenticate.cpp page_of). Invariants: errors are invalid_request and a
// rejected page is a 400 JSON error naming it; an accepted page has a limit of 1 to 200 and the
// cursor given; the parameters of a query survive being put back into a query.
#include <cstdint>

#include "common/text.hpp"
#include "fuzz_support.hpp"
#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "oauth/authorization_request.hpp"

namespace {

using bs::ErrorCode;
using bs::fuzz::require;
using bs::fuzz::require_error;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bs::http::Request request;
  request.method = "GET";
  request.path = "/api/v1/clients";
  request.query = std::string(bs::fuzz::as_text(data, size));
  request.target = request.path + "?" + request.query;

  auto params = bs::http::query_params(request);
  auto page = bs::http::page_of(request);
  if (!params) {
    require_error(params.error(), ErrorCode::invalid_request);
    require(!page.has_value(), "page_of accepted a malformed query");
    require(page.error().status == 400, "a malformed query is not a 400");
    return 0;
  }
  for (const auto& [name, value] : params->items)
    require(!name.empty() && bs::valid_utf8(name) && bs::valid_utf8(value), "bad parameter kept");

  const auto limit = params->get("limit");
  if (page) {
    require(page->limit >= 1 && page->limit <= 200, "limit out of range accepted");
    if (limit) {
      const auto first_significant = limit->find_first_not_of('0');
      require(first_significant != std::string::npos &&
                  limit->substr(first_significant) == std::to_string(page->limit),
              "limit differs from the query");
    }
    if (!limit) require(page->limit == 50, "default limit is not 50");
    const auto cursor = params->get("cursor");
    require(page->cursor == (cursor && !cursor->empty() ? cursor : std::nullopt), "cursor differs");
  } else {
    require(limit.has_value(), "a page was refused without a limit");
    require(page.error().status == 400, "a bad limit is not a 400");
    auto body = nlohmann::json::parse(page.error().body, nullptr, false);
    require(body.is_object() && body["error"] == "invalid_request", "a bad limit is not invalid_request");
  }

  const std::string rebuilt = bs::oauth::with_query("/api/v1/clients", params->items);
  const auto q = rebuilt.find('?');
  auto again = bs::http::parse_form(q == std::string::npos ? "" : std::string_view(rebuilt).substr(q + 1));
  require(again && again->items == params->items, "query does not survive a round trip");
  return 0;
}
