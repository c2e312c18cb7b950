// Parsers for untrusted request bodies and queries: form encoding (RFC 6749 Appendix B) and JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/errors.hpp"
#include "common/params.hpp"
#include "http/message.hpp"

namespace bs::http {

using FormParams = bs::Params;

// application/x-www-form-urlencoded: '+' is a space, %XX escapes must be well-formed, names and
// values must be UTF-8. Errors are invalid_request.
Result<FormParams> parse_form(std::string_view body);

// Decodes one application/x-www-form-urlencoded component; nullopt when malformed or not UTF-8.
std::optional<std::string> form_decode(std::string_view s);

// The body of a form POST; 415 when the Content-Type is not application/x-www-form-urlencoded.
Result<FormParams> form_body(const Request& request);
// The query string of a request.
Result<FormParams> query_params(const Request& request);

// A JSON object body; 415 for another Content-Type, 400 invalid_request for malformed JSON, invalid
// UTF-8, arrays and objects nested deeper than 64 levels, or a non-object.
Result<nlohmann::json> json_object_body(const Request& request);

// Rejects members of a JSON object not named in allowed (strict endpoints).
Status reject_unknown_members(const nlohmann::json& object, std::initializer_list<std::string_view> allowed);

}  // namespace bs::http
