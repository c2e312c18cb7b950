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
};

// {"error": "...", "error_description": "..."} with the right status and headers.
Response error_response(const Error& error, const ErrorContext& context = {});

}  // namespace bs::http
