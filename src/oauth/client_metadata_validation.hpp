// Private to the client registry: validation and normalisation of RFC 7591 client metadata, kept
// apart from the storage code so that every rule can be unit-tested without a database.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.hpp"

namespace bs::oauth {

// The serialized metadata may not exceed this: unknown members are stored, so they need a bound.
inline constexpr std::size_t kMaxClientMetadataBytes = 64 * 1024;

struct MetadataPolicy {
  bool strict_ob = false;        // the Open Badges 3.0 registration profile (dynamic registrations)
  bool admin = false;            // an administrator is asking: "service_account" may be set
  bool service_account = false;  // the client's current flag, kept when the metadata does not say
  // Admin scopes an update may keep although its caller could not grant them (the client's own
  // RFC 7592 update of a service account an administrator created).
  std::vector<std::string> kept_admin_scopes;
};

struct ValidatedMetadata {
  nlohmann::json metadata;  // what is stored and echoed: defaults filled in, no "service_account"
  std::string token_endpoint_auth_method;
  std::vector<std::string> grant_types;
  std::vector<std::string> scope;
  bool service_account = false;
};

// Errors are invalid_client_metadata, or invalid_redirect_uri for anything wrong with redirect_uris;
// the description names the member at fault.
Result<ValidatedMetadata> validate_client_metadata(const nlohmann::json& metadata,
                                                   const MetadataPolicy& policy);

// The methods that authenticate with a client secret (and so get one at registration).
bool uses_client_secret(std::string_view token_endpoint_auth_method);

// Members the server assigns (RFC 7591 §3.2.1, RFC 7592 §3): never accepted as metadata.
const std::vector<std::string>& server_assigned_members();

}  // namespace bs::oauth
