#include "badges/vc_jwt.hpp"

#include <algorithm>
#include <cctype>

#include "common/time.hpp"

namespace bs::badges {

using nlohmann::json;

namespace {

// OB 3.0 §8.2.4.1: typ, when present, is "JWT" (media types compare case-insensitively, RFC 7515).
constexpr std::string_view kTyp = "JWT";
// Credentials may carry images as data URLs; the HTTP body limit bounds this further.
constexpr std::size_t kMaxCompactBytes = 1024 * 1024;
constexpr const char* kRegisteredClaims[] = {"iss", "jti", "nbf", "sub", "exp"};

std::string issuer_id(const json& credential) {
  auto it = credential.find("issuer");
  if (it == credential.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) {
    auto id = it->find("id");
    if (id != it->end() && id->is_string()) return id->get<std::string>();
  }
  return {};
}

std::optional<std::string> string_member(const json& object, const char* name) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::string> subject_id(const json& credential) {
  auto it = credential.find("credentialSubject");
  if (it == credential.end()) return std::nullopt;
  return string_member(*it, "id");
}

std::optional<std::int64_t> integer_claim(const json& payload, const char* name) {
  auto it = payload.find(name);
  if (it == payload.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_number_unsigned()) return static_cast<std::int64_t>(it->get<std::uint64_t>());
  return std::nullopt;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

void add(std::vector<VcJwtCheck>& checks, std::string name, bool passed, std::string detail = {}) {
  checks.push_back({std::move(name), passed, passed ? std::string() : std::move(detail)});
}

// A string claim that must equal the credential's value, or be absent when the credential has none.
void check_string_claim(std::vector<VcJwtCheck>& checks, const json& payload, const char* claim,
                        const std::optional<std::string>& expected, const char* property) {
  auto it = payload.find(claim);
  const bool present = it != payload.end();
  if (!expected) {
    add(checks, claim, !present, std::string(claim) + " claim present but the credential has no " + property);
    return;
  }
  if (!present) {
    add(checks, claim, false, std::string(claim) + " claim missing");
    return;
  }
  add(checks, claim, it->is_string() && it->get<std::string>() == *expected,
      std::string(claim) + " claim does not equal " + property);
}

// A NumericDate claim that must equal the credential's date, or be absent when it has none.
void check_date_claim(std::vector<VcJwtCheck>& checks, const json& payload, const char* claim,
                      const std::optional<std::int64_t>& expected, const char* property) {
  const bool present = payload.contains(claim);
  if (!expected) {
    add(checks, claim, !present,
        std::string(claim) + " claim present but the credential has no valid " + property);
    return;
  }
  if (!present) {
    add(checks, claim, false, std::string(claim) + " claim missing");
    return;
  }
  add(checks, claim, integer_claim(payload, claim) == expected,
      std::string(claim) + " claim does not equal " + property);
}

}  // namespace

bool VcJwtInspection::ok() const {
  return decoded.has_value() &&
         std::all_of(checks.begin(), checks.end(), [](const auto& c) { return c.passed; });
}

Status VcJwtInspection::first_failure() const {
  for (const auto& c : checks)
    if (!c.passed) return fail(ErrorCode::invalid_data, c.name + ": " + c.detail);
  if (!decoded) return fail(ErrorCode::invalid_data, "format: not a compact JWS");
  return bs::ok();
}

VcJwt::VcJwt(keys::Keyring& keyring, VcJwtOptions options) : keyring_(keyring), options_(std::move(options)) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
}

std::string VcJwt::key_url(std::string_view thumbprint) const {
  return options_.base_url + "/keys/" + std::string(thumbprint);
}

Result<std::string> VcJwt::sign(const json& credential) const {
  if (!credential.is_object()) return fail(ErrorCode::invalid_data, "the credential must be a JSON object");
  auto id = string_member(credential, "id");
  if (!id) return fail(ErrorCode::invalid_data, "/id: required");
  const auto iss = issuer_id(credential);
  if (iss.empty()) return fail(ErrorCode::invalid_data, "/issuer: required");
  auto valid_from_text = string_member(credential, "validFrom");
  auto valid_from = valid_from_text ? parse_rfc3339(*valid_from_text) : std::nullopt;
  if (!valid_from) return fail(ErrorCode::invalid_data, "/validFrom: must be an RFC 3339 date-time");
  std::optional<std::int64_t> valid_until;
  if (credential.contains("validUntil")) {
    auto text = string_member(credential, "validUntil");
    valid_until = text ? parse_rfc3339(*text) : std::nullopt;
    if (!valid_until) return fail(ErrorCode::invalid_data, "/validUntil: must be an RFC 3339 date-time");
  }

  json payload = credential;
  for (const char* claim : kRegisteredClaims) payload.erase(claim);
  payload["iss"] = iss;
  payload["jti"] = *id;
  payload["nbf"] = *valid_from;
  if (auto sub = subject_id(credential)) payload["sub"] = *sub;
  if (valid_until) payload["exp"] = *valid_until;

  // The newest active key of the badge algorithm, as Keyring::sign picks, but with the URL kid.
  const keys::KeyInfo* best = nullptr;
  const auto keys = keyring_.list();
  for (const auto& k : keys) {
    if (k.alg != options_.alg || k.status != "active") continue;
    if (!best || k.activates_at > best->activates_at) best = &k;
  }
  if (!best)
    return fail(ErrorCode::internal_error,
                "no active signing key for " + std::string(crypto::jws_alg_name(options_.alg)));
  auto key = keyring_.find(best->kid);
  if (!key) return fail(ErrorCode::internal_error, "signing key disappeared during signing");
  const json header = {
      {"alg", crypto::jws_alg_name(options_.alg)}, {"typ", kTyp}, {"kid", key_url(best->kid)}};
  auto signed_jws = crypto::sign_jws(header, payload.dump(), *key);
  if (!signed_jws) return signed_jws;
  // Recorded before anyone holds the badge, so it can never outlive its key's publication.
  const auto retain_until =
      valid_until ? std::optional<std::int64_t>(*valid_until + options_.leeway_seconds) : std::nullopt;
  if (auto st = keyring_.retain_public(best->kid, retain_until); !st) return std::unexpected(st.error());
  return signed_jws;
}

VcJwtInspection VcJwt::inspect(std::string_view compact, std::int64_t now) const {
  VcJwtInspection out;
  if (now == 0) now = now_seconds();
  auto jws = crypto::decode_jws(compact, kMaxCompactBytes);
  if (!jws) {
    add(out.checks, "format", false, jws.error().description);
    return out;
  }
  add(out.checks, "format", true);

  VerifiedVcJwt decoded;
  decoded.header = jws->header;

  // The key: a kid naming one of ours (URL or bare thumbprint), else an embedded public jwk.
  std::shared_ptr<const crypto::Jwk> ours;
  if (auto kid = string_member(jws->header, "kid")) {
    decoded.kid = *kid;
    const std::string prefix = options_.base_url + "/keys/";
    std::string_view thumbprint = *kid;
    if (thumbprint.starts_with(prefix)) thumbprint.remove_prefix(prefix.size());
    ours = keyring_.find_for_credentials(thumbprint);
  }
  std::optional<crypto::Jwk> embedded;
  std::string key_problem = "key not resolvable";
  if (!ours) {
    auto jwk = jws->header.find("jwk");
    if (jwk != jws->header.end()) {
      Result<crypto::Jwk> parsed = jwk->is_object() ? crypto::Jwk::from_json(*jwk)
                                                    : Result<crypto::Jwk>(fail(ErrorCode::invalid_data));
      if (!parsed) {
        key_problem = "embedded jwk is not a usable public key";
      } else if (parsed->is_private()) {
        // A private or symmetric key in a header is a leaked secret, never a verification key.
        key_problem = "embedded jwk must be a public asymmetric key";
      } else {
        embedded = std::move(*parsed);
      }
    }
  }
  if (!ours && !embedded) {
    add(out.checks, "key", false, key_problem);
  } else {
    add(out.checks, "key", true);
    decoded.key_source = ours ? KeySource::ours : KeySource::embedded_jwk;
    auto st = crypto::verify_jws(*jws, ours ? *ours : *embedded);
    add(out.checks, "signature", st.has_value(), st ? "" : st.error().description);
  }

  auto typ = jws->header.find("typ");
  add(out.checks, "typ",
      typ == jws->header.end() || (typ->is_string() && iequals_ascii(typ->get<std::string>(), kTyp)),
      "typ header must be JWT");

  const json& payload = jws->payload;
  json credential = payload;
  for (const char* claim : kRegisteredClaims) credential.erase(claim);

  const auto iss = issuer_id(credential);
  check_string_claim(out.checks, payload, "iss", iss.empty() ? std::nullopt : std::optional<std::string>(iss),
                     "issuer.id");
  check_string_claim(out.checks, payload, "jti", string_member(credential, "id"), "id");
  auto valid_from_text = string_member(credential, "validFrom");
  auto valid_from = valid_from_text ? parse_rfc3339(*valid_from_text) : std::nullopt;
  check_date_claim(out.checks, payload, "nbf", valid_from, "validFrom");
  check_string_claim(out.checks, payload, "sub", subject_id(credential), "credentialSubject.id");
  std::optional<std::int64_t> valid_until;
  auto valid_until_text = string_member(credential, "validUntil");
  if (valid_until_text) valid_until = parse_rfc3339(*valid_until_text);
  check_date_claim(out.checks, payload, "exp", valid_until, "validUntil");

  if (!valid_from) {
    add(out.checks, "validFrom", false, "validFrom missing or not an RFC 3339 date-time");
  } else {
    add(out.checks, "validFrom", *valid_from <= now + options_.leeway_seconds,
        "the credential is not valid yet");
  }
  if (credential.contains("validUntil")) {
    if (!valid_until) {
      add(out.checks, "validUntil", false, "validUntil is not an RFC 3339 date-time");
    } else {
      add(out.checks, "validUntil", now - options_.leeway_seconds < *valid_until,
          "the credential has expired");
    }
  }

  decoded.credential = std::move(credential);
  out.decoded = std::move(decoded);
  return out;
}

Result<VerifiedVcJwt> VcJwt::verify(std::string_view compact, std::int64_t now) const {
  auto inspection = inspect(compact, now);
  if (auto st = inspection.first_failure(); !st) return std::unexpected(st.error());
  return std::move(*inspection.decoded);
}

std::optional<json> VcJwt::public_jwk(std::string_view thumbprint) const {
  for (const auto& k : keyring_.list()) {
    if (k.kid != thumbprint || k.alg != options_.alg) continue;
    json jwk = k.public_jwk;
    jwk["kid"] = key_url(k.kid);
    return jwk;
  }
  return std::nullopt;
}

std::vector<json> VcJwt::published_badge_keys() const {
  std::vector<json> out;
  for (const auto& k : keyring_.list()) {
    if (k.alg != options_.alg) continue;
    json jwk = k.public_jwk;
    jwk["kid"] = key_url(k.kid);
    out.push_back(std::move(jwk));
  }
  return out;
}

}  // namespace bs::badges
