// Dynamic client registration over HTTP: POST /oauth/register (RFC 7591) and the management
// endpoints /oauth/register/{client_id} (RFC 7592), which the registration access token protects.
#include <nlohmann/json.hpp>

#include "crypto/hash.hpp"
#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "http/handlers/routes.hpp"

namespace bs::http {

namespace {

// The Bearer token of the request, if it presented exactly one well-formed one.
std::optional<std::string> bearer_token(const Request& req) {
  auto credentials = credentials_of(req);
  if (credentials.malformed_authorization) return std::nullopt;
  return credentials.bearer;
}

Response invalid_token(std::string description) {
  return error_response(Error(ErrorCode::invalid_token, std::move(description)));
}

// RFC 7592 §2: every management request carries the client's registration access token.
Result<store::OAuthClient> registration_client(const Request& req, Services& services) {
  auto token = bearer_token(req);
  if (!token) return fail(ErrorCode::invalid_token, "a registration access token is required");
  return services.clients.authenticate_registration(req.path_params.at("client_id"), *token);
}

}  // namespace

void add_oauth_registration_routes(Router& router, Services& services) {
  router.add("POST", "/oauth/register", [&services](Request& req) {
    if (auto st = services.rate_limits.check_ip(auth::LimitedEndpoint::registration, req.remote_addr); !st)
      return error_response(st.error(), {.bearer_protected = false});
    if (const auto& expected = services.clients.options().initial_access_token) {
      // RFC 7591 §3: registration may require an initial access token. Hashing both sides first
      // keeps the comparison constant-time whatever their lengths.
      auto token = bearer_token(req);
      if (!token) return invalid_token("an initial access token is required to register");
      if (!crypto::constant_time_equal(crypto::sha256(*token), crypto::sha256(*expected)))
        return invalid_token("invalid initial access token");
    }
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    auto created = services.clients.register_client(*body, {.admin = false, .actor = "registration"});
    if (!created) return error_response(created.error());
    services.audit.record({"client.registered",
                           "registration",
                           created->record.client_id,
                           req.remote_addr,
                           "success",
                           {{"token_endpoint_auth_method", created->record.token_endpoint_auth_method}}});
    return Response::json(201, services.clients.client_information(*created));
  });

  router.add("GET", "/oauth/register/{client_id}", [&services](Request& req) {
    auto client = registration_client(req, services);
    if (!client) return error_response(client.error());
    return Response::json(200, services.clients.client_information({std::move(*client), {}, {}}));
  });

  router.add("PUT", "/oauth/register/{client_id}", [&services](Request& req) {
    auto client = registration_client(req, services);
    if (!client) return error_response(client.error());
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    const std::string actor = "client:" + client->client_id;
    auto updated = services.clients.update_client(client->client_id, *body, {.admin = false, .actor = actor},
                                                  /*merge=*/false);
    if (!updated) return error_response(updated.error());
    services.audit.record(
        {"client.registration_updated", actor, client->client_id, req.remote_addr, "success"});
    return Response::json(200, services.clients.client_information(*updated));
  });

  router.add("DELETE", "/oauth/register/{client_id}", [&services](Request& req) {
    auto client = registration_client(req, services);
    if (!client) return error_response(client.error());
    if (auto st = services.clients.delete_client(client->client_id); !st) return error_response(st.error());
    (void)services.tokens.sync_revocations();  // its tokens' cut-off at once (else within the poll interval)
    services.audit.record({"client.registration_deleted", "client:" + client->client_id, client->client_id,
                           req.remote_addr, "success"});
    return Response::no_content();
  });
}

}  // namespace bs::http
