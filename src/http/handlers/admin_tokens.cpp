// /api/v1/tokens: list issued tokens by client or subject, revoke one, revoke all of a client or
// subject (scope admin:tokens).
#include <nlohmann/json.hpp>

#include "common/time.hpp"
#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "http/handlers/routes.hpp"
#include "store/oauth_repositories.hpp"

namespace bs::http {

namespace {

nlohmann::json token_view(const store::OAuthToken& t) {
  return {
      {"jti", t.kind == "access" ? nlohmann::json(t.jti) : nlohmann::json(nullptr)},
      {"id", t.jti},
      {"kind", t.kind},
      {"client_id", t.client_id},
      {"subject", t.subject},
      {"scope", t.scope},
      {"audience", t.audience},
      {"issued_at", format_rfc3339(t.issued_at)},
      {"expires_at", format_rfc3339(t.expires_at)},
      {"revoked_at", t.revoked_at ? nlohmann::json(format_rfc3339(*t.revoked_at)) : nlohmann::json(nullptr)}};
}

}  // namespace

void add_token_admin_routes(Router& router, Services& services) {
  router.add("GET", "/api/v1/tokens", [&services](Request& req) {
    auto principal = authorize(req, services, "admin:tokens");
    if (!principal) return principal.error();
    auto page = page_of(req);
    if (!page) return page.error();
    auto params = query_params(req);
    if (!params) return error_response(params.error());
    store::TokenQuery query;
    query.client_id = params->get("client_id");
    query.subject = params->get("subject");
    if (!query.client_id && !query.subject)
      return error_response(Error(ErrorCode::invalid_request, "filter by client_id or subject"));
    query.after_jti = page->cursor;
    query.limit = page->limit;
    query.include_inactive = params->get("include_inactive") == "true";
    query.now = store::unix_now();
    auto tokens = store::list_tokens(services.db, query);
    if (!tokens) return error_response(tokens.error());
    return page_response(*tokens, token_view);
  });

  router.add("DELETE", "/api/v1/tokens/{jti}", [&services](Request& req) {
    auto principal = authorize(req, services, "admin:tokens");
    if (!principal) return principal.error();
    const auto& jti = req.path_params["jti"];
    auto revoked = services.tokens.revoke_by_jti(jti);
    if (!revoked) return error_response(revoked.error());
    if (!*revoked)
      return error_response(
          Error(ErrorCode::not_found,
                "no live recorded token with this jti (a client_credentials token without a row "
                "is revoked by value at /oauth/revoke, or with every token of its client)"));
    services.audit.record({"token.revoked", principal->actor(), jti, req.remote_addr, "success"});
    return Response::no_content();
  });

  router.add("POST", "/api/v1/tokens/revoke", [&services](Request& req) {
    auto principal = authorize(req, services, "admin:tokens");
    if (!principal) return principal.error();
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    if (auto st = reject_unknown_members(*body, {"client_id", "subject"}); !st)
      return error_response(st.error());
    auto client_id = body->find("client_id");
    auto subject = body->find("subject");
    const bool by_client = client_id != body->end() && client_id->is_string();
    const bool by_subject = subject != body->end() && subject->is_string();
    if (by_client == by_subject)
      return error_response(Error(ErrorCode::invalid_request, "give exactly one of client_id or subject"));
    auto count = by_client ? services.tokens.revoke_all_of_client(client_id->get<std::string>())
                           : services.tokens.revoke_all_of_subject(subject->get<std::string>());
    if (!count) return error_response(count.error());
    const std::string target = by_client ? client_id->get<std::string>() : subject->get<std::string>();
    services.audit.record({"tokens.revoked",
                           principal->actor(),
                           target,
                           req.remote_addr,
                           "success",
                           {{"by", by_client ? "client_id" : "subject"}, {"count", *count}}});
    return Response::json(200, {{"revoked", *count}});
  });
}

}  // namespace bs::http
