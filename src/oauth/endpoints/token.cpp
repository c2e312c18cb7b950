// POST /oauth/token (RFC 6749 §3.2): grant dispatch.
#include "oauth/endpoints/endpoints.hpp"

namespace bs::oauth {

Result<nlohmann::json> token_endpoint(const AuthenticatedClient& client, const Params& params,
                                      GrantContext& context) {
  if (auto st = params.reject_duplicates({"grant_type"}); !st) return std::unexpected(st.error());
  auto grant_type = params.get("grant_type");
  if (!grant_type || grant_type->empty()) return fail(ErrorCode::invalid_request, "grant_type is required");
  if (*grant_type == "client_credentials") return client_credentials_grant(client, params, context);
  if (*grant_type == "authorization_code") return authorization_code_grant(client, params, context);
  if (*grant_type == "refresh_token") return refresh_token_grant(client, params, context);
  return fail(ErrorCode::unsupported_grant_type, "unsupported grant_type");
}

}  // namespace bs::oauth
