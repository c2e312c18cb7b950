#include "common/json_text.hpp"

#include <charconv>

namespace bs {

namespace {

bool copies_verbatim(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  return true;
}

void append_string(std::string& out, const std::string& s, InvalidUtf8 invalid) {
  if (copies_verbatim(s)) {
    out.reserve(out.size() + s.size() + 2);
    out.push_back('"');
    out.append(s);
    out.push_back('"');
    return;
  }
  // Escapes, control characters, DEL and non-ASCII: nlohmann's rules (and its UTF-8 checks).
  out.append(nlohmann::json(s).dump(-1, ' ', false,
                                    invalid == InvalidUtf8::replace
                                        ? nlohmann::json::error_handler_t::replace
                                        : nlohmann::json::error_handler_t::strict));
}

template <class Integer>
void append_integer(std::string& out, Integer v) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, end);
}

}  // namespace

void append_json_text(std::string& out, const nlohmann::json& value, InvalidUtf8 invalid) {
  using value_t = nlohmann::json::value_t;
  switch (value.type()) {
    case value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, member] : value.get_ref<const nlohmann::json::object_t&>()) {
        if (!first) out.push_back(',');
        first = false;
        append_string(out, key, invalid);
        out.push_back(':');
        append_json_text(out, member, invalid);
      }
      out.push_back('}');
      return;
    }
    case value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& element : value) {
        if (!first) out.push_back(',');
        first = false;
        append_json_text(out, element, invalid);
      }
      out.push_back(']');
      return;
    }
    case value_t::string:
      return append_string(out, value.get_ref<const std::string&>(), invalid);
    case value_t::number_integer:
      return append_integer(out, value.get<std::int64_t>());
    case value_t::number_unsigned:
      return append_integer(out, value.get<std::uint64_t>());
    case value_t::boolean:
      out.append(value.get<bool>() ? "true" : "false");
      return;
    case value_t::null:
      out.append("null");
      return;
    default:  // floating point, binary, discarded: as the library writes them
      out.append(value.dump(-1, ' ', false,
                            invalid == InvalidUtf8::replace ? nlohmann::json::error_handler_t::replace
                                                            : nlohmann::json::error_handler_t::strict));
      return;
  }
}

std::string json_text(const nlohmann::json& value, InvalidUtf8 invalid) {
  std::string out;
  out.reserve(256);
  append_json_text(out, value, invalid);
  return out;
}

}  // namespace bs
