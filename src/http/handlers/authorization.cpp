// The headless authorization-code flow over HTTP: /oauth/authorize, /oauth/par and the interaction
// API (/oauth/interactions/{id}, .../login, .../consent). With Accept: application/json every
// redirect is answered 200 {"redirect_to": ...}; otherwise with a 302.
#include <nlohmann/json.hpp>

#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "http/client_credentials.hpp"
#include "http/handlers/routes.hpp"
#include "oauth/authorization_request.hpp"
#include "oauth/interactions.hpp"
#include "oauth/scopes.hpp"

namespace bs::http {

namespace {

bool wants_json(const Request& req) {
  return req.accepts("application/json");
}

Response redirect_or_json(const Request& req, const std::string& location, nlohmann::json body = nullptr) {
  if (wants_json(req)) {
    if (body.is_null()) body = nlohmann::json::object();
    body["redirect_to"] = location;
    return Response::json(200, body);
  }
  return Response::redirect(location);
}

Response interaction_error(const oauth::InteractionConflict& c) {
  if (c.error.code == ErrorCode::conflict && !c.interaction.is_null()) {
    auto r = error_response(c.error);
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    body["interaction"] = c.interaction;
    r.body = body.dump();
    return r;
  }
  return error_response(c.error);
}

// An interaction answer: a completed or rejected one is a redirect for the browser.
Response interaction_answer(const Request& req, const nlohmann::json& view, int status = 200) {
  if (!wants_json(req) && view.contains("redirect_to") && view["redirect_to"].is_string())
    return Response::redirect(view["redirect_to"].get<std::string>());
  return Response::json(status, view);
}

Response authorize_endpoint(Request& req, Services& services) {
  Result<Params> params = req.method == "POST" ? form_body(req) : query_params(req);
  if (!params) return error_response(params.error(), {.bearer_protected = false});

  // A user session on the request satisfies login (the host's front end already knows the user).
  std::optional<std::string> subject;
  if (req.header("authorization")) {
    auto principal = authorize(req, services, "");
    if (!principal) return principal.error();
    if (principal->kind != auth::PrincipalKind::user_session)
      return error_response(Error(ErrorCode::invalid_request, "only a user's session token may log in here"));
    subject = principal->subject;
  }

  auto request = services.authorization_requests.parse(*params);
  if (!request) {
    const auto& e = request.error();
    if (!e.redirect_uri) return error_response(e.error, {.bearer_protected = false});
    return redirect_or_json(req, services.authorization_requests.error_redirect(e));
  }
  auto interaction = services.interactions.start(*request, subject);
  if (!interaction) return interaction_error(interaction.error());
  const auto& view = *interaction;
  if (view.contains("redirect_to") && view["redirect_to"].is_string())
    return redirect_or_json(req, view["redirect_to"].get<std::string>(), view);
  if (!wants_json(req) && !services.settings.frontend_url.empty()) {
    return Response::redirect(oauth::with_query(
        services.settings.frontend_url, {{"interaction", view["interaction_id"].get<std::string>()}}));
  }
  return Response::json(200, view);
}

}  // namespace

void add_authorization_routes(Router& router, Services& services) {
  router.add("GET", "/oauth/authorize",
             [&services](Request& req) { return authorize_endpoint(req, services); });
  router.add("POST", "/oauth/authorize",
             [&services](Request& req) { return authorize_endpoint(req, services); });

  router.add("POST", "/oauth/par", [&services](Request& req) {
    if (auto st = services.rate_limits.check_ip(auth::LimitedEndpoint::par, req.remote_addr); !st)
      return error_response(st.error(), {.bearer_protected = false});
    auto form = form_body(req);
    if (!form) {
      Error e = form.error().code == ErrorCode::unsupported_media_type
                    ? Error(ErrorCode::invalid_request, "the body must be application/x-www-form-urlencoded")
                    : form.error();
      return error_response(e, {.bearer_protected = false});
    }
    auto client = services.client_auth.authenticate(presented_client_credentials(req, *form));
    if (!client) {
      auto h = req.header("authorization");
      const bool basic = h && h->size() >= 6 && iequals(h->substr(0, 6), "Basic ");
      return error_response(client.error(), {.basic_auth_attempted = basic, .bearer_protected = false});
    }
    if (auto st = services.rate_limits.check_client(auth::LimitedEndpoint::par, client->client.client_id);
        !st)
      return error_response(st.error(), {.bearer_protected = false});
    auto pushed = services.authorization_requests.push(client->client, *form);
    if (!pushed) return error_response(pushed.error(), {.bearer_protected = false});
    return Response::json(201, *pushed);
  });

  router.add("GET", "/oauth/interactions/{id}", [&services](Request& req) {
    auto view = services.interactions.get(req.path_params["id"]);
    if (!view) return interaction_error(view.error());
    return Response::json(200, *view);
  });

  router.add("POST", "/oauth/interactions/{id}/login", [&services](Request& req) {
    auto principal = authorize(req, services, "");
    if (!principal) return principal.error();
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    if (auto st = reject_unknown_members(*body, {"subject"}); !st) return error_response(st.error());
    std::string subject;
    if (auto s = body->find("subject"); s != body->end()) {
      // A trusted back end names the user it authenticated.
      if (!s->is_string())
        return error_response(Error(ErrorCode::invalid_request, "subject must be a string"));
      if (auto st = auth::require_scope(*principal, "admin:consents"); !st)
        return error_response(st.error(), {.required_scope = "admin:consents"});
      subject = s->get<std::string>();
    } else if (principal->kind == auth::PrincipalKind::user_session) {
      subject = principal->subject;
    } else {
      return error_response(Error(ErrorCode::invalid_request, "a back end must name the subject"));
    }
    auto view = services.interactions.login(req.path_params["id"], subject, principal->actor());
    if (!view) return interaction_error(view.error());
    return interaction_answer(req, *view);
  });

  router.add("POST", "/oauth/interactions/{id}/consent", [&services](Request& req) {
    auto principal = authorize(req, services, "");
    if (!principal) return principal.error();
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    if (auto st = reject_unknown_members(*body, {"decision", "grant_scope", "remember"}); !st)
      return error_response(st.error());
    oauth::ConsentDecision d;
    auto decision = body->find("decision");
    if (decision == body->end() || !decision->is_string())
      return error_response(Error(ErrorCode::invalid_request, "decision must be accept or reject"));
    d.decision = decision->get<std::string>();
    if (auto g = body->find("grant_scope"); g != body->end() && !g->is_null()) {
      if (!g->is_array())
        return error_response(Error(ErrorCode::invalid_request, "grant_scope must be an array"));
      std::vector<std::string> scope;
      for (const auto& s : *g) {
        if (!s.is_string())
          return error_response(Error(ErrorCode::invalid_request, "grant_scope must be strings"));
        scope.push_back(s.get<std::string>());
      }
      d.grant_scope = std::move(scope);
    }
    if (auto r = body->find("remember"); r != body->end() && !r->is_null()) {
      if (!r->is_boolean())
        return error_response(Error(ErrorCode::invalid_request, "remember must be true or false"));
      d.remember = r->get<bool>();
    }
    auto view = services.interactions.consent(req.path_params["id"], d, *principal);
    if (!view) return interaction_error(view.error());
    return interaction_answer(req, *view);
  });
}

}  // namespace bs::http
