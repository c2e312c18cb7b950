#include "badges/achievements.hpp"

#include "crypto/random.hpp"

namespace bs::badges {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxTextLength = 16384;
constexpr std::size_t kMaxListItems = 100;

Status text_member(const json& request, json& out, const char* name, const char* as, bool required) {
  auto it = request.find(name);
  if (it == request.end() || it->is_null()) {
    if (required) return fail(ErrorCode::invalid_request, std::string(name) + " is required");
    return ok();
  }
  if (!it->is_string()) return fail(ErrorCode::invalid_request, std::string(name) + " must be a string");
  if (required && it->get_ref<const std::string&>().empty())
    return fail(ErrorCode::invalid_request, std::string(name) + " must not be empty");
  if (it->get_ref<const std::string&>().size() > kMaxTextLength)
    return fail(ErrorCode::invalid_data, std::string(name) + " is too long");
  out[as] = *it;
  return ok();
}

Result<json> criteria_of(const json& request) {
  auto it = request.find("criteria");
  if (it == request.end() || !it->is_object())
    return fail(ErrorCode::invalid_request, "criteria must be an object {narrative, id?}");
  json criteria = json::object();
  if (auto st = text_member(*it, criteria, "narrative", "narrative", false); !st)
    return std::unexpected(st.error());
  if (auto id = it->find("id"); id != it->end()) {
    if (!id->is_string() || !is_http_url(id->get<std::string>()))
      return fail(ErrorCode::invalid_data, "criteria.id must be an http(s) URL");
    criteria["id"] = *id;
  }
  // OB 3.0 Criteria: at least one of id and narrative says what earning the badge takes.
  if (criteria.empty()) return fail(ErrorCode::invalid_request, "criteria needs a narrative or an id");
  return criteria;
}

Result<json> alignments_of(const json& value) {
  if (!value.is_array() || value.size() > kMaxListItems)
    return fail(ErrorCode::invalid_request, "alignment must be an array of at most 100 objects");
  json out = json::array();
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto& a = value[i];
    const std::string path = "alignment[" + std::to_string(i) + "]";
    if (!a.is_object()) return fail(ErrorCode::invalid_request, path + " must be an object");
    json alignment = {{"type", {"Alignment"}}};
    for (const char* name : {"targetName", "targetUrl"}) {
      if (auto st = text_member(a, alignment, name, name, true); !st)
        return fail(st.error().code, path + "." + st.error().description);
    }
    if (!is_http_url(alignment["targetUrl"].get<std::string>()))
      return fail(ErrorCode::invalid_data, path + ".targetUrl must be an http(s) URL");
    for (const char* name : {"targetDescription", "targetCode", "targetFramework", "targetType"}) {
      if (auto st = text_member(a, alignment, name, name, false); !st)
        return fail(st.error().code, path + "." + st.error().description);
    }
    out.push_back(std::move(alignment));
  }
  return out;
}

Result<json> tags_of(const json& value) {
  if (!value.is_array() || value.size() > kMaxListItems)
    return fail(ErrorCode::invalid_request, "tags must be an array of at most 100 strings");
  for (const auto& t : value)
    if (!t.is_string() || t.get_ref<const std::string&>().empty())
      return fail(ErrorCode::invalid_request, "tags must be non-empty strings");
  return value;
}

}  // namespace

AchievementService::AchievementService(store::Database& db, std::string base_url, IssuerService& issuers)
    : db_(db), base_url_(std::move(base_url)), issuers_(issuers) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

std::string AchievementService::achievement_id(std::string_view id) const {
  return base_url_ + "/achievements/" + std::string(id);
}

Result<store::BadgeAchievement> AchievementService::create(const json& request, std::string_view actor) {
  if (!request.is_object()) return fail(ErrorCode::invalid_request, "the request must be a JSON object");
  std::optional<store::BadgeIssuer> issuer;
  if (auto it = request.find("issuer"); it != request.end() && !it->is_null()) {
    if (!it->is_string()) return fail(ErrorCode::invalid_request, "issuer must be an issuer id");
    auto found = issuers_.find(it->get<std::string>());
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(ErrorCode::not_found, "no issuer with this id");
    issuer = std::move(*found);
  } else {
    auto sole = issuers_.sole_issuer();
    if (!sole) return std::unexpected(sole.error());
    if (!*sole)
      return fail(ErrorCode::invalid_request, "issuer is required unless exactly one issuer exists");
    issuer = std::move(*sole);
  }

  store::BadgeAchievement record;
  record.id = "ach_" + crypto::random_token(16);
  json achievement = {{"id", achievement_id(record.id)}, {"type", {"Achievement"}}};
  if (auto st = text_member(request, achievement, "name", "name", true); !st)
    return std::unexpected(st.error());
  if (auto st = text_member(request, achievement, "description", "description", true); !st)
    return std::unexpected(st.error());
  auto criteria = criteria_of(request);
  if (!criteria) return std::unexpected(criteria.error());
  achievement["criteria"] = std::move(*criteria);
  if (auto st = text_member(request, achievement, "achievementType", "achievementType", false); !st)
    return std::unexpected(st.error());
  if (auto it = request.find("image"); it != request.end() && !it->is_null()) {
    auto image = image_of(*it, "image");
    if (!image) return std::unexpected(image.error());
    achievement["image"] = std::move(*image);
  }
  if (auto it = request.find("alignment"); it != request.end() && !it->is_null()) {
    auto alignment = alignments_of(*it);
    if (!alignment) return std::unexpected(alignment.error());
    achievement["alignment"] = std::move(*alignment);
  }
  if (auto it = request.find("tags"); it != request.end() && !it->is_null()) {
    auto tags = tags_of(*it);
    if (!tags) return std::unexpected(tags.error());
    achievement["tag"] = std::move(*tags);  // the OB 3.0 property is "tag"
  }
  achievement["creator"] = issuer_profile(*issuer);

  record.issuer_id = issuer->id;
  record.achievement = achievement.dump();
  record.created_by = std::string(actor);
  record.created_at = store::unix_now();
  if (auto st = store::insert_badge_achievement(db_, record); !st) return std::unexpected(st.error());
  return record;
}

Result<std::optional<store::BadgeAchievement>> AchievementService::find(std::string_view id_or_url) {
  std::string_view id = id_or_url;
  const std::string prefix = base_url_ + "/achievements/";
  if (id.starts_with(prefix)) id.remove_prefix(prefix.size());
  if (!id.starts_with("ach_")) return std::optional<store::BadgeAchievement>{};
  return store::find_badge_achievement(db_, id);
}

Result<store::Page<store::BadgeAchievement, std::string>> AchievementService::list(
    const std::optional<std::string>& issuer_id, const std::optional<std::string>& after_id,
    std::int64_t limit) {
  return store::list_badge_achievements(db_, issuer_id, after_id, limit);
}

json achievement_json(const store::BadgeAchievement& achievement) {
  return json::parse(achievement.achievement, nullptr, false);
}

}  // namespace bs::badges
