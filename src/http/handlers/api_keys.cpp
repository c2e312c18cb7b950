// /api/v1/api-keys: create (the secret is shown once), list, get, revoke. Scope admin:keys; a caller
// can only hand out scopes it holds itself, so a key can never mint a stronger key.
#include <nlohmann/json.hpp>

#include "common/time.hpp"
#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "http/handlers/routes.hpp"
#include "http/views.hpp"

namespace bs::http {

void add_api_key_routes(Router& router, Services& services) {
  router.add("POST", "/api/v1/api-keys", [&services](Request& req) {
    auto principal = authorize(req, services, "admin:keys");
    if (!principal) return principal.error();
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    if (auto st = reject_unknown_members(*body, {"name", "scopes", "expires_at"}); !st)
      return error_response(st.error());
    auto name = body->find("name");
    if (name == body->end() || !name->is_string())
      return error_response(Error(ErrorCode::invalid_request, "name must be a string"));
    auto scopes_it = body->find("scopes");
    if (scopes_it == body->end() || !scopes_it->is_array())
      return error_response(Error(ErrorCode::invalid_request, "scopes must be an array of strings"));
    std::vector<std::string> scopes;
    for (const auto& s : *scopes_it) {
      if (!s.is_string()) return error_response(Error(ErrorCode::invalid_request, "scopes must be strings"));
      scopes.push_back(s.get<std::string>());
    }
    std::optional<std::int64_t> expires_at;
    if (auto e = body->find("expires_at"); e != body->end() && !e->is_null()) {
      std::optional<std::int64_t> parsed =
          e->is_string() ? parse_rfc3339(e->get<std::string>()) : std::nullopt;
      if (!parsed)
        return error_response(Error(ErrorCode::invalid_request, "expires_at must be an RFC 3339 date-time"));
      expires_at = parsed;
    }
    for (const auto& s : scopes) {
      if (!principal->has_scope(s) && auth::is_known_admin_scope(s))
        return error_response(Error(ErrorCode::forbidden, "cannot grant a scope you do not hold: " + s));
    }
    auto created = services.api_keys.create(name->get<std::string>(), scopes, expires_at, principal->actor());
    if (!created) return error_response(created.error());
    services.audit.record({"api_key.created",
                           principal->actor(),
                           created->record.id,
                           req.remote_addr,
                           "success",
                           {{"scopes", scopes}}});
    auto view = api_key_view(created->record);
    view["api_key"] = created->api_key;
    return Response::json(201, view);
  });

  router.add("GET", "/api/v1/api-keys", [&services](Request& req) {
    auto principal = authorize(req, services, "admin:keys");
    if (!principal) return principal.error();
    auto page = page_of(req);
    if (!page) return page.error();
    auto keys = services.api_keys.list(page->cursor, page->limit);
    if (!keys) return error_response(keys.error());
    return page_response(*keys, api_key_view);
  });

  router.add("GET", "/api/v1/api-keys/{id}", [&services](Request& req) {
    auto principal = authorize(req, services, "admin:keys");
    if (!principal) return principal.error();
    auto key = services.api_keys.find(req.path_params["id"]);
    if (!key) return error_response(key.error());
    if (!*key) return error_response(Error(ErrorCode::not_found, "no API key with this id"));
    return Response::json(200, api_key_view(**key));
  });

  router.add("DELETE", "/api/v1/api-keys/{id}", [&services](Request& req) {
    auto principal = authorize(req, services, "admin:keys");
    if (!principal) return principal.error();
    const auto& id = req.path_params["id"];
    auto revoked = services.api_keys.revoke(id);
    if (!revoked) return error_response(revoked.error());
    if (!*revoked) return error_response(Error(ErrorCode::not_found, "no live API key with this id"));
    services.audit.record({"api_key.revoked", principal->actor(), id, req.remote_addr, "success"});
    return Response::no_content();
  });
}

}  // namespace bs::http
