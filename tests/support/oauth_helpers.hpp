// Helpers for the OAuth integration tests: registering clients and building client assertions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "crypto/jose.hpp"
#include "support/http_client.hpp"

namespace bs::test {

inline const std::string kCredentialRead =
    "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly";
inline const std::string kProfileRead = "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.readonly";

std::string basic_auth(const std::string& id, const std::string& secret);

// RFC 7523 client assertion signed with key (alg from the key), iss = sub = client_id.
std::string client_assertion(const crypto::Jwk& key, const std::string& client_id,
                             const std::string& audience, std::int64_t lifetime = 60,
                             const std::string& jti = "");

std::int64_t unix_time();

}  // namespace bs::test
