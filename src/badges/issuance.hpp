// Issuing an OpenBadgeCredential: builds the credential from an issuer and one of its achievements,
// checks it against the OB 3.0 rules (validate_credential), signs it as a VC-JWT, delivers it to the
// recipient's credential store when credentialSubject.id is one of our users' profile ids, and keeps
// the signed record (for listing, revocation and verification).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "badges/achievements.hpp"
#include "badges/credential_status.hpp"
#include "badges/credential_store.hpp"
#include "badges/issuers.hpp"
#include "badges/profiles.hpp"
#include "badges/vc_jwt.hpp"
#include "common/errors.hpp"
#include "store/badge_issuer_repositories.hpp"
#include "store/database.hpp"

namespace bs::badges {

inline constexpr std::string_view kVcContextV2 = "https://www.w3.org/ns/credentials/v2";
inline constexpr std::string_view kObContext = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
inline constexpr std::string_view kAchievementCredentialSchema =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

class IssuanceService {
 public:
  IssuanceService(store::Database& db, IssuerService& issuers, AchievementService& achievements,
                  const VcJwt& vc_jwt, CredentialStatusService& status, CredentialStore& store,
                  ProfileService& profiles);

  // request: {issuer?, credentialSubject: {id | identifier: {identityType, identity}, achievement},
  // validFrom?, validUntil?, name?, description?}. issuer defaults to the achievement's issuer and,
  // when given, must be it. Unknown issuer or achievement: not_found; shape errors invalid_request;
  // bad values invalid_data. Nothing is stored unless the whole issuance succeeds.
  Result<store::IssuedCredential> issue(const nlohmann::json& request, std::string_view actor);

  Result<std::optional<store::IssuedCredential>> find(std::string_view handle);
  Result<store::Page<store::IssuedCredential, std::string>> list(const std::optional<std::string>& issuer_id,
                                                                 const std::optional<std::string>& after_id,
                                                                 std::int64_t limit);

 private:
  store::Database& db_;
  IssuerService& issuers_;
  AchievementService& achievements_;
  const VcJwt& vc_jwt_;
  CredentialStatusService& status_;
  CredentialStore& store_;
  ProfileService& profiles_;
};

// "sha256$" + hex(SHA-256(identity + salt)): the OB 3.0 IdentityHash.
std::string identity_hash(std::string_view identity, std::string_view salt);

}  // namespace bs::badges
