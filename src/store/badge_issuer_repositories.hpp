// Repository functions for the Open Badges issuer tables (migration 0005): issuer profiles,
// achievements and the credentials we issued. Same conventions as repositories.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/repositories.hpp"

namespace bs::store {

struct BadgeIssuer {
  std::string id;       // "iss_..."
  std::string profile;  // JSON: the OB Profile
  std::string created_by;
  std::int64_t created_at = 0;
};

struct BadgeAchievement {
  std::string id;  // "ach_..."
  std::string issuer_id;
  std::string achievement;  // JSON: the OB Achievement
  std::string created_by;
  std::int64_t created_at = 0;
};

struct IssuedCredential {
  std::string id;             // "crd_..."
  std::string credential_id;  // the credential's own id
  std::string issuer_id;
  std::string achievement_id;
  std::string recipient;                    // credentialSubject.id or the identity hash
  std::optional<std::string> delivered_to;  // user id
  std::string credential;                   // JSON, as signed
  std::string compact_jws;
  std::string created_by;
  std::int64_t issued_at = 0;
  std::optional<std::int64_t> revoked_at;
  std::optional<std::string> revocation_reason;
};

// --- issuers -----------------------------------------------------------------------------------
Status insert_badge_issuer(Executor ex, const BadgeIssuer& issuer);
Result<std::optional<BadgeIssuer>> find_badge_issuer(Executor ex, std::string_view id);
// Ordered by id; rows with id > after_id (all rows when nullopt).
Result<Page<BadgeIssuer, std::string>> list_badge_issuers(Executor ex,
                                                          const std::optional<std::string>& after_id,
                                                          std::int64_t limit);

// --- achievements ------------------------------------------------------------------------------
// A missing issuer_id is conflict (foreign key) on PostgreSQL and SQLite alike; check it first.
Status insert_badge_achievement(Executor ex, const BadgeAchievement& achievement);
Result<std::optional<BadgeAchievement>> find_badge_achievement(Executor ex, std::string_view id);
// Ordered by id, optionally one issuer's only.
Result<Page<BadgeAchievement, std::string>> list_badge_achievements(
    Executor ex, const std::optional<std::string>& issuer_id, const std::optional<std::string>& after_id,
    std::int64_t limit);

// --- issued credentials ------------------------------------------------------------------------
// A duplicate id or credential_id is conflict.
Status insert_issued_credential(Executor ex, const IssuedCredential& credential);
Result<std::optional<IssuedCredential>> find_issued_credential(Executor ex, std::string_view id);
Result<std::optional<IssuedCredential>> find_issued_credential_by_credential_id(
    Executor ex, std::string_view credential_id);
// Ordered by id, optionally one issuer's only.
Result<Page<IssuedCredential, std::string>> list_issued_credentials(
    Executor ex, const std::optional<std::string>& issuer_id, const std::optional<std::string>& after_id,
    std::int64_t limit);
// Sets revoked_at and the reason unless already revoked; false when no such credential or already
// revoked.
Result<bool> revoke_issued_credential(Executor ex, std::string_view id, std::int64_t now,
                                      const std::optional<std::string>& reason);
// Every revoked credential of an issuer, ordered by revoked_at then id (the revocation list).
Result<std::vector<IssuedCredential>> list_revoked_credentials(Executor ex, std::string_view issuer_id);

}  // namespace bs::store
