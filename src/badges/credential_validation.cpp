#include "badges/credential_validation.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string_view>

#include "common/time.hpp"

namespace bs::badges {
namespace {

using nlohmann::json;

constexpr std::string_view kVcContext = "https://www.w3.org/ns/credentials/v2";
constexpr std::string_view kObContextPrefix = "https://purl.imsglobal.org/spec/ob/v3p0/context";

// Each check returns the first violation as invalid_data "<JSON pointer>: <what is wrong>", the same
// order of checks as the schema's, so the same input always names the same path.
std::unexpected<Error> violation(const std::string& path, std::string_view what) {
  return fail(ErrorCode::invalid_data, (path.empty() ? std::string("/") : path) + ": " + std::string(what));
}

std::string child(const std::string& path, std::string_view name) {
  // RFC 6901 escaping, so a member name with '/' or '~' still yields an unambiguous pointer.
  std::string out = path + "/";
  for (char c : name) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string child(const std::string& path, std::size_t index) {
  return path + "/" + std::to_string(index);
}

Status require_object(const json& v, const std::string& path) {
  if (!v.is_object()) return violation(path, "must be an object");
  return ok();
}

Status require_members(const json& object, const std::string& path,
                       std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (!object.contains(name)) return violation(child(path, name), "required");
  }
  return ok();
}

// An optional member of the given JSON type; present members must have it.
Status optional_string(const json& object, const std::string& path, std::string_view name) {
  auto it = object.find(name);
  if (it != object.end() && !it->is_string()) return violation(child(path, name), "must be a string");
  return ok();
}

Status optional_strings(const json& object, const std::string& path,
                        std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (auto st = optional_string(object, path, name); !st) return st;
  }
  return ok();
}

Status optional_number(const json& object, const std::string& path, std::string_view name) {
  auto it = object.find(name);
  if (it != object.end() && !it->is_number()) return violation(child(path, name), "must be a number");
  return ok();
}

// A "type" member: an array of at least one string, one of which is in `one_of`.
Status check_type_array(const json& object, const std::string& path,
                        std::initializer_list<std::string_view> one_of) {
  const std::string p = child(path, "type");
  const json& type = object.at("type");
  if (!type.is_array() || type.empty()) return violation(p, "must be a non-empty array of strings");
  bool found = false;
  for (std::size_t i = 0; i < type.size(); ++i) {
    if (!type[i].is_string()) return violation(child(p, i), "must be a string");
    const auto& t = type[i].get_ref<const std::string&>();
    found = found || std::ranges::find(one_of, std::string_view(t)) != one_of.end();
  }
  if (!found) {
    std::string names;
    for (std::string_view n : one_of) names += (names.empty() ? "\"" : " or \"") + std::string(n) + "\"";
    return violation(p, "must contain " + names);
  }
  return ok();
}

// XML Schema dateTime with a time zone ("DateTimeZ"), as RFC 3339 (JSON Schema "date-time").
Status check_date_time(const json& object, const std::string& path, std::string_view name) {
  auto it = object.find(name);
  if (it == object.end()) return ok();
  if (!it->is_string() || !parse_rfc3339(it->get_ref<const std::string&>())) {
    return violation(child(path, name), "must be an RFC 3339 date-time with a time zone");
  }
  return ok();
}

// A full-date "YYYY-MM-DD" (JSON Schema "date").
Status check_date(const json& object, const std::string& path, std::string_view name) {
  auto it = object.find(name);
  if (it == object.end()) return ok();
  if (!it->is_string() || !parse_rfc3339(it->get_ref<const std::string&>() + "T00:00:00Z") ||
      it->get_ref<const std::string&>().size() != 10) {
    return violation(child(path, name), "must be a date (YYYY-MM-DD)");
  }
  return ok();
}

// An array member whose items each pass `item` (absent is fine).
template <class Item>
Status optional_array(const json& object, const std::string& path, std::string_view name, Item item) {
  auto it = object.find(name);
  if (it == object.end()) return ok();
  const std::string p = child(path, name);
  if (!it->is_array()) return violation(p, "must be an array");
  for (std::size_t i = 0; i < it->size(); ++i) {
    if (auto st = item((*it)[i], child(p, i)); !st) return st;
  }
  return ok();
}

Status check_string_item(const json& v, const std::string& path) {
  if (!v.is_string()) return violation(path, "must be a string");
  return ok();
}

Status check_typed_object(const json& v, const std::string& path,
                          std::initializer_list<std::string_view> required) {
  if (auto st = require_object(v, path); !st) return st;
  if (auto st = require_members(v, path, required); !st) return st;
  for (std::string_view name : required) {
    if (name == "type") continue;
    if (!v.at(name).is_string()) return violation(child(path, name), "must be a string");
  }
  return ok();
}

// Image: {id, type: "Image", caption?}, no other members.
Status check_image(const json& object, const std::string& path, std::string_view name) {
  auto it = object.find(name);
  if (it == object.end()) return ok();
  const std::string p = child(path, name);
  if (auto st = require_object(*it, p); !st) return st;
  if (auto st = require_members(*it, p, {"id", "type"}); !st) return st;
  if (!it->at("id").is_string()) return violation(child(p, "id"), "must be a string");
  if (it->at("type") != "Image") return violation(child(p, "type"), "must be \"Image\"");
  if (auto st = optional_string(*it, p, "caption"); !st) return st;
  for (const auto& [member, _] : it->items()) {
    if (member != "id" && member != "type" && member != "caption") {
      return violation(child(p, member), "is not allowed in an Image");
    }
  }
  return ok();
}

// An array member of objects that each have the `required` members and whose `strings` members are
// strings when present.
Status optional_object_array(const json& object, const std::string& path, std::string_view name,
                             std::initializer_list<std::string_view> required,
                             std::initializer_list<std::string_view> strings = {}) {
  return optional_array(object, path, name, [&](const json& v, const std::string& p) -> Status {
    if (auto st = require_object(v, p); !st) return st;
    if (auto st = require_members(v, p, required); !st) return st;
    return optional_strings(v, p, strings);
  });
}

Status check_profile_object(const json& profile, const std::string& path) {
  if (auto st = require_object(profile, path); !st) return st;
  if (auto st = require_members(profile, path, {"id", "type"}); !st) return st;
  if (!profile.at("id").is_string()) return violation(child(path, "id"), "must be a string");
  if (auto st = check_type_array(profile, path, {"Profile"}); !st) return st;
  if (auto st = optional_strings(
          profile, path,
          {"name", "url", "phone", "description", "email", "official", "familyName", "givenName",
           "additionalName", "patronymicName", "honorificPrefix", "honorificSuffix", "familyNamePrefix"});
      !st) {
    return st;
  }
  if (auto st = check_image(profile, path, "image"); !st) return st;
  if (auto st = check_date(profile, path, "dateOfBirth"); !st) return st;
  if (auto it = profile.find("address"); it != profile.end()) {
    const std::string p = child(path, "address");
    if (auto st = require_object(*it, p); !st) return st;
    if (auto st = require_members(*it, p, {"type"}); !st) return st;
    if (auto st = check_type_array(*it, p, {"Address"}); !st) return st;
  }
  if (auto st = optional_array(profile, path, "endorsementJwt", check_string_item); !st) return st;
  if (auto st = optional_array(profile, path, "otherIdentifier",
                               [](const json& v, const std::string& p) {
                                 return check_typed_object(v, p, {"type", "identifier", "identifierType"});
                               });
      !st) {
    return st;
  }
  if (auto it = profile.find("parentOrg"); it != profile.end()) {
    return check_profile_object(*it, child(path, "parentOrg"));
  }
  return ok();
}

Status check_achievement(const json& achievement, const std::string& path) {
  if (auto st = require_object(achievement, path); !st) return st;
  if (auto st = require_members(achievement, path, {"id", "type", "criteria", "description", "name"}); !st) {
    return st;
  }
  if (!achievement.at("id").is_string()) return violation(child(path, "id"), "must be a string");
  if (auto st = check_type_array(achievement, path, {"Achievement"}); !st) return st;
  if (auto st = optional_strings(achievement, path,
                                 {"name", "description", "fieldOfStudy", "humanCode", "specialization",
                                  "version", "inLanguage", "achievementType"});
      !st) {
    return st;
  }
  const std::string criteria_path = child(path, "criteria");
  const json& criteria = achievement.at("criteria");
  if (auto st = require_object(criteria, criteria_path); !st) return st;
  if (auto st = optional_strings(criteria, criteria_path, {"id", "narrative"}); !st) return st;
  if (auto st = check_image(achievement, path, "image"); !st) return st;
  if (auto st = optional_number(achievement, path, "creditsAvailable"); !st) return st;
  if (auto st = optional_array(achievement, path, "tag", check_string_item); !st) return st;
  if (auto st =
          optional_array(achievement, path, "alignment",
                         [](const json& v, const std::string& p) -> Status {
                           if (auto s = check_typed_object(v, p, {"type", "targetName", "targetUrl"}); !s) {
                             return s;
                           }
                           return check_type_array(v, p, {"Alignment"});
                         });
      !st) {
    return st;
  }
  if (auto it = achievement.find("creator"); it != achievement.end()) {
    return check_profile_object(*it, child(path, "creator"));
  }
  return ok();
}

Status check_identity_object(const json& v, const std::string& path) {
  if (auto st = require_object(v, path); !st) return st;
  if (auto st = require_members(v, path, {"type", "hashed", "identityHash", "identityType"}); !st) return st;
  if (v.at("type") != "IdentityObject") return violation(child(path, "type"), "must be \"IdentityObject\"");
  if (!v.at("hashed").is_boolean()) return violation(child(path, "hashed"), "must be a boolean");
  if (!v.at("identityHash").is_string()) return violation(child(path, "identityHash"), "must be a string");
  if (!v.at("identityType").is_string()) return violation(child(path, "identityType"), "must be a string");
  if (auto st = optional_string(v, path, "salt"); !st) return st;
  for (const auto& [member, _] : v.items()) {
    if (member != "type" && member != "hashed" && member != "identityHash" && member != "identityType" &&
        member != "salt") {
      return violation(child(path, member), "is not allowed in an IdentityObject");
    }
  }
  return ok();
}

Status check_subject(const json& subject, const std::string& path) {
  if (auto st = require_object(subject, path); !st) return st;
  if (auto st = require_members(subject, path, {"type", "achievement"}); !st) return st;
  if (auto st = check_type_array(subject, path, {"AchievementSubject"}); !st) return st;
  if (auto st = optional_strings(subject, path, {"id", "licenseNumber", "narrative", "role", "term"}); !st)
    return st;
  if (auto st = optional_number(subject, path, "creditsEarned"); !st) return st;
  if (auto st = check_date_time(subject, path, "activityStartDate"); !st) return st;
  if (auto st = check_date_time(subject, path, "activityEndDate"); !st) return st;
  if (auto st = check_image(subject, path, "image"); !st) return st;
  if (auto st = optional_array(subject, path, "identifier", check_identity_object); !st) return st;
  if (auto st = optional_object_array(subject, path, "result", {"type"},
                                      {"achievedLevel", "resultDescription", "status", "value"});
      !st) {
    return st;
  }
  if (auto st = check_achievement(subject.at("achievement"), child(path, "achievement")); !st) return st;
  if (auto it = subject.find("source"); it != subject.end()) {
    return check_profile_object(*it, child(path, "source"));
  }
  return ok();
}

Status check_context(const json& credential) {
  const std::string p = "/@context";
  const json& context = credential.at("@context");
  if (!context.is_array() || context.size() < 2)
    return violation(p, "must be an array of at least two contexts");
  if (context[0] != kVcContext) return violation(child(p, 0), "must be \"" + std::string(kVcContext) + "\"");
  // "https://purl.imsglobal.org/spec/ob/v3p0/context(-3.d.d)*.json"
  const json& ob = context[1];
  bool ob_ok = ob.is_string();
  if (ob_ok) {
    std::string_view s = ob.get_ref<const std::string&>();
    ob_ok = s.starts_with(kObContextPrefix) && s.ends_with(".json");
    if (ob_ok) {
      s.remove_prefix(kObContextPrefix.size());
      s.remove_suffix(5);
      while (ob_ok && !s.empty()) {
        ob_ok = s.size() >= 6 && s[0] == '-' && s[1] == '3' && s[2] == '.' &&
                std::isdigit(static_cast<unsigned char>(s[3])) && s[4] == '.' &&
                std::isdigit(static_cast<unsigned char>(s[5]));
        if (ob_ok) s.remove_prefix(6);
      }
    }
  }
  if (!ob_ok) return violation(child(p, 1), "must be the Open Badges 3.0 context URL");
  for (std::size_t i = 2; i < context.size(); ++i) {
    if (!context[i].is_string() && !context[i].is_object()) {
      return violation(child(p, i), "must be a string or an object");
    }
  }
  return ok();
}

}  // namespace

std::string issuer_id_of(const nlohmann::json& credential) {
  if (!credential.is_object()) return {};
  auto it = credential.find("issuer");
  if (it == credential.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) {
    auto id = it->find("id");
    if (id != it->end() && id->is_string()) return id->get<std::string>();
  }
  return {};
}

Status validate_credential(const nlohmann::json& credential) {
  const std::string root;
  if (auto st = require_object(credential, root); !st) return st;
  if (auto st = require_members(credential, root,
                                {"@context", "id", "type", "credentialSubject", "issuer", "validFrom"});
      !st) {
    return st;
  }
  if (auto st = check_context(credential); !st) return st;
  if (!credential.at("id").is_string() || credential.at("id").get_ref<const std::string&>().empty()) {
    return violation("/id", "must be a non-empty string");
  }
  if (auto st = check_type_array(credential, root, {"VerifiableCredential"}); !st) return st;
  if (auto st = check_type_array(credential, root, {"AchievementCredential", "OpenBadgeCredential"}); !st)
    return st;
  if (auto st = optional_strings(credential, root, {"name", "description"}); !st) return st;
  if (auto st = check_date_time(credential, root, "validFrom"); !st) return st;
  if (auto st = check_date_time(credential, root, "validUntil"); !st) return st;
  if (auto st = check_date_time(credential, root, "awardedDate"); !st) return st;
  if (auto st = check_image(credential, root, "image"); !st) return st;
  const json& issuer = credential.at("issuer");
  if (issuer.is_string()) {
    if (issuer.get_ref<const std::string&>().empty()) return violation("/issuer", "must not be empty");
  } else if (auto st = check_profile_object(issuer, "/issuer"); !st) {
    return st;
  }
  if (auto st = check_subject(credential.at("credentialSubject"), "/credentialSubject"); !st) return st;
  if (auto it = credential.find("credentialStatus"); it != credential.end()) {
    if (auto st = check_typed_object(*it, "/credentialStatus", {"id", "type"}); !st) return st;
  }
  if (auto st = optional_array(credential, root, "credentialSchema",
                               [](const json& v, const std::string& p) {
                                 return check_typed_object(v, p, {"id", "type"});
                               });
      !st) {
    return st;
  }
  if (auto st = optional_array(credential, root, "proof",
                               [](const json& v, const std::string& p) -> Status {
                                 if (auto s = require_object(v, p); !s) return s;
                                 if (auto s = require_members(v, p, {"type"}); !s) return s;
                                 return optional_string(v, p, "type");
                               });
      !st) {
    return st;
  }
  if (auto st = optional_array(credential, root, "endorsementJwt", check_string_item); !st) return st;
  if (auto st = optional_object_array(credential, root, "evidence", {"type"},
                                      {"id", "narrative", "name", "genre", "audience"});
      !st) {
    return st;
  }
  if (auto st = optional_object_array(credential, root, "termsOfUse", {"type"}, {"id", "type"}); !st)
    return st;
  if (auto it = credential.find("refreshService"); it != credential.end()) {
    if (auto st = check_typed_object(*it, "/refreshService", {"id", "type"}); !st) return st;
  }
  // Endorsements are credentials of their own: their envelope members are required.
  if (auto st = optional_object_array(
          credential, root, "endorsement",
          {"@context", "type", "id", "name", "credentialSubject", "issuer", "validFrom"});
      !st) {
    return st;
  }
  return ok();
}

Status validate_profile(const nlohmann::json& profile) {
  return check_profile_object(profile, "");
}

}  // namespace bs::badges
