// What every grant handler receives and returns. One file per grant under src/oauth/grants/.
#pragma once

#include <nlohmann/json.hpp>

#include "auth/audit.hpp"
#include "common/params.hpp"
#include "oauth/client_auth.hpp"
#include "oauth/token_service.hpp"

namespace bs::oauth {

struct GrantContext {
  TokenService& tokens;
  auth::AuditLog& audit;
  store::Database& db;
  std::string ip;
  // Set by a caller that can wait for durability without blocking (the HTTP server's network
  // threads): a client_credentials token then returns before its record is committed, and the
  // caller answers once these writes are settled.
  std::shared_ptr<PendingWrites> durable_later = nullptr;
};

// The successful token response body (RFC 6749 §5.1).
using TokenResponseBody = nlohmann::json;

Result<TokenResponseBody> client_credentials_grant(const AuthenticatedClient& client, const Params& params,
                                                   GrantContext& context);

// RFC 6749 §4.1.3 with PKCE (RFC 7636): src/oauth/grants/authorization_code.cpp.
Result<TokenResponseBody> authorization_code_grant(const AuthenticatedClient& client, const Params& params,
                                                   GrantContext& context);

// RFC 6749 §6 with rotation and reuse detection (RFC 9700 §4.14): src/oauth/grants/refresh_token.cpp.
Result<TokenResponseBody> refresh_token_grant(const AuthenticatedClient& client, const Params& params,
                                              GrantContext& context);

// Shared by grants: the requested scope checked against what the client registered (and, for
// admin scopes, that it is a service account). Absent: the registered scope.
Result<std::vector<std::string>> requested_scope(const store::OAuthClient& client, const Params& params);

}  // namespace bs::oauth
