// The closed set of errors every layer returns, and the Result type that carries them.
// OAuth error codes (RFC 6749 §5.2, 6750 §3.1, 7591 §3.2.2, 9101, 9126) and the API's own codes live
// here together; src/http/error_response.cpp maps them to status codes and JSON in one place.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace bs {

enum class ErrorCode {
  // OAuth 2.0 / RFC 6749 and extensions
  invalid_request,
  invalid_client,
  invalid_grant,
  unauthorized_client,
  unsupported_grant_type,
  unsupported_response_type,
  invalid_scope,
  access_denied,
  invalid_token,            // RFC 6750
  insufficient_scope,       // RFC 6750
  invalid_redirect_uri,     // RFC 7591
  invalid_client_metadata,  // RFC 7591
  invalid_request_object,   // RFC 9101
  invalid_request_uri,      // RFC 9101 / 9126
  unsupported_token_type,   // RFC 7009
  invalid_target,           // RFC 8707
  // API and transport
  unauthorized,            // 401: no or bad credentials on a non-OAuth API path
  forbidden,               // 403
  not_found,               // 404
  method_not_allowed,      // 405
  conflict,                // 409
  payload_too_large,       // 413
  unsupported_media_type,  // 415
  invalid_data,            // 422: well-formed but semantically invalid
  too_many_requests,       // 429
  internal_error,          // 500
  service_unavailable,     // 503: the database is not reachable
};

// The wire name of an error code ("invalid_request", ...).
std::string_view error_code_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::internal_error;
  std::string description;
  int retry_after_seconds = 0;  // for too_many_requests

  Error() = default;
  Error(ErrorCode c, std::string d = {}, int retry_after = 0)
      : code(c), description(std::move(d)), retry_after_seconds(retry_after) {}
};

template <class T>
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string description = {}) {
  return std::unexpected<Error>(Error(code, std::move(description)));
}

inline Status ok() {
  return {};
}

}  // namespace bs
