#include "badges/issuance.hpp"

#include "badges/credential_validation.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"

namespace bs::badges {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxIdentityLength = 1024;

// RFC 9562 version 4 UUID as a URN: credential ids are globally unique and reveal nothing.
std::string new_credential_urn() {
  std::string b = crypto::random_bytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  const std::string hex = crypto::hex_encode(b);
  return "urn:uuid:" + hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

Result<std::optional<std::int64_t>> date_member(const json& request, const char* name) {
  auto it = request.find(name);
  if (it == request.end() || it->is_null()) return std::optional<std::int64_t>{};
  if (!it->is_string())
    return fail(ErrorCode::invalid_request, std::string(name) + " must be an RFC 3339 date-time");
  auto t = parse_rfc3339(it->get<std::string>());
  if (!t)
    return fail(ErrorCode::invalid_data,
                std::string(name) + " must be an RFC 3339 date-time with a time zone");
  return std::optional<std::int64_t>(*t);
}

// The recipient as credentialSubject members: {"id"} or {"identifier": [IdentityObject]}, plus the
// value we record (the id, or the identity hash).
struct Recipient {
  json members;
  std::string recorded;
};

Result<Recipient> recipient_of(const json& subject) {
  auto id = subject.find("id");
  auto identifier = subject.find("identifier");
  const bool has_id = id != subject.end() && !id->is_null();
  const bool has_identifier = identifier != subject.end() && !identifier->is_null();
  if (has_id == has_identifier)
    return fail(ErrorCode::invalid_request, "credentialSubject needs exactly one of id and identifier");
  if (has_id) {
    if (!id->is_string() || id->get_ref<const std::string&>().empty())
      return fail(ErrorCode::invalid_request, "credentialSubject.id must be a URI string");
    const auto& s = id->get_ref<const std::string&>();
    // A URI: a scheme, then ':' (did:, urn:, https:, mailto: ...).
    const auto colon = s.find(':');
    if (colon == std::string::npos || colon == 0 || s.find_first_of(" \t\r\n\"<>") != std::string::npos)
      return fail(ErrorCode::invalid_data, "credentialSubject.id must be a URI");
    return Recipient{{{"id", s}}, s};
  }
  if (!identifier->is_object())
    return fail(ErrorCode::invalid_request, "credentialSubject.identifier must be {identityType, identity}");
  auto type = identifier->find("identityType");
  auto identity = identifier->find("identity");
  if (type == identifier->end() || !type->is_string() || identity == identifier->end() ||
      !identity->is_string())
    return fail(ErrorCode::invalid_request, "credentialSubject.identifier must be {identityType, identity}");
  static const std::vector<std::string> kTypes = {
      "name",     "sourcedId", "systemId",     "productId",
      "userName", "accountId", "emailAddress", "nationalIdentityNumber",
      "isbn",     "issuerId",  "studentId",    "teacherId"};
  const auto& t = type->get_ref<const std::string&>();
  if (std::find(kTypes.begin(), kTypes.end(), t) == kTypes.end() && !t.starts_with("ext:"))
    return fail(ErrorCode::invalid_data,
                "credentialSubject.identifier.identityType is not an OB 3.0 IdentifierType");
  const auto& value = identity->get_ref<const std::string&>();
  if (value.empty() || value.size() > kMaxIdentityLength)
    return fail(ErrorCode::invalid_data, "credentialSubject.identifier.identity must be 1..1024 characters");
  // The identity itself is never stored or signed in clear: only its salted hash.
  const std::string salt = crypto::random_token(16);
  const std::string hash = identity_hash(value, salt);
  json object = {{"type", "IdentityObject"},
                 {"hashed", true},
                 {"identityHash", hash},
                 {"identityType", t},
                 {"salt", salt}};
  return Recipient{{{"identifier", json::array({object})}}, hash};
}

}  // namespace

std::string identity_hash(std::string_view identity, std::string_view salt) {
  return "sha256$" + crypto::hex_encode(crypto::sha256(std::string(identity) + std::string(salt)));
}

IssuanceService::IssuanceService(store::Database& db, IssuerService& issuers,
                                 AchievementService& achievements, const VcJwt& vc_jwt,
                                 CredentialStatusService& status, CredentialStore& store,
                                 ProfileService& profiles)
    : db_(db),
      issuers_(issuers),
      achievements_(achievements),
      vc_jwt_(vc_jwt),
      status_(status),
      store_(store),
      profiles_(profiles) {}

Result<store::IssuedCredential> IssuanceService::issue(const json& request, std::string_view actor) {
  if (!request.is_object()) return fail(ErrorCode::invalid_request, "the request must be a JSON object");
  auto subject_it = request.find("credentialSubject");
  if (subject_it == request.end() || !subject_it->is_object())
    return fail(ErrorCode::invalid_request, "credentialSubject must be an object {id, achievement}");
  const json& subject = *subject_it;
  auto achievement_ref = subject.find("achievement");
  if (achievement_ref == subject.end() || !achievement_ref->is_string())
    return fail(ErrorCode::invalid_request, "credentialSubject.achievement must be an achievement id");
  auto recipient = recipient_of(subject);
  if (!recipient) return std::unexpected(recipient.error());

  auto achievement = achievements_.find(achievement_ref->get<std::string>());
  if (!achievement) return std::unexpected(achievement.error());
  if (!*achievement) return fail(ErrorCode::not_found, "no achievement with this id");
  auto issuer = issuers_.find((*achievement)->issuer_id);
  if (!issuer) return std::unexpected(issuer.error());
  if (!*issuer) return fail(ErrorCode::internal_error, "the achievement's issuer is missing");
  if (auto it = request.find("issuer"); it != request.end() && !it->is_null()) {
    if (!it->is_string()) return fail(ErrorCode::invalid_request, "issuer must be an issuer id");
    auto named = issuers_.find(it->get<std::string>());
    if (!named) return std::unexpected(named.error());
    if (!*named) return fail(ErrorCode::not_found, "no issuer with this id");
    if ((*named)->id != (*issuer)->id)
      return fail(ErrorCode::invalid_data, "the achievement belongs to another issuer");
  }

  const auto now = store::unix_now();
  auto valid_from = date_member(request, "validFrom");
  if (!valid_from) return std::unexpected(valid_from.error());
  auto valid_until = date_member(request, "validUntil");
  if (!valid_until) return std::unexpected(valid_until.error());
  const std::int64_t from = valid_from->value_or(now);
  if (*valid_until && **valid_until <= from)
    return fail(ErrorCode::invalid_data, "validUntil must be later than validFrom");

  const json achievement_object = achievement_json(**achievement);
  const json profile = issuer_profile(**issuer);
  json credential_subject = {{"type", {"AchievementSubject"}}};
  credential_subject.update(recipient->members);
  credential_subject["achievement"] = achievement_object;

  json credential = {
      {"@context", {kVcContextV2, kObContext}},
      {"id", new_credential_urn()},
      {"type", {"VerifiableCredential", "OpenBadgeCredential"}},
      {"issuer", profile},
      {"validFrom", format_rfc3339(from)},
      {"name", request.contains("name") && request["name"].is_string() ? request["name"]
                                                                       : achievement_object["name"]},
      {"credentialSubject", std::move(credential_subject)},
      {"credentialSchema",
       {{{"id", kAchievementCredentialSchema}, {"type", "1EdTechJsonSchemaValidator2019"}}}},
      {"credentialStatus", status_.status_entry((*issuer)->id)},
  };
  if (auto d = request.find("description"); d != request.end() && d->is_string())
    credential["description"] = *d;
  if (*valid_until) credential["validUntil"] = format_rfc3339(**valid_until);
  if (auto st = validate_credential(credential); !st) return std::unexpected(st.error());

  auto compact = vc_jwt_.sign(credential);
  if (!compact) return std::unexpected(compact.error());

  store::IssuedCredential record;
  record.id = "crd_" + crypto::random_token(16);
  record.credential_id = credential["id"].get<std::string>();
  record.issuer_id = (*issuer)->id;
  record.achievement_id = (*achievement)->id;
  record.recipient = recipient->recorded;
  record.credential = credential.dump();
  record.compact_jws = *compact;
  record.created_by = std::string(actor);
  record.issued_at = now;

  // Delivery first: a failed delivery leaves nothing behind, and the record (a fresh random key)
  // cannot conflict afterwards.
  if (auto id = credential["credentialSubject"].find("id"); id != credential["credentialSubject"].end()) {
    auto user = profiles_.user_of_profile_id(id->get<std::string>());
    if (!user) return std::unexpected(user.error());
    if (*user) {
      auto delivered = store_.upsert(**user, credential, *compact);
      if (!delivered) return std::unexpected(delivered.error());
      record.delivered_to = **user;
    }
  }
  if (auto st = store::insert_issued_credential(db_, record); !st) return std::unexpected(st.error());
  log::info("badge issued",
            {{"credential", record.id}, {"issuer", record.issuer_id}, {"actor", record.created_by}});
  return record;
}

Result<std::optional<store::IssuedCredential>> IssuanceService::find(std::string_view handle) {
  return store::find_issued_credential(db_, handle);
}

Result<store::Page<store::IssuedCredential, std::string>> IssuanceService::list(
    const std::optional<std::string>& issuer_id, const std::optional<std::string>& after_id,
    std::int64_t limit) {
  return store::list_issued_credentials(db_, issuer_id, after_id, limit);
}

}  // namespace bs::badges
