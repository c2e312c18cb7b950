// application/x-www-form-urlencoded bodies (http/body.cpp parse_form / form_body) as the token,
// revocation, introspection, PAR and authorize endpoints read them. The first byte picks the
// Content-Type. Invariants: errors are invalid_request (unsupported_media_type only for another
// media type); accepted names are non-empty; names and values are UTF-8; and re-encoding the
// parameters (ours, and with_query's as used for redirects) parses back to the same list.
#include <array>
#include <cstdint>

#include "common/text.hpp"
#include "fuzz_support.hpp"
#include "http/body.hpp"
#include "oauth/authorization_request.hpp"

namespace {

using bs::ErrorCode;
using bs::fuzz::require;
using bs::fuzz::require_error;

constexpr std::array<std::string_view, 4> kContentTypes = {
    "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8",
    "application/json", "multipart/form-data; boundary=x"};

std::string encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (c == ' ') {
      out.push_back('+');
    } else if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '*') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  bs::http::Request request;
  request.method = "POST";
  request.headers.emplace_back("content-type", std::string(kContentTypes[data[0] % kContentTypes.size()]));
  request.body = std::string(bs::fuzz::as_text(data + 1, size - 1));
  const bool form_type = request.media_type() == "application/x-www-form-urlencoded";

  auto form = bs::http::form_body(request);
  if (!form) {
    require_error(form.error(), ErrorCode::invalid_request, ErrorCode::unsupported_media_type);
    require((form.error().code == ErrorCode::unsupported_media_type) == !form_type,
            "unsupported_media_type does not match the Content-Type");
    if (form_type) require(!bs::http::parse_form(request.body), "form_body and parse_form disagree");
    return 0;
  }
  require(form_type, "accepted a body of another media type");

  std::string again;
  for (const auto& [name, value] : form->items) {
    require(!name.empty(), "empty parameter name kept");
    require(bs::valid_utf8(name) && bs::valid_utf8(value), "parameter is not UTF-8");
    require(form->get(name).has_value() && form->count(name) >= 1, "Params lookup misses a parameter");
    if (!again.empty()) again.push_back('&');
    again += encode(name) + "=" + encode(value);
    auto decoded = bs::http::form_decode(encode(value));
    require(decoded && *decoded == value, "form_decode does not invert the encoding");
  }
  auto reparsed = bs::http::parse_form(again);
  require(reparsed && reparsed->items == form->items, "re-encoded form parses differently");

  // Redirects carry parameters in a query built by with_query; the client must read back the same.
  const std::string redirect = bs::oauth::with_query("https://client.example/cb", form->items);
  const auto query = std::string_view(redirect).substr(redirect.find('?') + 1);
  auto from_redirect = bs::http::parse_form(form->items.empty() ? std::string_view{} : query);
  require(from_redirect && from_redirect->items == form->items, "with_query loses or changes parameters");
  return 0;
}
