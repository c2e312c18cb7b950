// Consents: admin pre-authorization, listing, revocation and history under /api/v1/consents (scope
// admin:consents), and a user's own consents under /auth/me/consents (a user session only: an
// OAuth client acting for the user must not be able to see or drop consents).
#include <charconv>
#include <nlohmann/json.hpp>

#include "common/time.hpp"
#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "http/handlers/routes.hpp"

namespace bs::http {

namespace {

constexpr std::string_view kScope = "admin:consents";

nlohmann::json time_or_null(const std::optional<std::int64_t>& t) {
  return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
}

nlohmann::json consent_view(const store::OAuthConsent& c) {
  return {{"id", c.id},
          {"subject", c.subject},
          {"client_id", c.client_id},
          {"scope", c.scope},
          {"remember", c.remember},
          {"created_at", format_rfc3339(c.created_at)},
          {"updated_at", format_rfc3339(c.updated_at)},
          {"revoked_at", time_or_null(c.revoked_at)}};
}

nlohmann::json ledger_view(const store::ConsentLedgerEntry& e) {
  return {{"id", e.id},
          {"action", e.action},
          {"scope", e.scope},
          {"actor", e.actor},
          {"at", format_rfc3339(e.at)}};
}

// A required, non-empty string member.
Result<std::string> string_member(const nlohmann::json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
    return fail(ErrorCode::invalid_request, std::string(name) + " must be a non-empty string");
  return it->get<std::string>();
}

Result<bool> include_revoked_param(const FormParams& params) {
  auto v = params.get("include_revoked");
  if (!v || *v == "false") return false;
  if (*v == "true") return true;
  return fail(ErrorCode::invalid_request, "include_revoked must be true or false");
}

// The consents of one listing: shared by the admin listing and the user's own.
// A filter given as ?name=value; an empty value is no filter.
std::optional<std::string> filter_param(const FormParams& params, std::string_view name) {
  auto v = params.get(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

Response list_consents(Services& services, const Request& req, std::optional<std::string> subject) {
  auto page = page_of(req);
  if (!page) return page.error();
  auto params = query_params(req);
  if (!params) return error_response(params.error());
  auto include_revoked = include_revoked_param(*params);
  if (!include_revoked) return error_response(include_revoked.error());
  store::ConsentQuery query;
  query.subject = subject ? std::move(subject) : filter_param(*params, "subject");
  query.client_id = filter_param(*params, "client_id");
  query.after_id = page->cursor;
  query.limit = page->limit;
  query.include_revoked = *include_revoked;
  auto consents = services.consents.list(query);
  if (!consents) return error_response(consents.error());
  return page_response(*consents, consent_view);
}

// The user behind a session; 403 for any other credential.
std::expected<auth::Principal, Response> session_user(const Request& req, Services& services) {
  auto principal = authorize(req, services, "");
  if (!principal) return principal;
  if (principal->kind != auth::PrincipalKind::user_session)
    return std::unexpected(
        error_response(Error(ErrorCode::forbidden, "this endpoint needs a user's session token")));
  return principal;
}

}  // namespace

void add_consent_routes(Router& router, Services& services) {
  router.add("POST", "/api/v1/consents", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    if (auto st = reject_unknown_members(*body, {"subject", "client_id", "grant_scope"}); !st)
      return error_response(st.error());
    auto subject = string_member(*body, "subject");
    if (!subject) return error_response(subject.error());
    auto client_id = string_member(*body, "client_id");
    if (!client_id) return error_response(client_id.error());
    auto scope_it = body->find("grant_scope");
    if (scope_it == body->end() || !scope_it->is_array() || scope_it->empty())
      return error_response(Error(ErrorCode::invalid_request, "grant_scope must be a non-empty array"));
    std::vector<std::string> scope;
    for (const auto& s : *scope_it) {
      if (!s.is_string())
        return error_response(Error(ErrorCode::invalid_request, "grant_scope must hold strings"));
      scope.push_back(s.get<std::string>());
    }
    auto consent = services.consents.pre_authorize(*subject, *client_id, scope, principal->actor());
    if (!consent) return error_response(consent.error());
    return Response::json(201, consent_view(*consent));
  });

  router.add("GET", "/api/v1/consents", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    return list_consents(services, req, std::nullopt);
  });

  router.add("POST", "/api/v1/consents/revoke", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    if (auto st = reject_unknown_members(*body, {"subject", "client_id"}); !st)
      return error_response(st.error());
    const bool by_subject = body->contains("subject");
    const bool by_client = body->contains("client_id");
    if (by_subject == by_client)
      return error_response(Error(ErrorCode::invalid_request, "give exactly one of subject or client_id"));
    auto target = string_member(*body, by_subject ? "subject" : "client_id");
    if (!target) return error_response(target.error());
    auto count = by_subject ? services.consents.revoke_all_of_subject(*target, principal->actor())
                            : services.consents.revoke_all_of_client(*target, principal->actor());
    if (!count) return error_response(count.error());
    services.audit.record({"consents.revoked",
                           principal->actor(),
                           *target,
                           req.remote_addr,
                           "success",
                           {{"by", by_subject ? "subject" : "client_id"}, {"count", *count}}});
    return Response::json(200, {{"revoked", *count}});
  });

  router.add("GET", "/api/v1/consents/{id}", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    auto consent = services.consents.find(req.path_params["id"]);
    if (!consent) return error_response(consent.error());
    if (!*consent) return error_response(Error(ErrorCode::not_found, "no consent with this id"));
    return Response::json(200, consent_view(**consent));
  });

  router.add("DELETE", "/api/v1/consents/{id}", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    if (auto st = services.consents.revoke(req.path_params["id"], principal->actor()); !st)
      return error_response(st.error());
    return Response::no_content();
  });

  router.add("GET", "/api/v1/consents/{id}/ledger", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    auto page = page_of(req);
    if (!page) return page.error();
    std::optional<std::int64_t> after;
    if (page->cursor) {
      std::int64_t v = 0;
      const auto& c = *page->cursor;
      auto [p, ec] = std::from_chars(c.data(), c.data() + c.size(), v);
      if (ec != std::errc{} || p != c.data() + c.size())
        return error_response(Error(ErrorCode::invalid_request, "malformed cursor"));
      after = v;
    }
    const auto& id = req.path_params["id"];
    auto consent = services.consents.find(id);
    if (!consent) return error_response(consent.error());
    if (!*consent) return error_response(Error(ErrorCode::not_found, "no consent with this id"));
    auto entries = services.consents.ledger(id, after, page->limit);
    if (!entries) return error_response(entries.error());
    return page_response(*entries, ledger_view);
  });

  router.add("GET", "/auth/me/consents", [&services](Request& req) {
    auto principal = session_user(req, services);
    if (!principal) return principal.error();
    return list_consents(services, req, principal->subject);
  });

  router.add("DELETE", "/auth/me/consents/{id}", [&services](Request& req) {
    auto principal = session_user(req, services);
    if (!principal) return principal.error();
    if (auto st = services.consents.revoke(req.path_params["id"], principal->actor(), principal->subject);
        !st)
      return error_response(st.error());
    return Response::no_content();
  });
}

}  // namespace bs::http
