// JSON request bodies (http/body.cpp json_object_body, reject_unknown_members) behind every JSON
// endpoint. The first byte picks the Content-Type. Invariants: errors are invalid_request, or
// unsupported_media_type exactly when the media type is not application/json; an accepted body is
// valid UTF-8, an object nested at most 64 levels deep (deeper values overflow the stack when
// copied), and serializes to JSON that parses back to the same value, json_text() giving the
// same bytes as the library's dump().
#include <algorithm>
#include <array>
#include <cstdint>

#include "common/json_text.hpp"
#include "common/text.hpp"
#include "fuzz_support.hpp"
#include "http/body.hpp"

namespace {

using bs::ErrorCode;

std::size_t depth_of(const nlohmann::json& value) {
  std::size_t deepest = 0;
  if (value.is_structured())
    for (const auto& member : value) deepest = std::max(deepest, depth_of(member));
  return value.is_structured() ? deepest + 1 : 0;
}
using bs::fuzz::require;
using bs::fuzz::require_error;

constexpr std::array<std::string_view, 5> kContentTypes = {
    "application/json", "application/json; charset=utf-8", "Application/JSON", "text/plain",
    "application/x-www-form-urlencoded"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  bs::http::Request request;
  request.method = "POST";
  const auto content_type = kContentTypes[data[0] % kContentTypes.size()];
  request.headers.emplace_back("content-type", std::string(content_type));
  request.body = std::string(bs::fuzz::as_text(data + 1, size - 1));
  const bool json_type = request.media_type() == "application/json";

  auto body = bs::http::json_object_body(request);
  if (!body) {
    require_error(body.error(), ErrorCode::invalid_request, ErrorCode::unsupported_media_type);
    require((body.error().code == ErrorCode::unsupported_media_type) == !json_type,
            "unsupported_media_type does not match the Content-Type");
    return 0;
  }
  require(json_type, "accepted a body of another media type");
  require(bs::valid_utf8(request.body), "accepted invalid UTF-8");
  require(body->is_object(), "accepted a non-object");
  require(depth_of(*body) <= 64, "accepted a body nested deeper than 64 levels");
  auto again = nlohmann::json::parse(body->dump(), nullptr, false);
  require(!again.is_discarded() && again == *body, "serialization does not round-trip");
  // The hot-path writer (responses, token payloads) must write exactly what the library writes.
  require(bs::json_text(*body) == body->dump(), "json_text differs from dump()");

  bool all_known = true;
  for (const auto& [key, _] : body->items())
    all_known = all_known && (key == "client_name" || key == "redirect_uris" || key == "scope");
  auto strict = bs::http::reject_unknown_members(*body, {"client_name", "redirect_uris", "scope"});
  if (!strict) require_error(strict.error(), ErrorCode::invalid_request);
  require(strict.has_value() == all_known, "reject_unknown_members disagrees with the member names");
  return 0;
}
