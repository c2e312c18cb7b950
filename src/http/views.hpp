// JSON views of stored records: what the API shows (never hashes or secrets).
#pragma once

#include <nlohmann/json.hpp>

#include "keys/keyring.hpp"
#include "store/models.hpp"

namespace bs::http {

nlohmann::json user_view(const store::User& user);
nlohmann::json api_key_view(const store::ApiKey& key);
nlohmann::json audit_event_view(const store::AuditEvent& event);
nlohmann::json key_view(const keys::KeyInfo& key);

}  // namespace bs::http
