// Every user has an Open Badges 3.0 Profile (GET/PUT /ims/ob/v3p0/profile). Its id is the stable URL
// `<issuer base URL>/ims/ob/v3p0/profiles/<user id>`; an issuer addresses a credential to a user by
// putting that id in credentialSubject.id. Until the user stores one, the profile is built from the
// account ({id, type: ["Profile"], name, email}).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/errors.hpp"
#include "store/database.hpp"

namespace bs::badges {

class ProfileService {
 public:
  // base_url: the server's issuer URL (no trailing slash).
  ProfileService(store::Database& db, std::string base_url);

  // The profile id of a user; a pure function of the user id.
  std::string profile_id_of_user(std::string_view user_id) const;

  // The user whose profile id this is; nullopt when it is not one of ours or the user does not exist.
  Result<std::optional<std::string>> user_of_profile_id(std::string_view profile_id);

  // The stored profile, or the one built from the account; not_found for an unknown user.
  Result<nlohmann::json> profile_of_user(std::string_view user_id);

  // Validates (validate_profile; its id must be the user's profile id) and stores it; returns what was
  // stored. invalid_data when it fails, and nothing is stored.
  Result<nlohmann::json> update_profile(std::string_view user_id, const nlohmann::json& profile);

 private:
  store::Database& db_;
  std::string base_url_;
};

}  // namespace bs::badges
