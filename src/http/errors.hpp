// The one place where an Error becomes an HTTP response: status code, JSON body, and the
// WWW-Authenticate / Retry-After headers RFC 6749 §5.2, RFC 6750 §3 and RFC 7591 §3.2.2 require.
#pragma once

#include "common/errors.hpp"
#include "http/message.hpp"

namespace bs::http {

int status_for(ErrorCode code);

struct ErrorContext {
  // The client authenticated (or tried to) with the Authorization header's Basic scheme:
  // invalid_client answers carry WWW-Authenticate: Basic (RFC 6749 §5.2).
  bool basic_auth_attempted = false;
  // A Bearer-protected resource: 401/403 carry WWW-Authenticate: Bearer (RFC 6750 §3).
  bool bearer_protected = true;
  std::string required_scope;  // for insufficient_scope
  // The Open Badges 3.0 API (/ims/ob/v3p0): the body is an Imsx_StatusInfo instead of
  // {"error", "error_description"}; status and headers are the same.
  bool imsx = false;
};

// The context of an error answered outside a handler (router 404/405, server 413): Imsx for paths
// under /ims/ob/v3p0, so every answer of that API has its error shape.
ErrorContext error_context_for_path(std::string_view path);

// The Imsx_CodeMinorFieldValue of an error (OB 3.0 §6.2): invalid_query_parameter, unauthorizedrequest,
// forbidden, not_found, not_allowed, invalid_data, server_busy, internal_server_error, unknown.
std::string_view imsx_code_minor(ErrorCode code);

// {"error": "...", "error_description": "..."} (or the Imsx_StatusInfo of context.imsx) with the
// right status and headers.
Response error_response(const Error& error, const ErrorContext& context = {});

}  // namespace bs::http
