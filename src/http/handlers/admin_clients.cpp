// /api/v1/clients: administration of OAuth clients (scope admin:clients). Administrators may create
// service accounts, which alone can hold admin:* scopes. Secrets are shown once, hashes never.
#include <nlohmann/json.hpp>

#include "common/time.hpp"
#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "http/handlers/routes.hpp"

namespace bs::http {

namespace {

constexpr std::string_view kScope = "admin:clients";

nlohmann::json client_view(const store::OAuthClient& c) {
  auto view = oauth::client_metadata(c);
  view["client_id"] = c.client_id;
  view["service_account"] = c.service_account;
  view["enabled"] = c.enabled;
  view["created_at"] = format_rfc3339(c.created_at);
  view["updated_at"] = format_rfc3339(c.updated_at);
  return view;
}

// A boolean query filter: absent, "true" or "false".
Result<std::optional<bool>> bool_param(const FormParams& params, std::string_view name) {
  auto v = params.get(name);
  if (!v) return std::optional<bool>{};
  if (*v == "true") return std::optional<bool>{true};
  if (*v == "false") return std::optional<bool>{false};
  return fail(ErrorCode::invalid_request, std::string(name) + " must be true or false");
}

Response view_of(Services& services, const std::string& client_id) {
  auto client = services.clients.find_fresh(client_id);
  if (!client) return error_response(client.error());
  if (!*client) return error_response(Error(ErrorCode::not_found, "no client with this client_id"));
  return Response::json(200, client_view(**client));
}

}  // namespace

void add_client_admin_routes(Router& router, Services& services) {
  router.add("GET", "/api/v1/clients", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    auto page = page_of(req);
    if (!page) return page.error();
    auto params = query_params(req);
    if (!params) return error_response(params.error());
    store::ClientQuery query;
    query.after_client_id = page->cursor;
    query.limit = page->limit;
    auto enabled = bool_param(*params, "enabled");
    if (!enabled) return error_response(enabled.error());
    auto service_account = bool_param(*params, "service_account");
    if (!service_account) return error_response(service_account.error());
    query.enabled = *enabled;
    query.service_account = *service_account;
    auto clients = services.clients.list(query);
    if (!clients) return error_response(clients.error());
    return page_response(*clients, client_view);
  });

  router.add("POST", "/api/v1/clients", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    auto created = services.clients.register_client(*body, {.admin = true, .actor = principal->actor()});
    if (!created) return error_response(created.error());
    const auto& record = created->record;
    services.audit.record({"client.created",
                           principal->actor(),
                           record.client_id,
                           req.remote_addr,
                           "success",
                           {{"service_account", record.service_account}, {"scope", record.scope}}});
    auto info = services.clients.client_information(*created);
    info.update(client_view(record));
    return Response::json(201, info);
  });

  // Before the {id} routes so that "bulk" is never read as a client_id.
  router.add("POST", "/api/v1/clients/bulk", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    if (auto st = reject_unknown_members(*body, {"action", "client_ids"}); !st)
      return error_response(st.error());
    auto action = body->find("action");
    if (action == body->end() || !action->is_string())
      return error_response(Error(ErrorCode::invalid_request, "action must be a string"));
    auto ids_it = body->find("client_ids");
    if (ids_it == body->end() || !ids_it->is_array())
      return error_response(Error(ErrorCode::invalid_request, "client_ids must be an array of strings"));
    std::vector<std::string> ids;
    for (const auto& id : *ids_it) {
      if (!id.is_string())
        return error_response(Error(ErrorCode::invalid_request, "client_ids must be strings"));
      ids.push_back(id.get<std::string>());
    }
    auto result = services.clients.bulk(action->get<std::string>(), ids);
    if (!result) return error_response(result.error());
    // Tokens revoked here at once, like the single-client routes (should this read fail, the poller
    // applies the cut-offs within revocation_poll_interval anyway).
    if (*action == "revoke_tokens" || *action == "delete") (void)services.tokens.sync_revocations();
    services.audit.record(
        {"client.bulk", principal->actor(), action->get<std::string>(), req.remote_addr, "success", *result});
    return Response::json(200, *result);
  });

  router.add("GET", "/api/v1/clients/{id}", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    return view_of(services, req.path_params["id"]);
  });

  router.add("PATCH", "/api/v1/clients/{id}", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    const auto& id = req.path_params["id"];
    auto updated = services.clients.update_client(id, *body, {.admin = true, .actor = principal->actor()},
                                                  /*merge=*/true);
    if (!updated) return error_response(updated.error());
    nlohmann::json changed = nlohmann::json::array();
    for (const auto& [name, _] : body->items()) changed.push_back(name);
    services.audit.record({"client.updated",
                           principal->actor(),
                           id,
                           req.remote_addr,
                           "success",
                           {{"members", changed}, {"new_secret", updated->client_secret.has_value()}}});
    auto view = client_view(updated->record);
    // Changing to a method that needs a secret the server does not have issues one, shown once.
    if (updated->client_secret) view["client_secret"] = *updated->client_secret;
    return Response::json(200, view);
  });

  router.add("DELETE", "/api/v1/clients/{id}", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    const auto& id = req.path_params["id"];
    if (auto st = services.clients.delete_client(id); !st) return error_response(st.error());
    // Its tokens' cut-off, here at once; should this read fail, the poller applies it within
    // revocation_poll_interval anyway.
    (void)services.tokens.sync_revocations();
    services.audit.record({"client.deleted", principal->actor(), id, req.remote_addr, "success"});
    return Response::no_content();
  });

  for (const bool enable : {false, true}) {
    router.add("POST", enable ? "/api/v1/clients/{id}/enable" : "/api/v1/clients/{id}/disable",
               [&services, enable](Request& req) {
                 auto principal = authorize(req, services, kScope);
                 if (!principal) return principal.error();
                 const auto& id = req.path_params["id"];
                 if (auto st = services.clients.set_enabled(id, enable); !st)
                   return error_response(st.error());
                 // A disabled client's outstanding tokens die with it, not at their expiry.
                 if (!enable)
                   if (auto revoked = services.tokens.revoke_all_of_client(id); !revoked)
                     return error_response(revoked.error());
                 services.audit.record({enable ? "client.enabled" : "client.disabled", principal->actor(), id,
                                        req.remote_addr, "success"});
                 return view_of(services, id);
               });
  }

  router.add("POST", "/api/v1/clients/{id}/rotate-secret", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    const auto& id = req.path_params["id"];
    auto rotated = services.clients.rotate_secret(id);
    if (!rotated) return error_response(rotated.error());
    services.audit.record({"client.secret_rotated", principal->actor(), id, req.remote_addr, "success"});
    return Response::json(
        200, {{"client_id", rotated->record.client_id}, {"client_secret", *rotated->client_secret}});
  });
}

}  // namespace bs::http
