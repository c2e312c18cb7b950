#include "auth/authenticator.hpp"

#include "common/text.hpp"
#include "crypto/jose.hpp"

namespace bs::auth {

Result<Principal> Authenticator::authenticate(const Credentials& credentials) {
  if (credentials.malformed_authorization)
    return fail(ErrorCode::invalid_token, "malformed Authorization header");
  if (credentials.bearer && credentials.api_key)
    return fail(ErrorCode::invalid_request, "present one credential, not both Authorization and X-API-Key");
  if (credentials.api_key) return api_keys_.authenticate(*credentials.api_key);
  if (!credentials.bearer) return fail(ErrorCode::unauthorized, "authentication required");

  auto jws = crypto::decode_jws(*credentials.bearer);
  if (!jws) return fail(ErrorCode::invalid_token, "bearer token is not a valid JWT");
  auto typ = jws->header.find("typ");
  std::string type = typ != jws->header.end() && typ->is_string() ? to_lower(typ->get<std::string>()) : "";
  if (type.starts_with("application/")) type = type.substr(12);
  if (type == kSessionTokenType) return sessions_.verify(*credentials.bearer);
  if (type == "at+jwt" && access_tokens_) return access_tokens_(*credentials.bearer);
  return fail(ErrorCode::invalid_token, "unsupported token type");
}

}  // namespace bs::auth
