// /api/v1/users: admin creation, listing and deletion of user accounts (scope admin:users).
#include <nlohmann/json.hpp>

#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "http/handlers/routes.hpp"
#include "http/views.hpp"

namespace bs::http {

void add_user_routes(Router& router, Services& services) {
  router.add("POST", "/api/v1/users", [&services](Request& req) {
    auto principal = authorize(req, services, "admin:users");
    if (!principal) return principal.error();
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    if (auto st = reject_unknown_members(*body, {"email", "password", "name", "role"}); !st)
      return error_response(st.error());
    auth::NewUser user;
    for (auto [field, out] :
         {std::pair{"email", &user.email}, {"password", &user.password}, {"name", &user.name}}) {
      auto it = body->find(field);
      if (it == body->end() || !it->is_string())
        return error_response(Error(ErrorCode::invalid_request, std::string(field) + " must be a string"));
      *out = it->get<std::string>();
    }
    if (auto role = body->find("role"); role != body->end() && !role->is_null()) {
      if (!role->is_string())
        return error_response(Error(ErrorCode::invalid_request, "role must be a string"));
      user.role = role->get<std::string>();
    }
    auto created = services.users.create(user);
    if (!created) return error_response(created.error());
    services.audit.record({"user.created",
                           principal->actor(),
                           created->id,
                           req.remote_addr,
                           "success",
                           {{"role", created->role}}});
    return Response::json(201, user_view(*created));
  });

  router.add("GET", "/api/v1/users", [&services](Request& req) {
    auto principal = authorize(req, services, "admin:users");
    if (!principal) return principal.error();
    auto page = page_of(req);
    if (!page) return page.error();
    auto users = services.users.list(page->cursor, page->limit);
    if (!users) return error_response(users.error());
    return page_response(*users, user_view);
  });

  router.add("GET", "/api/v1/users/{id}", [&services](Request& req) {
    auto principal = authorize(req, services, "admin:users");
    if (!principal) return principal.error();
    auto user = services.users.find_by_id(req.path_params["id"]);
    if (!user) return error_response(user.error());
    if (!*user) return error_response(Error(ErrorCode::not_found, "no user with this id"));
    return Response::json(200, user_view(**user));
  });

  router.add("DELETE", "/api/v1/users/{id}", [&services](Request& req) {
    auto principal = authorize(req, services, "admin:users");
    if (!principal) return principal.error();
    const auto& id = req.path_params["id"];
    auto user = services.users.find_by_id(id);
    if (!user) return error_response(user.error());
    if (!*user) return error_response(Error(ErrorCode::not_found, "no user with this id"));
    // Revoke before deleting: if the deletion then fails, the account is only signed out
    // everywhere; the other order could leave live tokens for an account that no longer exists.
    auto consents = services.consents.revoke_all_of_subject(id, principal->actor());
    if (!consents) return error_response(consents.error());
    auto tokens = services.tokens.revoke_all_of_subject(id);
    if (!tokens) return error_response(tokens.error());
    auto removed = services.users.remove(id);
    if (!removed) return error_response(removed.error());
    if (!*removed) return error_response(Error(ErrorCode::not_found, "no user with this id"));
    services.audit.record({"user.deleted",
                           principal->actor(),
                           id,
                           req.remote_addr,
                           "success",
                           {{"revoked_consents", *consents}, {"revoked_tokens", *tokens}}});
    return Response::no_content();
  });
}

}  // namespace bs::http
