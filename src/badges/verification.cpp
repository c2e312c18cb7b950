#include "badges/verification.hpp"

#include "badges/credential_validation.hpp"
#include "common/time.hpp"
#include "store/badge_issuer_repositories.hpp"

namespace bs::badges {

using nlohmann::json;

namespace {

constexpr std::int64_t kLeewaySeconds = 60;

void add(json& checks, std::string_view name, bool passed, std::string_view detail = {}) {
  json c = {{"check", name}, {"passed", passed}};
  if (!passed) c["detail"] = detail;
  checks.push_back(std::move(c));
}

bool all_passed(const json& checks) {
  for (const auto& c : checks)
    if (!c["passed"].get<bool>()) return false;
  return true;
}

}  // namespace

VerificationService::VerificationService(store::Database& db, const VcJwt& vc_jwt,
                                         CredentialStatusService& status)
    : db_(db), vc_jwt_(vc_jwt), status_(status) {}

Status VerificationService::add_status_check(const json& credential, json& checks) {
  auto status = status_.check(credential);
  if (!status) return std::unexpected(status.error());
  switch (status->state) {
    case StatusState::none:
    case StatusState::active:
      add(checks, "status", true);
      break;
    case StatusState::foreign:
      add(checks, "status", false,
          "the credentialStatus is not a revocation list of this server; it cannot be checked");
      break;
    case StatusState::revoked:
      add(checks, "status", false,
          "revoked" + (status->reason ? ": " + *status->reason : std::string()) +
              (status->revoked_at ? " (at " + format_rfc3339(*status->revoked_at) + ")" : std::string()));
      break;
  }
  return ok();
}

Result<json> VerificationService::verify_compact(std::string_view compact, std::int64_t now) {
  auto inspection = vc_jwt_.inspect(compact, now);
  json checks = json::array();
  for (const auto& c : inspection.checks) add(checks, c.name, c.passed, c.detail);
  json report = {{"format", "vc-jwt"}};
  if (inspection.decoded) {
    const json& credential = inspection.decoded->credential;
    auto schema = validate_credential(credential);
    add(checks, "schema", schema.has_value(), schema ? "" : schema.error().description);
    if (auto st = add_status_check(credential, checks); !st) return std::unexpected(st.error());
    report["credential"] = credential;
    report["key_source"] = inspection.decoded->key_source == KeySource::ours ? "issuer" : "embedded_jwk";
  }
  report["verified"] = inspection.decoded.has_value() && all_passed(checks);
  report["checks"] = std::move(checks);
  return report;
}

Result<json> VerificationService::verify_credential(const json& credential, std::int64_t now) {
  if (now == 0) now = now_seconds();
  json checks = json::array();
  // Without an envelope, authenticity rests on our own signed record of the same credential.
  bool ours = false;
  if (auto id = credential.find("id"); id != credential.end() && id->is_string()) {
    auto issued = store::find_issued_credential_by_credential_id(db_, id->get<std::string>());
    if (!issued) return std::unexpected(issued.error());
    ours = *issued && json::parse((*issued)->credential, nullptr, false) == credential;
  }
  if (ours) {
    add(checks, "proof", true);
  } else if (credential.contains("proof")) {
    add(checks, "proof", false, "embedded proofs (Data Integrity) are not supported; submit the VC-JWT");
  } else {
    add(checks, "proof", false, "the credential has no proof and is not one this server issued");
  }
  auto schema = validate_credential(credential);
  add(checks, "schema", schema.has_value(), schema ? "" : schema.error().description);
  const auto text = [&](const char* name) -> std::optional<std::string> {
    auto it = credential.find(name);
    if (it == credential.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto valid_from = text("validFrom") ? parse_rfc3339(*text("validFrom")) : std::nullopt;
  if (!valid_from) {
    add(checks, "validFrom", false, "validFrom missing or not an RFC 3339 date-time");
  } else {
    add(checks, "validFrom", *valid_from <= now + kLeewaySeconds, "the credential is not valid yet");
  }
  if (credential.contains("validUntil")) {
    auto valid_until = text("validUntil") ? parse_rfc3339(*text("validUntil")) : std::nullopt;
    if (!valid_until) {
      add(checks, "validUntil", false, "validUntil is not an RFC 3339 date-time");
    } else {
      add(checks, "validUntil", now - kLeewaySeconds < *valid_until, "the credential has expired");
    }
  }
  if (auto st = add_status_check(credential, checks); !st) return std::unexpected(st.error());
  json report = {{"format", "json"}, {"credential", credential}};
  report["verified"] = all_passed(checks);
  report["checks"] = std::move(checks);
  return report;
}

}  // namespace bs::badges
