// The verify report of POST /api/v1/credentials/verify: every check run on a credential, each named,
// so a caller learns exactly what failed. A VC-JWT gets the VcJwt checks (format, key, signature,
// typ, iss, jti, nbf, sub, exp, validFrom, validUntil) plus "schema" (validate_credential) and
// "status" (revocation). A JSON credential has no JOSE envelope: its "proof" check passes only when
// it is byte-for-byte a credential we issued and signed (embedded Data Integrity proofs are not
// supported), then schema, dates and status.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "badges/credential_status.hpp"
#include "badges/vc_jwt.hpp"
#include "common/errors.hpp"
#include "store/database.hpp"

namespace bs::badges {

class VerificationService {
 public:
  VerificationService(store::Database& db, const VcJwt& vc_jwt, CredentialStatusService& status);

  // {"verified": bool, "format": "vc-jwt", "checks": [{"check", "passed", "detail"?}], "credential"?,
  //  "key_source"?}. Errors only for storage failures.
  Result<nlohmann::json> verify_compact(std::string_view compact, std::int64_t now = 0);
  // The same for a JSON credential ("format": "json").
  Result<nlohmann::json> verify_credential(const nlohmann::json& credential, std::int64_t now = 0);

 private:
  Status add_status_check(const nlohmann::json& credential, nlohmann::json& checks);

  store::Database& db_;
  const VcJwt& vc_jwt_;
  CredentialStatusService& status_;
};

}  // namespace bs::badges
