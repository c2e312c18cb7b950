// The scope registry: every scope the server knows. Unknown scopes are rejected with invalid_scope,
// never silently dropped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/errors.hpp"

namespace bs::oauth {

inline constexpr std::string_view kScopeCredentialRead =
    "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly";
inline constexpr std::string_view kScopeCredentialUpsert =
    "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert";
inline constexpr std::string_view kScopeProfileRead =
    "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.readonly";
inline constexpr std::string_view kScopeProfileUpdate =
    "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.update";
inline constexpr std::string_view kScopeOfflineAccess = "offline_access";

// Every scope a client may register or request (the Open Badges scopes, offline_access, admin:*).
const std::vector<std::string>& supported_scopes();
bool is_supported_scope(std::string_view scope);
bool is_admin_scope(std::string_view scope);  // "admin" or "admin:*"

// Parses a space-separated scope string (RFC 6749 §3.3): invalid_scope for an unknown scope or a
// malformed string (characters outside %x21 / %x23-5B / %x5D-7E); duplicates are folded.
Result<std::vector<std::string>> parse_scope(std::string_view scope);

// True when every element of requested is in allowed.
bool scope_subset(const std::vector<std::string>& requested, const std::vector<std::string>& allowed);

}  // namespace bs::oauth
