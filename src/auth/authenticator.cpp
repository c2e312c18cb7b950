#include "auth/authenticator.hpp"

#include "common/text.hpp"
#include "crypto/jose.hpp"

namespace bs::auth {

namespace {

// The token kinds a bearer may be, told apart by their JOSE "typ".
enum class BearerKind { session, access_token };

Result<BearerKind> bearer_kind(const std::string& bearer) {
  // The header alone: the verifier the kind names decodes and checks the whole token.
  auto header = crypto::decode_jws_header(bearer);
  if (!header) return fail(ErrorCode::invalid_token, "bearer token is not a valid JWT");
  auto typ = header->find("typ");
  std::string type = typ != header->end() && typ->is_string() ? to_lower(typ->get<std::string>()) : "";
  if (type.starts_with("application/")) type = type.substr(12);
  if (type == kSessionTokenType) return BearerKind::session;
  if (type == "at+jwt") return BearerKind::access_token;
  return fail(ErrorCode::invalid_token, "unsupported token type");
}

}  // namespace

Result<Principal> Authenticator::authenticate(const Credentials& credentials) {
  if (auto answer = authenticate_without_blocking(credentials)) return std::move(*answer);
  if (credentials.api_key) return api_keys_.authenticate(*credentials.api_key);
  return sessions_.verify(*credentials.bearer);
}

std::optional<Result<Principal>> Authenticator::authenticate_without_blocking(
    const Credentials& credentials) {
  if (credentials.malformed_authorization)
    return fail(ErrorCode::invalid_token, "malformed Authorization header");
  if (credentials.bearer && credentials.api_key)
    return fail(ErrorCode::invalid_request, "present one credential, not both Authorization and X-API-Key");
  if (credentials.api_key) return std::nullopt;
  if (!credentials.bearer) return fail(ErrorCode::unauthorized, "authentication required");
  if (cached_access_tokens_) {
    if (auto answer = cached_access_tokens_(*credentials.bearer)) return std::move(*answer);
  }
  auto kind = bearer_kind(*credentials.bearer);
  if (!kind) return std::unexpected(kind.error());
  if (*kind == BearerKind::session) return std::nullopt;
  if (!access_tokens_) return fail(ErrorCode::invalid_token, "unsupported token type");
  return access_tokens_(*credentials.bearer);
}

}  // namespace bs::auth
