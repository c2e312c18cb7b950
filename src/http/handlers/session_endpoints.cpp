// /auth/register, /auth/login, /auth/refresh, /auth/logout, /auth/me: the user-facing session API.
#include <nlohmann/json.hpp>

#include "common/time.hpp"
#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "http/handlers/routes.hpp"
#include "http/views.hpp"

namespace bs::http {

namespace {

Result<std::string> string_field(const nlohmann::json& body, const char* name, bool required = true) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return fail(ErrorCode::invalid_request, std::string("missing field: ") + name);
    return std::string();
  }
  if (!it->is_string()) return fail(ErrorCode::invalid_request, std::string(name) + " must be a string");
  return it->get<std::string>();
}

Response tokens_response(const auth::SessionTokens& t) {
  return Response::json(200, {{"access_token", t.access_token},
                              {"token_type", "Bearer"},
                              {"expires_in", t.expires_in},
                              {"refresh_token", t.refresh_token}});
}

}  // namespace

void add_session_routes(Router& router, Services& services) {
  router.add("POST", "/auth/register", [&services](Request& req) {
    if (!services.settings.allow_registration)
      return error_response(Error(ErrorCode::forbidden, "self-registration is disabled"));
    if (auto st = services.rate_limits.check_ip(auth::LimitedEndpoint::registration, req.remote_addr); !st)
      return error_response(st.error());
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    if (auto st = reject_unknown_members(*body, {"email", "password", "name"}); !st)
      return error_response(st.error());
    auto email = string_field(*body, "email");
    auto password = string_field(*body, "password");
    auto name = string_field(*body, "name");
    for (auto* f : {&email, &password, &name})
      if (!*f) return error_response(f->error());
    auto user = services.users.create({*email, *password, *name, "user"});
    if (!user) return error_response(user.error());
    services.audit.record({"user.registered", "user:" + user->id, user->id, req.remote_addr, "success"});
    return Response::json(201, user_view(*user));
  });

  router.add("POST", "/auth/login", [&services](Request& req) {
    if (auto st = services.rate_limits.check_ip(auth::LimitedEndpoint::login, req.remote_addr); !st)
      return error_response(st.error(), {.bearer_protected = false});
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    auto email = string_field(*body, "email");
    auto password = string_field(*body, "password");
    for (auto* f : {&email, &password})
      if (!*f) return error_response(f->error());
    auto tokens = services.sessions.login(*email, *password, req.remote_addr);
    if (!tokens) {
      ErrorContext ctx;
      ctx.bearer_protected = false;  // a login failure is not a bearer challenge
      return error_response(tokens.error(), ctx);
    }
    return tokens_response(*tokens);
  });

  router.add("POST", "/auth/refresh", [&services](Request& req) {
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    auto refresh = string_field(*body, "refresh_token");
    if (!refresh) return error_response(refresh.error());
    auto tokens = services.sessions.refresh(*refresh, req.remote_addr);
    if (!tokens) return error_response(tokens.error());
    return tokens_response(*tokens);
  });

  router.add("POST", "/auth/logout", [&services](Request& req) {
    auto principal = authorize(req, services, "");
    if (!principal) return principal.error();
    if (auto st = services.sessions.logout(*principal); !st) return error_response(st.error());
    return Response::no_content();
  });

  router.add("GET", "/auth/me", [&services](Request& req) {
    auto principal = authorize(req, services, "");
    if (!principal) return principal.error();
    if (principal->kind != auth::PrincipalKind::user_session && !principal->is_user())
      return error_response(Error(ErrorCode::forbidden, "/auth/me needs a user's credential"));
    auto user = services.users.find_by_id(principal->subject);
    if (!user) return error_response(user.error());
    if (!*user) return error_response(Error(ErrorCode::not_found, "user not found"));
    return Response::json(200, user_view(**user));
  });
}

}  // namespace bs::http
