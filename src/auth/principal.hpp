// Who is calling: the one shape every credential (session, API key, OAuth access token) resolves to.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.hpp"

namespace bs::auth {

enum class PrincipalKind { user_session, api_key, access_token };

struct Principal {
  PrincipalKind kind = PrincipalKind::user_session;
  std::string credential_id;  // session id, API key id, or access token jti
  std::string subject;        // user id; for API keys "apikey:<id>"; for client tokens the client_id
  std::string client_id;      // access tokens only
  std::string role;           // users only: "user" or "admin"
  std::vector<std::string> scopes;

  // "admin" covers every "admin:*" scope; other scopes must be held exactly.
  bool has_scope(std::string_view required) const;
  bool is_user() const {
    return kind == PrincipalKind::user_session ||
           (kind == PrincipalKind::access_token && client_id != subject);
  }
  // A label for audit events that never includes a secret.
  std::string actor() const;
};

// The credentials a request presented, extracted by the HTTP layer.
struct Credentials {
  std::optional<std::string> bearer;     // Authorization: Bearer <token>
  std::optional<std::string> api_key;    // X-API-Key: <key>
  bool malformed_authorization = false;  // an Authorization header we could not read
};

// The admin scopes an API key or service account can hold.
const std::vector<std::string>& admin_scopes();
bool is_known_admin_scope(std::string_view scope);

// 403 insufficient_scope unless the principal holds `scope`.
Status require_scope(const Principal& principal, std::string_view scope);

}  // namespace bs::auth
