// The Open Badges issuer API (scope admin:badges): /api/v1/issuers, /api/v1/achievements,
// /api/v1/credentials (issue, list, get, revoke, verify); and the public documents issued badges
// point to: issuer profiles (/issuers/{id}), achievements (/achievements/{id}), revocation lists
// (/status/revocations/{issuer id}) and badge signing keys (/keys/{kid}).
#include <nlohmann/json.hpp>

#include "common/time.hpp"
#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "http/handlers/routes.hpp"

namespace bs::http {

namespace {

using nlohmann::json;

constexpr std::string_view kScope = "admin:badges";

Response public_json(const json& body, std::string_view content_type = "application/json") {
  auto r = Response::json(200, body);
  r.set_header("Content-Type", std::string(content_type));
  // Public documents change rarely, but a revocation must show within a minute.
  r.set_header("Cache-Control", "public, max-age=60");
  return r;
}

// One stored record (or its 404) rendered by `view`: for the admin API (Bearer-protected,
// no-store) or as a public document (cacheable, no WWW-Authenticate).
enum class Audience { admin, public_document };
template <class Record, class View>
Response one_or_not_found(const Result<std::optional<Record>>& found, const char* missing, View view,
                          Audience audience) {
  const ErrorContext context{.bearer_protected = audience == Audience::admin};
  if (!found) return error_response(found.error(), context);
  if (!*found) return error_response(Error(ErrorCode::not_found, missing), context);
  return audience == Audience::admin ? Response::json(200, view(**found)) : public_json(view(**found));
}

json credential_view(const store::IssuedCredential& c) {
  json view = {
      {"id", c.id},
      {"credential_id", c.credential_id},
      {"issuer_id", c.issuer_id},
      {"achievement_id", c.achievement_id},
      {"recipient", c.recipient},
      {"delivered_to", c.delivered_to ? json(*c.delivered_to) : json(nullptr)},
      {"issued_at", format_rfc3339(c.issued_at)},
      {"revoked_at", c.revoked_at ? json(format_rfc3339(*c.revoked_at)) : json(nullptr)},
      {"credential", json::parse(c.credential, nullptr, false)},
      {"compact_jws", c.compact_jws},
  };
  if (c.revocation_reason) view["revocation_reason"] = *c.revocation_reason;
  return view;
}

// ?issuer= filter of the admin lists: an issuer id or profile id; an unknown one lists nothing.
std::expected<std::optional<std::string>, Response> issuer_filter(const Request& req, Services& services) {
  auto params = query_params(req);
  if (!params) return std::unexpected(error_response(params.error()));
  auto issuer = params->get("issuer");
  if (!issuer || issuer->empty()) return std::optional<std::string>{};
  auto found = services.issuers.find(*issuer);
  if (!found) return std::unexpected(error_response(found.error()));
  if (!*found) return std::unexpected(error_response(Error(ErrorCode::not_found, "no issuer with this id")));
  return std::optional<std::string>((*found)->id);
}

}  // namespace

void add_badge_issuing_routes(Router& router, Services& services) {
  // --- issuers ---------------------------------------------------------------------------------
  router.add("POST", "/api/v1/issuers", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    if (auto st = reject_unknown_members(*body, {"name", "url", "email", "description", "image"}); !st)
      return error_response(st.error());
    auto issuer = services.issuers.create(*body, principal->actor());
    if (!issuer) return error_response(issuer.error());
    services.audit.record(
        {"badge_issuer.created", principal->actor(), issuer->id, req.remote_addr, "success"});
    return Response::json(201, badges::issuer_profile(*issuer));
  });

  router.add("GET", "/api/v1/issuers", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    auto page = page_of(req);
    if (!page) return page.error();
    auto issuers = services.issuers.list(page->cursor, page->limit);
    if (!issuers) return error_response(issuers.error());
    return page_response(*issuers, badges::issuer_profile);
  });

  router.add("GET", "/api/v1/issuers/{id}", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    return one_or_not_found(services.issuers.find(req.path_params["id"]), "no issuer with this id",
                            badges::issuer_profile, Audience::admin);
  });

  // The issuer's profile id dereferences here (OB 3.0: a Profile id should be resolvable).
  router.add("GET", "/issuers/{id}", [&services](Request& req) {
    return one_or_not_found(services.issuers.find(req.path_params["id"]), "no issuer with this id",
                            badges::issuer_profile, Audience::public_document);
  });

  // --- achievements ----------------------------------------------------------------------------
  router.add("POST", "/api/v1/achievements", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    if (auto st = reject_unknown_members(*body, {"issuer", "name", "description", "criteria", "image",
                                                 "alignment", "tags", "achievementType"});
        !st)
      return error_response(st.error());
    auto achievement = services.achievements.create(*body, principal->actor());
    if (!achievement) return error_response(achievement.error());
    services.audit.record(
        {"badge_achievement.created", principal->actor(), achievement->id, req.remote_addr, "success"});
    return Response::json(201, badges::achievement_json(*achievement));
  });

  router.add("GET", "/api/v1/achievements", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    auto page = page_of(req);
    if (!page) return page.error();
    auto issuer = issuer_filter(req, services);
    if (!issuer) return issuer.error();
    auto achievements = services.achievements.list(*issuer, page->cursor, page->limit);
    if (!achievements) return error_response(achievements.error());
    return page_response(*achievements, badges::achievement_json);
  });

  router.add("GET", "/api/v1/achievements/{id}", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    return one_or_not_found(services.achievements.find(req.path_params["id"]), "no achievement with this id",
                            badges::achievement_json, Audience::admin);
  });

  router.add("GET", "/achievements/{id}", [&services](Request& req) {
    return one_or_not_found(services.achievements.find(req.path_params["id"]), "no achievement with this id",
                            badges::achievement_json, Audience::public_document);
  });

  // --- credentials -----------------------------------------------------------------------------
  router.add("POST", "/api/v1/credentials", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    if (auto st = reject_unknown_members(
            *body, {"issuer", "credentialSubject", "validFrom", "validUntil", "name", "description"});
        !st)
      return error_response(st.error());
    auto issued = services.issuance.issue(*body, principal->actor());
    if (!issued) return error_response(issued.error());
    services.audit.record({"badge_credential.issued",
                           principal->actor(),
                           issued->id,
                           req.remote_addr,
                           "success",
                           {{"issuer", issued->issuer_id}, {"achievement", issued->achievement_id}}});
    return Response::json(201, credential_view(*issued));
  });

  router.add("GET", "/api/v1/credentials", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    auto page = page_of(req);
    if (!page) return page.error();
    auto issuer = issuer_filter(req, services);
    if (!issuer) return issuer.error();
    auto credentials = services.issuance.list(*issuer, page->cursor, page->limit);
    if (!credentials) return error_response(credentials.error());
    return page_response(*credentials, credential_view);
  });

  router.add("GET", "/api/v1/credentials/{id}", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    return one_or_not_found(services.issuance.find(req.path_params["id"]),
                            "no issued credential with this id", credential_view, Audience::admin);
  });

  router.add("POST", "/api/v1/credentials/{id}/revoke", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    std::optional<std::string> reason;
    if (!req.body.empty()) {
      auto body = json_object_body(req);
      if (!body) return error_response(body.error());
      if (auto st = reject_unknown_members(*body, {"reason"}); !st) return error_response(st.error());
      if (auto r = body->find("reason"); r != body->end() && !r->is_null()) {
        if (!r->is_string())
          return error_response(Error(ErrorCode::invalid_request, "reason must be a string"));
        reason = r->get<std::string>();
      }
    }
    auto revoked = services.credential_status.revoke(req.path_params["id"], reason);
    if (!revoked) return error_response(revoked.error());
    services.audit.record(
        {"badge_credential.revoked", principal->actor(), revoked->id, req.remote_addr, "success"});
    return Response::json(200, credential_view(*revoked));
  });

  // A compact JWS as text/plain, or JSON {"compact_jws": ...}, {"credential": {...}} or the credential.
  router.add("POST", "/api/v1/credentials/verify", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    Result<json> report = fail(ErrorCode::internal_error);
    if (req.media_type() == "text/plain") {
      std::string_view compact = req.body;
      while (!compact.empty() && (compact.back() == '\n' || compact.back() == '\r' || compact.back() == ' '))
        compact.remove_suffix(1);
      if (compact.empty())
        return error_response(Error(ErrorCode::invalid_request, "the body must be a compact JWS"));
      report = services.verification.verify_compact(compact);
    } else {
      auto body = json_object_body(req);
      if (!body) return error_response(body.error());
      if (auto jws = body->find("compact_jws"); jws != body->end()) {
        if (!jws->is_string() || body->size() != 1)
          return error_response(
              Error(ErrorCode::invalid_request, "compact_jws must be the only member, a string"));
        report = services.verification.verify_compact(jws->get<std::string>());
      } else if (auto credential = body->find("credential"); credential != body->end() && body->size() == 1) {
        if (!credential->is_object())
          return error_response(Error(ErrorCode::invalid_request, "credential must be a JSON object"));
        report = services.verification.verify_credential(*credential);
      } else {
        report = services.verification.verify_credential(*body);
      }
    }
    if (!report) return error_response(report.error());
    return Response::json(200, *report);
  });

  // --- public status and keys ------------------------------------------------------------------
  router.add("GET", "/status/revocations/{issuer_id}", [&services](Request& req) {
    return one_or_not_found(
        services.credential_status.revocation_list(req.path_params["issuer_id"]), "no issuer with this id",
        [](const json& list) { return list; }, Audience::public_document);
  });

  // The header kid of a VC-JWT we sign is this URL; it answers the public JWK under that same kid.
  router.add("GET", "/keys/{kid}", [&services](Request& req) {
    auto jwk = services.vc_jwt.public_jwk(req.path_params["kid"]);
    if (!jwk)
      return error_response(Error(ErrorCode::not_found, "no published key with this id"),
                            {.bearer_protected = false});
    return public_json(*jwk, "application/jwk+json");
  });
}

}  // namespace bs::http
