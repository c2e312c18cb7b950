#include "badges/credential_status.hpp"

#include "badges/issuers.hpp"

namespace bs::badges {

using nlohmann::json;

namespace {
constexpr std::size_t kMaxReasonLength = 1024;
}  // namespace

CredentialStatusService::CredentialStatusService(store::Database& db, std::string base_url)
    : db_(db), base_url_(std::move(base_url)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

std::string CredentialStatusService::revocation_list_url(std::string_view issuer_id) const {
  return base_url_ + "/status/revocations/" + std::string(issuer_id);
}

json CredentialStatusService::status_entry(std::string_view issuer_id) const {
  return {{"id", revocation_list_url(issuer_id)}, {"type", kRevocationListType}};
}

Result<store::IssuedCredential> CredentialStatusService::revoke(std::string_view handle,
                                                                const std::optional<std::string>& reason) {
  if (reason && reason->size() > kMaxReasonLength)
    return fail(ErrorCode::invalid_data, "reason is longer than 1024 characters");
  return db_.transaction([&](store::Connection& conn) -> Result<store::IssuedCredential> {
    auto found = store::find_issued_credential(conn, handle);
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(ErrorCode::not_found, "no issued credential with this id");
    if ((*found)->revoked_at) return fail(ErrorCode::conflict, "the credential is already revoked");
    const auto now = store::unix_now();
    auto changed = store::revoke_issued_credential(conn, handle, now, reason);
    if (!changed) return std::unexpected(changed.error());
    if (!*changed) return fail(ErrorCode::conflict, "the credential is already revoked");
    (*found)->revoked_at = now;
    (*found)->revocation_reason = reason;
    return std::move(**found);
  });
}

Result<std::optional<json>> CredentialStatusService::revocation_list(std::string_view issuer_id) {
  auto issuer = store::find_badge_issuer(db_, issuer_id);
  if (!issuer) return std::unexpected(issuer.error());
  if (!*issuer) return std::optional<json>{};
  auto revoked = store::list_revoked_credentials(db_, issuer_id);
  if (!revoked) return std::unexpected(revoked.error());
  json entries = json::array();
  for (const auto& c : *revoked) {
    json entry = {{"id", c.credential_id}};
    if (c.revocation_reason) entry["revocationReason"] = *c.revocation_reason;
    entries.push_back(std::move(entry));
  }
  return std::optional<json>(json{{"id", revocation_list_url(issuer_id)},
                                  {"issuer", issuer_profile(**issuer).value("id", "")},
                                  {"revokedCredentials", std::move(entries)}});
}

Result<StatusCheck> CredentialStatusService::check(const json& credential) {
  StatusCheck out;
  auto status = credential.find("credentialStatus");
  if (status == credential.end()) return out;
  out.state = StatusState::foreign;
  if (!status->is_object() || status->value("type", "") != kRevocationListType) return out;
  const std::string list = status->value("id", "");
  const std::string prefix = base_url_ + "/status/revocations/";
  if (!list.starts_with(prefix) || !credential.contains("id") || !credential["id"].is_string()) return out;
  const std::string issuer_id = list.substr(prefix.size());
  out.state = StatusState::active;
  auto issued = store::find_issued_credential_by_credential_id(db_, credential["id"].get<std::string>());
  if (!issued) return std::unexpected(issued.error());
  if (*issued && (*issued)->issuer_id == issuer_id && (*issued)->revoked_at) {
    out.state = StatusState::revoked;
    out.reason = (*issued)->revocation_reason;
    out.revoked_at = (*issued)->revoked_at;
  }
  return out;
}

}  // namespace bs::badges
