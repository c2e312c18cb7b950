#include "auth/principal.hpp"

#include <algorithm>

namespace bs::auth {

bool Principal::has_scope(std::string_view required) const {
  for (const auto& s : scopes) {
    if (s == required) return true;
    if (s == "admin" && required.starts_with("admin:")) return true;
  }
  return false;
}

std::string Principal::actor() const {
  switch (kind) {
    case PrincipalKind::user_session:
      return "user:" + subject;
    case PrincipalKind::api_key:
      return "api_key:" + credential_id;
    case PrincipalKind::access_token:
      return client_id == subject ? "client:" + client_id : "user:" + subject;
  }
  return "unknown";
}

const std::vector<std::string>& admin_scopes() {
  static const std::vector<std::string> all = {
      "admin",          "admin:users",  "admin:clients", "admin:keys",    "admin:tokens",
      "admin:consents", "admin:badges", "admin:audit",   "admin:metrics",
  };
  return all;
}

bool is_known_admin_scope(std::string_view scope) {
  const auto& all = admin_scopes();
  return std::find(all.begin(), all.end(), scope) != all.end();
}

Status require_scope(const Principal& principal, std::string_view scope) {
  if (principal.has_scope(scope)) return {};
  return fail(ErrorCode::insufficient_scope, "this operation requires the scope " + std::string(scope));
}

}  // namespace bs::auth
