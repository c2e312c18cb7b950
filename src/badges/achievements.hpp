// Achievements: what a badge says its recipient accomplished, created by one issuer. Each is an OB 3.0
// Achievement whose id is the URL "<base>/achievements/<achievement id>" and whose creator is the
// issuer's Profile.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "badges/issuers.hpp"
#include "common/errors.hpp"
#include "store/badge_issuer_repositories.hpp"
#include "store/database.hpp"

namespace bs::badges {

class AchievementService {
 public:
  AchievementService(store::Database& db, std::string base_url, IssuerService& issuers);

  std::string achievement_id(std::string_view id) const;

  // request: {issuer?, name, description, criteria: {narrative?, id?}, image?, alignment?, tags?,
  // achievementType?}. issuer (an issuer id or profile id) may be left out when exactly one issuer
  // exists; an unknown issuer is not_found. Shape errors are invalid_request, value errors
  // invalid_data.
  Result<store::BadgeAchievement> create(const nlohmann::json& request, std::string_view actor);

  // By achievement id ("ach_...") or by its URL.
  Result<std::optional<store::BadgeAchievement>> find(std::string_view id_or_url);
  Result<store::Page<store::BadgeAchievement, std::string>> list(const std::optional<std::string>& issuer_id,
                                                                 const std::optional<std::string>& after_id,
                                                                 std::int64_t limit);

 private:
  store::Database& db_;
  std::string base_url_;
  IssuerService& issuers_;
};

// The stored OB Achievement.
nlohmann::json achievement_json(const store::BadgeAchievement& achievement);

}  // namespace bs::badges
