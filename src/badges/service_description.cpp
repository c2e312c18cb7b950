#include "badges/service_description.hpp"

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"

namespace bs::badges {

Result<ServiceDescription> ServiceDescription::create(const ServiceDescriptionOptions& options) {
  ServiceDescription out;
  auto& doc = out.document_;
  doc = nlohmann::json::parse(embedded_ob_openapi_json(), nullptr, false);
  if (!doc.is_object() || !doc.contains("info") || !doc.contains("components")) {
    return fail(ErrorCode::internal_error, "the embedded Open Badges OpenAPI document is not valid");
  }
  const std::string& base = options.issuer;

  auto& info = doc["info"];
  info["termsOfService"] = options.terms_of_service_url;
  info["x-imssf-privacyPolicyUrl"] = options.privacy_policy_url;
  doc["servers"] = nlohmann::json::array(
      {{{"url", base + "/ims/ob/v3p0"}, {"description", "The Open Badges 3.0 API of this server."}}});

  auto& scheme = doc["components"]["securitySchemes"]["OAuth2ACG"];
  if (!options.name.empty()) scheme["x-imssf-name"] = options.name;
  scheme["x-imssf-registrationUrl"] = base + "/oauth/register";
  auto& flow = scheme["flows"]["authorizationCode"];
  flow["authorizationUrl"] = base + "/oauth/authorize";
  flow["tokenUrl"] = base + "/oauth/token";
  // Refresh tokens are redeemed at the token endpoint (RFC 6749 §6).
  flow["refreshUrl"] = base + "/oauth/token";

  out.body_ = doc.dump();
  out.etag_ = "\"" + crypto::base64url_encode(crypto::sha256(out.body_)) + "\"";
  return out;
}

bool ServiceDescription::matches(std::string_view if_none_match) const {
  // RFC 9110 §13.1.2: "*" or a comma-separated list of entity tags, compared weakly (W/ ignored).
  const std::string_view ours = std::string_view(etag_);
  std::size_t i = 0;
  while (i < if_none_match.size()) {
    while (i < if_none_match.size() &&
           (if_none_match[i] == ' ' || if_none_match[i] == '\t' || if_none_match[i] == ','))
      ++i;
    if (i >= if_none_match.size()) break;
    std::size_t end = if_none_match.find(',', i);
    if (end == std::string_view::npos) end = if_none_match.size();
    std::string_view tag = if_none_match.substr(i, end - i);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == ours) return true;
    i = end;
  }
  return false;
}

}  // namespace bs::badges
