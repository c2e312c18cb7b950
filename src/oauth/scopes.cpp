#include "oauth/scopes.hpp"

#include <algorithm>

#include "auth/principal.hpp"
#include "common/text.hpp"

namespace bs::oauth {

const std::vector<std::string>& supported_scopes() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> v = {std::string(kScopeCredentialRead), std::string(kScopeCredentialUpsert),
                                  std::string(kScopeProfileRead), std::string(kScopeProfileUpdate),
                                  std::string(kScopeOfflineAccess)};
    for (const auto& s : auth::admin_scopes()) v.push_back(s);
    return v;
  }();
  return all;
}

bool is_supported_scope(std::string_view scope) {
  const auto& all = supported_scopes();
  return std::find(all.begin(), all.end(), scope) != all.end();
}

bool is_admin_scope(std::string_view scope) {
  return scope == "admin" || scope.starts_with("admin:");
}

Result<std::vector<std::string>> parse_scope(std::string_view scope) {
  for (unsigned char c : scope)
    if (c < 0x20 || c == 0x22 || c == 0x5c || c > 0x7e)
      return fail(ErrorCode::invalid_scope, "scope contains a character RFC 6749 does not allow");
  std::vector<std::string> out;
  for (auto& s : split_spaces(scope)) {
    if (!is_supported_scope(s)) return fail(ErrorCode::invalid_scope, "unknown scope: " + s);
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
  }
  return out;
}

bool scope_subset(const std::vector<std::string>& requested, const std::vector<std::string>& allowed) {
  return std::all_of(requested.begin(), requested.end(), [&](const std::string& s) {
    return std::find(allowed.begin(), allowed.end(), s) != allowed.end();
  });
}

}  // namespace bs::oauth
