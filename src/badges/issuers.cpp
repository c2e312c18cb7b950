#include "badges/issuers.hpp"

#include <algorithm>

#include "crypto/random.hpp"

namespace bs::badges {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxTextLength = 4096;

Result<std::optional<std::string>> optional_string(const json& request, const char* name, bool required) {
  auto it = request.find(name);
  if (it == request.end() || it->is_null()) {
    if (required) return fail(ErrorCode::invalid_request, std::string(name) + " is required");
    return std::optional<std::string>{};
  }
  if (!it->is_string()) return fail(ErrorCode::invalid_request, std::string(name) + " must be a string");
  auto value = it->get<std::string>();
  if (required && value.empty())
    return fail(ErrorCode::invalid_request, std::string(name) + " must not be empty");
  if (value.size() > kMaxTextLength)
    return fail(ErrorCode::invalid_data, std::string(name) + " is longer than 4096 characters");
  return std::optional<std::string>(std::move(value));
}

bool is_email(std::string_view s) {
  const auto at = s.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < s.size() &&
         s.find('@', at + 1) == std::string_view::npos &&
         std::none_of(s.begin(), s.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; });
}

}  // namespace

bool is_http_url(std::string_view text) {
  std::string_view rest;
  if (text.starts_with("https://")) {
    rest = text.substr(8);
  } else if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else {
    return false;
  }
  if (rest.empty() || rest.front() == '/') return false;
  return std::none_of(text.begin(), text.end(), [](unsigned char c) {
    return c <= ' ' || c == 0x7f || c == '"' || c == '<' || c == '>';
  });
}

Result<json> image_of(const json& value, std::string_view path) {
  std::string id;
  json image = {{"type", "Image"}};
  if (value.is_string()) {
    id = value.get<std::string>();
  } else if (value.is_object() && value.contains("id") && value["id"].is_string()) {
    id = value["id"].get<std::string>();
    if (auto caption = value.find("caption"); caption != value.end()) {
      if (!caption->is_string())
        return fail(ErrorCode::invalid_data, std::string(path) + "/caption: must be a string");
      image["caption"] = *caption;
    }
  } else {
    return fail(ErrorCode::invalid_data, std::string(path) + ": must be a URL or an {id, caption} object");
  }
  // Images are URLs or data: URIs (OB 3.0 §B.1.11 allows both).
  if (!is_http_url(id) && !id.starts_with("data:image/"))
    return fail(ErrorCode::invalid_data, std::string(path) + ": must be an http(s) URL or a data:image URI");
  image["id"] = id;
  return image;
}

IssuerService::IssuerService(store::Database& db, std::string base_url)
    : db_(db), base_url_(std::move(base_url)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

std::string IssuerService::profile_id(std::string_view issuer_id) const {
  return base_url_ + "/issuers/" + std::string(issuer_id);
}

Result<store::BadgeIssuer> IssuerService::create(const json& request, std::string_view actor) {
  if (!request.is_object()) return fail(ErrorCode::invalid_request, "the request must be a JSON object");
  auto name = optional_string(request, "name", true);
  if (!name) return std::unexpected(name.error());
  auto url = optional_string(request, "url", true);
  if (!url) return std::unexpected(url.error());
  if (!is_http_url(**url)) return fail(ErrorCode::invalid_data, "url must be an absolute http(s) URL");
  auto email = optional_string(request, "email", false);
  if (!email) return std::unexpected(email.error());
  if (*email && !is_email(**email)) return fail(ErrorCode::invalid_data, "email is not an email address");
  auto description = optional_string(request, "description", false);
  if (!description) return std::unexpected(description.error());

  store::BadgeIssuer issuer;
  issuer.id = "iss_" + crypto::random_token(16);
  json profile = {{"id", profile_id(issuer.id)}, {"type", {"Profile"}}, {"name", **name}, {"url", **url}};
  if (*email) profile["email"] = **email;
  if (*description) profile["description"] = **description;
  if (auto image = request.find("image"); image != request.end() && !image->is_null()) {
    auto parsed = image_of(*image, "image");
    if (!parsed) return std::unexpected(parsed.error());
    profile["image"] = std::move(*parsed);
  }
  issuer.profile = profile.dump();
  issuer.created_by = std::string(actor);
  issuer.created_at = store::unix_now();
  if (auto st = store::insert_badge_issuer(db_, issuer); !st) return std::unexpected(st.error());
  return issuer;
}

Result<std::optional<store::BadgeIssuer>> IssuerService::find(std::string_view id_or_profile_id) {
  std::string_view id = id_or_profile_id;
  const std::string prefix = base_url_ + "/issuers/";
  if (id.starts_with(prefix)) id.remove_prefix(prefix.size());
  if (!id.starts_with("iss_")) return std::optional<store::BadgeIssuer>{};
  return store::find_badge_issuer(db_, id);
}

Result<store::Page<store::BadgeIssuer, std::string>> IssuerService::list(
    const std::optional<std::string>& after_id, std::int64_t limit) {
  return store::list_badge_issuers(db_, after_id, limit);
}

Result<std::optional<store::BadgeIssuer>> IssuerService::sole_issuer() {
  auto page = store::list_badge_issuers(db_, std::nullopt, 2);
  if (!page) return std::unexpected(page.error());
  if (page->items.size() != 1) return std::optional<store::BadgeIssuer>{};
  return std::optional<store::BadgeIssuer>(std::move(page->items.front()));
}

json issuer_profile(const store::BadgeIssuer& issuer) {
  return json::parse(issuer.profile, nullptr, false);
}

}  // namespace bs::badges
