// The Open Badges 3.0 JSON schema rules in C++ (third_party/openbadges/schema): the required fields
// and their types for an AchievementCredential (OpenBadgeCredential) and a Profile. Errors are
// ErrorCode::invalid_data with a description naming the failing JSON path ("/credentialSubject/
// achievement/criteria: required"), so a client learns exactly what to fix.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/errors.hpp"

namespace bs::badges {

// validFrom / validUntil must be RFC 3339 date-times (bs::parse_rfc3339) with a time zone.
Status validate_credential(const nlohmann::json& credential);
Status validate_profile(const nlohmann::json& profile);

// issuer.id, or issuer itself when it is a URI string; empty when neither.
std::string issuer_id_of(const nlohmann::json& credential);

}  // namespace bs::badges
