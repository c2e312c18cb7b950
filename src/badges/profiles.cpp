#include "badges/profiles.hpp"

#include "badges/credential_validation.hpp"
#include "common/time.hpp"
#include "store/badge_host_repositories.hpp"
#include "store/repositories.hpp"

namespace bs::badges {
namespace {

constexpr std::string_view kProfilePath = "/ims/ob/v3p0/profiles/";

}  // namespace

ProfileService::ProfileService(store::Database& db, std::string base_url)
    : db_(db), base_url_(std::move(base_url)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

std::string ProfileService::profile_id_of_user(std::string_view user_id) const {
  return base_url_ + std::string(kProfilePath) + std::string(user_id);
}

Result<std::optional<std::string>> ProfileService::user_of_profile_id(std::string_view profile_id) {
  const std::string prefix = base_url_ + std::string(kProfilePath);
  if (!profile_id.starts_with(prefix)) return std::optional<std::string>{};
  const std::string_view user_id = profile_id.substr(prefix.size());
  if (user_id.empty() || user_id.find_first_of("/?#") != std::string_view::npos) {
    return std::optional<std::string>{};
  }
  auto user = store::find_user_by_id(db_, user_id);
  if (!user) return std::unexpected(user.error());
  if (!*user) return std::optional<std::string>{};
  return std::optional<std::string>{(*user)->id};
}

Result<nlohmann::json> ProfileService::profile_of_user(std::string_view user_id) {
  auto stored = store::find_ob_profile(db_, user_id);
  if (!stored) return std::unexpected(stored.error());
  if (*stored) {
    auto profile = nlohmann::json::parse((*stored)->profile, nullptr, false);
    if (profile.is_discarded()) return fail(ErrorCode::internal_error, "stored profile is not JSON");
    return profile;
  }
  auto user = store::find_user_by_id(db_, user_id);
  if (!user) return std::unexpected(user.error());
  if (!*user) return fail(ErrorCode::not_found, "no such user");
  nlohmann::json profile = {{"id", profile_id_of_user(user_id)}, {"type", {"Profile"}}};
  if (!(*user)->name.empty()) profile["name"] = (*user)->name;
  profile["email"] = (*user)->email;
  return profile;
}

Result<nlohmann::json> ProfileService::update_profile(std::string_view user_id,
                                                      const nlohmann::json& profile) {
  if (auto st = validate_profile(profile); !st) return std::unexpected(st.error());
  const std::string expected_id = profile_id_of_user(user_id);
  if (profile.at("id") != expected_id) {
    return fail(ErrorCode::invalid_data, "/id: must be the profile's id, " + expected_id);
  }
  auto user = store::find_user_by_id(db_, user_id);
  if (!user) return std::unexpected(user.error());
  if (!*user) return fail(ErrorCode::not_found, "no such user");
  if (auto st = store::upsert_ob_profile(db_, {std::string(user_id), profile.dump(), now_seconds()}); !st) {
    return std::unexpected(st.error());
  }
  return profile;
}

}  // namespace bs::badges
