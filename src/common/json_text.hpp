// JSON text for answers and tokens on the hot path. Byte-for-byte what nlohmann's dump() writes
// (compact, keys in the library's order, UTF-8 left as is), but strings that need no escaping are
// copied whole instead of walked byte by byte through its UTF-8 decoder; those that do need it (and
// floating-point numbers) still go through nlohmann. A token response is mostly one long base64url
// string, so this is most of its serialization cost.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace bs {

enum class InvalidUtf8 { fail, replace };

// As value.dump(-1, ' ', false, replace ? error_handler_t::replace : error_handler_t::strict);
// with InvalidUtf8::fail, invalid UTF-8 throws nlohmann::json::type_error as dump() does.
std::string json_text(const nlohmann::json& value, InvalidUtf8 invalid = InvalidUtf8::fail);
void append_json_text(std::string& out, const nlohmann::json& value, InvalidUtf8 invalid = InvalidUtf8::fail);

}  // namespace bs
