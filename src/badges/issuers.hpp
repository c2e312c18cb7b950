// Issuer profiles: the organisations in whose name we issue badges. Each is an OB 3.0 Profile whose
// id is the URL "<base>/issuers/<issuer id>" (GET on it answers the profile).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/errors.hpp"
#include "store/badge_issuer_repositories.hpp"
#include "store/database.hpp"

namespace bs::badges {

class IssuerService {
 public:
  IssuerService(store::Database& db, std::string base_url);

  std::string profile_id(std::string_view issuer_id) const;

  // request: {name, url, email?, description?, image?}. Missing or mistyped members are
  // invalid_request; a url/image that is not an absolute http(s) URL or a malformed email is
  // invalid_data. Unknown members are the caller's to reject.
  Result<store::BadgeIssuer> create(const nlohmann::json& request, std::string_view actor);

  // By issuer id ("iss_...") or by profile id (the URL).
  Result<std::optional<store::BadgeIssuer>> find(std::string_view id_or_profile_id);
  Result<store::Page<store::BadgeIssuer, std::string>> list(const std::optional<std::string>& after_id,
                                                            std::int64_t limit);
  // The issuer when exactly one exists (requests may then leave "issuer" out); nullopt otherwise.
  Result<std::optional<store::BadgeIssuer>> sole_issuer();

 private:
  store::Database& db_;
  std::string base_url_;
};

// The stored OB Profile of an issuer.
nlohmann::json issuer_profile(const store::BadgeIssuer& issuer);

// Shared by the issuer-side services: is this an absolute http(s) URL without spaces?
bool is_http_url(std::string_view text);
// An OB Image from a URL string or an {id, caption?} object; invalid_data otherwise.
Result<nlohmann::json> image_of(const nlohmann::json& value, std::string_view path);

}  // namespace bs::badges
