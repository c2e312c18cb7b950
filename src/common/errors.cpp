#include "common/errors.hpp"

namespace bs {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_request:
      return "invalid_request";
    case ErrorCode::invalid_client:
      return "invalid_client";
    case ErrorCode::invalid_grant:
      return "invalid_grant";
    case ErrorCode::unauthorized_client:
      return "unauthorized_client";
    case ErrorCode::unsupported_grant_type:
      return "unsupported_grant_type";
    case ErrorCode::unsupported_response_type:
      return "unsupported_response_type";
    case ErrorCode::invalid_scope:
      return "invalid_scope";
    case ErrorCode::access_denied:
      return "access_denied";
    case ErrorCode::invalid_token:
      return "invalid_token";
    case ErrorCode::insufficient_scope:
      return "insufficient_scope";
    case ErrorCode::invalid_redirect_uri:
      return "invalid_redirect_uri";
    case ErrorCode::invalid_client_metadata:
      return "invalid_client_metadata";
    case ErrorCode::invalid_request_object:
      return "invalid_request_object";
    case ErrorCode::invalid_request_uri:
      return "invalid_request_uri";
    case ErrorCode::unsupported_token_type:
      return "unsupported_token_type";
    case ErrorCode::invalid_target:
      return "invalid_target";
    case ErrorCode::unauthorized:
      return "unauthorized";
    case ErrorCode::forbidden:
      return "forbidden";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::method_not_allowed:
      return "method_not_allowed";
    case ErrorCode::conflict:
      return "conflict";
    case ErrorCode::payload_too_large:
      return "payload_too_large";
    case ErrorCode::unsupported_media_type:
      return "unsupported_media_type";
    case ErrorCode::invalid_data:
      return "invalid_data";
    case ErrorCode::too_many_requests:
      return "too_many_requests";
    case ErrorCode::internal_error:
      return "server_error";
    case ErrorCode::service_unavailable:
      return "temporarily_unavailable";
  }
  return "server_error";
}

}  // namespace bs
