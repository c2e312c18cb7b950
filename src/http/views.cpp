#include "http/views.hpp"

#include "common/time.hpp"

namespace bs::http {

namespace {
nlohmann::json opt_time(const std::optional<std::int64_t>& t) {
  return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
}
}  // namespace

nlohmann::json user_view(const store::User& u) {
  return {{"id", u.id},     {"email", u.email},       {"name", u.name},
          {"role", u.role}, {"disabled", u.disabled}, {"created_at", format_rfc3339(u.created_at)}};
}

nlohmann::json api_key_view(const store::ApiKey& k) {
  return {{"id", k.id},
          {"name", k.name},
          {"scopes", k.scopes},
          {"created_at", format_rfc3339(k.created_at)},
          {"expires_at", opt_time(k.expires_at)},
          {"revoked_at", opt_time(k.revoked_at)},
          {"last_used_at", opt_time(k.last_used_at)}};
}

nlohmann::json audit_event_view(const store::AuditEvent& e) {
  nlohmann::json details =
      e.details ? nlohmann::json::parse(*e.details, nullptr, false) : nlohmann::json(nullptr);
  if (details.is_discarded()) details = nullptr;
  return {{"id", std::to_string(e.id)},
          {"at", format_rfc3339(e.at)},
          {"event", e.event},
          {"actor", e.actor ? nlohmann::json(*e.actor) : nlohmann::json(nullptr)},
          {"subject", e.subject ? nlohmann::json(*e.subject) : nlohmann::json(nullptr)},
          {"ip", e.ip ? nlohmann::json(*e.ip) : nlohmann::json(nullptr)},
          {"outcome", e.outcome},
          {"details", details}};
}

nlohmann::json key_view(const keys::KeyInfo& k) {
  return {{"kid", k.kid},
          {"alg", crypto::jws_alg_name(k.alg)},
          {"status", k.status},
          {"created_at", format_rfc3339(k.created_at)},
          {"activates_at", format_rfc3339(k.activates_at)},
          {"retired_at", opt_time(k.retired_at)},
          {"expires_at", opt_time(k.expires_at)},
          {"public_jwk", k.public_jwk}};
}

}  // namespace bs::http
