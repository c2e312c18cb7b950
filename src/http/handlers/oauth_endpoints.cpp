// The OAuth 2.0 endpoints over HTTP: metadata, token, introspection, revocation. Thin: parse the
// form, authenticate the client, call src/oauth/endpoints, render.
#include <nlohmann/json.hpp>

#include "common/metrics.hpp"
#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "http/client_credentials.hpp"
#include "http/handlers/routes.hpp"
#include "oauth/endpoints/endpoints.hpp"

namespace bs::http {

namespace {

const ErrorContext kOAuthContext{.basic_auth_attempted = false, .bearer_protected = false};

// The form body of an OAuth endpoint; a wrong content type is invalid_request here (RFC 6749 §3.2).
Result<Params> oauth_form(const Request& req) {
  auto form = form_body(req);
  if (!form && form.error().code == ErrorCode::unsupported_media_type)
    return fail(ErrorCode::invalid_request, "the body must be application/x-www-form-urlencoded");
  return form;
}

bool basic_attempted(const Request& req) {
  auto h = req.header("authorization");
  return h && h->size() >= 6 && iequals(h->substr(0, 6), "Basic ");
}

Response oauth_error(const Request& req, const Error& e) {
  ErrorContext ctx = kOAuthContext;
  ctx.basic_auth_attempted = basic_attempted(req);
  return error_response(e, ctx);
}

Result<oauth::AuthenticatedClient> authenticate_client(const Request& req, const Params& form, Services& s) {
  return s.client_auth.authenticate(presented_client_credentials(req, form));
}

// For the paths that run on a network thread: the client, authenticated from the cache alone, with
// the endpoint's per-IP and per-client budgets spent. nullopt: the request needs the database (the
// caller offloads it, having spent nothing). An error: a budget is spent (429).
std::optional<Result<oauth::AuthenticatedClient>> client_without_blocking(Request& req, const Params& form,
                                                                          Services& services,
                                                                          auth::LimitedEndpoint endpoint) {
  auto client = services.client_auth.authenticate_without_blocking(presented_client_credentials(req, form));
  if (!client) return std::nullopt;
  if (auto st = services.rate_limits.check_ip(endpoint, req.remote_addr); !st)
    return Result<oauth::AuthenticatedClient>(std::unexpected(st.error()));
  if (auto st = services.rate_limits.check_client(endpoint, client->client.client_id); !st)
    return Result<oauth::AuthenticatedClient>(std::unexpected(st.error()));
  return std::move(*client);
}

// The token endpoint's common case on a network thread: client_credentials for a cached client
// authenticating with its secret. Signs at once; the answer is written when the token's record is
// committed. Anything else is offloaded, before any rate-limit budget is spent on it.
Response client_credentials_without_blocking(Request& req, Services& services) {
  auto form = oauth_form(req);
  if (!form || form->get("grant_type") != "client_credentials") return Response::offload();
  auto client = client_without_blocking(req, *form, services, auth::LimitedEndpoint::token);
  if (!client) return Response::offload();
  if (!*client) return oauth_error(req, client->error());
  oauth::GrantContext ctx{services.tokens, services.audit, services.db, req.remote_addr,
                          std::make_shared<PendingWrites>()};
  auto body = oauth::token_endpoint(**client, *form, ctx);
  if (!body) return oauth_error(req, body.error());
  metrics::increment(
      metrics::domain().tokens_issued[static_cast<std::size_t>(metrics::Grant::client_credentials)]);
  auto r = Response::json(200, *body);
  r.durable_after = std::move(ctx.durable_later);
  return r;
}

// Introspection of one of our JWT access tokens by a cached client: signature, cache and deny list
// are all in memory. Refresh tokens (a database lookup) and admin callers are offloaded.
Response introspection_without_blocking(Request& req, Services& services) {
  if (req.header("x-api-key") || (req.header("authorization") && !basic_attempted(req)))
    return Response::offload();
  auto form = oauth_form(req);
  if (!form) return Response::offload();
  auto token = form->get("token");
  if (!token || token->find('.') == std::string::npos) return Response::offload();
  auto client = client_without_blocking(req, *form, services, auth::LimitedEndpoint::introspect);
  if (!client) return Response::offload();
  if (!*client) return oauth_error(req, client->error());
  oauth::IntrospectionCaller caller;
  caller.client = std::move(**client);
  auto body = oauth::introspection_endpoint(caller, *form, services.tokens);
  if (!body) return oauth_error(req, body.error());
  return Response::json(200, *body);
}

}  // namespace

void add_oauth_routes(Router& router, Services& services) {
  router.add(
      "GET", "/.well-known/oauth-authorization-server",
      [&services](Request&) {
        auto r = Response::json(200, oauth::authorization_server_metadata(services.settings.issuer,
                                                                          services.settings.require_par));
        r.set_header("Cache-Control", "public, max-age=300");
        return r;
      },
      Runs::inline_first);

  router.add(
      "POST", "/oauth/token",
      [&services](Request& req) {
        if (req.on_network_thread) return client_credentials_without_blocking(req, services);
        if (auto st = services.rate_limits.check_ip(auth::LimitedEndpoint::token, req.remote_addr); !st)
          return oauth_error(req, st.error());
        auto form = oauth_form(req);
        if (!form) return oauth_error(req, form.error());
        auto client = authenticate_client(req, *form, services);
        if (!client) return oauth_error(req, client.error());
        // After authentication: nobody can spend another client's quota by naming it.
        if (auto st =
                services.rate_limits.check_client(auth::LimitedEndpoint::token, client->client.client_id);
            !st)
          return oauth_error(req, st.error());
        oauth::GrantContext ctx{services.tokens, services.audit, services.db, req.remote_addr};
        auto body = oauth::token_endpoint(*client, *form, ctx);
        if (!body) return oauth_error(req, body.error());
        metrics::increment(metrics::domain().tokens_issued[static_cast<std::size_t>(
            metrics::grant_of(form->get("grant_type").value_or("")))]);
        return Response::json(200, *body);
      },
      Runs::inline_first);

  router.add(
      "POST", "/oauth/introspect",
      [&services](Request& req) {
        if (req.on_network_thread) return introspection_without_blocking(req, services);
        if (auto st = services.rate_limits.check_ip(auth::LimitedEndpoint::introspect, req.remote_addr); !st)
          return oauth_error(req, st.error());
        auto form = oauth_form(req);
        if (!form) return oauth_error(req, form.error());
        oauth::IntrospectionCaller caller;
        const bool admin_credential =
            req.header("x-api-key") || (req.header("authorization") && !basic_attempted(req));
        if (admin_credential) {
          auto principal = authorize(req, services, "admin:tokens");
          if (!principal) return principal.error();
          caller.admin = true;
        } else {
          auto client = authenticate_client(req, *form, services);
          if (!client) return oauth_error(req, client.error());
          if (client->method == "none")
            return oauth_error(req,
                               Error(ErrorCode::invalid_client, "introspection needs client authentication"));
          if (auto st = services.rate_limits.check_client(auth::LimitedEndpoint::introspect,
                                                          client->client.client_id);
              !st)
            return oauth_error(req, st.error());
          caller.client = std::move(*client);
        }
        auto body = oauth::introspection_endpoint(caller, *form, services.tokens);
        if (!body) return oauth_error(req, body.error());
        return Response::json(200, *body);
      },
      Runs::inline_first);

  router.add("POST", "/oauth/revoke", [&services](Request& req) {
    auto form = oauth_form(req);
    if (!form) return oauth_error(req, form.error());
    auto client = authenticate_client(req, *form, services);
    if (!client) return oauth_error(req, client.error());
    if (auto st =
            oauth::revocation_endpoint(*client, *form, services.tokens, services.audit, req.remote_addr);
        !st)
      return oauth_error(req, st.error());
    Response r;
    r.status = 200;
    return r;
  });
}

}  // namespace bs::http
