#include "http/body.hpp"

#include <algorithm>

#include "common/text.hpp"

namespace bs::http {

namespace {

// nlohmann::json copies, compares and serializes recursively, so a body of a few hundred KB of '['
// (within the body limit) would overflow a worker's stack wherever it is copied or dumped. No
// request of ours nests more than a few levels; this bound leaves ample room.
constexpr std::size_t kMaxJsonDepth = 64;

// Does the JSON text nest arrays and objects no deeper than max_depth? Brackets inside strings do
// not count. Run before parsing, so that no deep value is ever built.
bool json_nesting_within(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> form_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  if (!valid_utf8(out)) return std::nullopt;
  return out;
}

Result<FormParams> parse_form(std::string_view body) {
  FormParams out;
  while (!body.empty()) {
    auto amp = body.find('&');
    auto pair = body.substr(0, amp);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      auto name = form_decode(pair.substr(0, eq));
      auto value = form_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
      if (!name || !value) return fail(ErrorCode::invalid_request, "malformed form encoding");
      if (!name->empty()) out.items.emplace_back(std::move(*name), std::move(*value));
    }
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return out;
}

Result<FormParams> form_body(const Request& request) {
  if (request.media_type() != "application/x-www-form-urlencoded")
    return fail(ErrorCode::unsupported_media_type, "Content-Type must be application/x-www-form-urlencoded");
  return parse_form(request.body);
}

Result<FormParams> query_params(const Request& request) {
  return parse_form(request.query);
}

Result<nlohmann::json> json_object_body(const Request& request) {
  if (request.media_type() != "application/json")
    return fail(ErrorCode::unsupported_media_type, "Content-Type must be application/json");
  if (!valid_utf8(request.body)) return fail(ErrorCode::invalid_request, "body is not valid UTF-8");
  if (!json_nesting_within(request.body, kMaxJsonDepth))
    return fail(ErrorCode::invalid_request,
                "body nests arrays and objects deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  auto parsed = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return fail(ErrorCode::invalid_request, "body is not valid JSON");
  if (!parsed.is_object()) return fail(ErrorCode::invalid_request, "body must be a JSON object");
  return parsed;
}

Status reject_unknown_members(const nlohmann::json& object, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, _] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      return fail(ErrorCode::invalid_request, "unknown field: " + key);
  }
  return {};
}

}  // namespace bs::http
