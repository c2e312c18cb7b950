#include "http/errors.hpp"

#include <nlohmann/json.hpp>

#include "common/log.hpp"

namespace bs::http {

int status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_client:
    case ErrorCode::invalid_token:
    case ErrorCode::unauthorized:
      return 401;
    case ErrorCode::access_denied:
    case ErrorCode::insufficient_scope:
    case ErrorCode::forbidden:
      return 403;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::method_not_allowed:
      return 405;
    case ErrorCode::conflict:
      return 409;
    case ErrorCode::payload_too_large:
      return 413;
    case ErrorCode::unsupported_media_type:
      return 415;
    case ErrorCode::invalid_data:
      return 422;
    case ErrorCode::too_many_requests:
      return 429;
    case ErrorCode::internal_error:
      return 500;
    case ErrorCode::service_unavailable:
      return 503;
    default:
      return 400;
  }
}

namespace {

// A quoted-string for an auth-param: RFC 6750 §3 limits error_description to %x20-21 / %x23-5B / %x5D-7E.
std::string auth_param(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c >= 0x20 && c <= 0x7e && c != '"' && c != '\\') out.push_back(c);
  }
  out.push_back('"');
  return out;
}

constexpr std::string_view kOpenBadgesApiPrefix = "/ims/ob/v3p0/";

// OB 3.0 §6.2 Imsx_StatusInfo: codeMajor "failure", severity "error", one codeMinor field.
nlohmann::json imsx_body(ErrorCode code, const std::string& description) {
  nlohmann::json body = {{"imsx_codeMajor", "failure"},
                         {"imsx_severity", "error"},
                         {"imsx_codeMinor",
                          {{"imsx_codeMinorField",
                            {{{"imsx_codeMinorFieldName", "TargetEndSystem"},
                              {"imsx_codeMinorFieldValue", imsx_code_minor(code)}}}}}}};
  body["imsx_description"] = description.empty() ? std::string(error_code_name(code)) : description;
  return body;
}

}  // namespace

ErrorContext error_context_for_path(std::string_view path) {
  ErrorContext context;
  context.imsx = path.starts_with(kOpenBadgesApiPrefix);
  return context;
}

std::string_view imsx_code_minor(ErrorCode code) {
  switch (status_for(code)) {
    case 400:
      return "invalid_query_parameter";
    case 401:
      return "unauthorizedrequest";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "not_allowed";
    case 413:  // the data cannot be accepted as sent: too large, or in a media type not served
    case 415:
    case 422:
      return "invalid_data";
    case 429:
    case 503:
      return "server_busy";
    case 500:
      return "internal_server_error";
    default:
      return "unknown";
  }
}

Response error_response(const Error& error, const ErrorContext& context) {
  const int status = status_for(error.code);
  std::string description = error.description;
  if (error.code == ErrorCode::internal_error) {
    // Internal descriptions can carry database or library text: log them, never send them.
    log::error("internal error", {{"error", error.description}});
    description = "internal error";
  }
  nlohmann::json body;
  if (context.imsx) {
    body = imsx_body(error.code, description);
  } else {
    body = {{"error", error_code_name(error.code)}};
    if (!description.empty()) body["error_description"] = description;
  }
  Response r = Response::json(status, body);
  r.error = error.code;

  if (error.code == ErrorCode::invalid_client) {
    if (context.basic_auth_attempted) r.set_header("WWW-Authenticate", "Basic realm=\"badgeserver\"");
  } else if (context.bearer_protected) {
    if (error.code == ErrorCode::unauthorized) {
      r.set_header("WWW-Authenticate", "Bearer realm=\"badgeserver\"");  // no credentials: no error code
    } else if (error.code == ErrorCode::invalid_token) {
      r.set_header("WWW-Authenticate",
                   "Bearer realm=\"badgeserver\", error=\"invalid_token\", error_description=" +
                       auth_param(error.description));
    } else if (error.code == ErrorCode::insufficient_scope) {
      std::string v = "Bearer realm=\"badgeserver\", error=\"insufficient_scope\"";
      if (!context.required_scope.empty()) v += ", scope=" + auth_param(context.required_scope);
      r.set_header("WWW-Authenticate", v);
    }
  }
  if ((error.code == ErrorCode::too_many_requests || error.code == ErrorCode::service_unavailable) &&
      error.retry_after_seconds > 0) {
    r.set_header("Retry-After", std::to_string(error.retry_after_seconds));
  }
  return r;
}

}  // namespace bs::http
