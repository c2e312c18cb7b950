// Revocation of issued credentials with the 1EdTech Revocation List Status Method
// (https://purl.imsglobal.org/spec/vcrl/v1p0/): every credential we issue carries
//   "credentialStatus": {"id": "<base>/status/revocations/<issuer id>", "type": "1EdTechRevocationList"}
// and GET on that URL (public) answers the issuer's list:
//   {"id": <that URL>, "issuer": <issuer profile id>, "revokedCredentials": [{"id", "revocationReason"?}]}
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/errors.hpp"
#include "store/badge_issuer_repositories.hpp"
#include "store/database.hpp"

namespace bs::badges {

inline constexpr std::string_view kRevocationListType = "1EdTechRevocationList";

enum class StatusState {
  none,     // the credential has no credentialStatus
  foreign,  // a status method or list that is not ours: not checked
  active,   // listed by us, not revoked
  revoked,
};

struct StatusCheck {
  StatusState state = StatusState::none;
  std::optional<std::string> reason;  // when revoked
  std::optional<std::int64_t> revoked_at;
};

class CredentialStatusService {
 public:
  CredentialStatusService(store::Database& db, std::string base_url);

  std::string revocation_list_url(std::string_view issuer_id) const;
  // The credentialStatus member of a credential the issuer issues.
  nlohmann::json status_entry(std::string_view issuer_id) const;

  // Revokes an issued credential by its handle ("crd_..."); not_found when unknown, conflict when it
  // is already revoked. reason is at most 1024 characters (invalid_data otherwise).
  Result<store::IssuedCredential> revoke(std::string_view handle, const std::optional<std::string>& reason);

  // The issuer's revocation list; nullopt when no such issuer.
  Result<std::optional<nlohmann::json>> revocation_list(std::string_view issuer_id);

  // What the credential's credentialStatus says now.
  Result<StatusCheck> check(const nlohmann::json& credential);

 private:
  store::Database& db_;
  std::string base_url_;
};

}  // namespace bs::badges
