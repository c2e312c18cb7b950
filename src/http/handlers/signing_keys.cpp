// /api/v1/keys: the signing key set and its rotation (scope admin:keys).
#include <nlohmann/json.hpp>

#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "http/handlers/routes.hpp"
#include "http/views.hpp"

namespace bs::http {

void add_key_admin_routes(Router& router, Services& services) {
  router.add("GET", "/api/v1/keys", [&services](Request& req) {
    auto principal = authorize(req, services, "admin:keys");
    if (!principal) return principal.error();
    nlohmann::json items = nlohmann::json::array();
    for (const auto& k : services.keyring.list()) items.push_back(key_view(k));
    return Response::json(200, {{"items", items}, {"next_cursor", nullptr}});
  });

  router.add("POST", "/api/v1/keys/rotate", [&services](Request& req) {
    auto principal = authorize(req, services, "admin:keys");
    if (!principal) return principal.error();
    auto alg = services.keyring_options.default_alg;
    if (!req.body.empty()) {
      auto body = json_object_body(req);
      if (!body) return error_response(body.error());
      if (auto st = reject_unknown_members(*body, {"alg"}); !st) return error_response(st.error());
      if (auto a = body->find("alg"); a != body->end()) {
        auto parsed = a->is_string() ? crypto::parse_jws_alg(a->get<std::string>()) : std::nullopt;
        if (!parsed || *parsed == crypto::JwsAlg::HS256)
          return error_response(Error(ErrorCode::invalid_request, "alg must be ES256, RS256 or EdDSA"));
        alg = *parsed;
      }
    }
    auto key = keys::Keyring::rotate(services.db, services.keyring_options, alg);
    if (!key) return error_response(key.error());
    (void)services.keyring.reload();
    services.audit.record({"keys.rotated",
                           principal->actor(),
                           key->kid,
                           req.remote_addr,
                           "success",
                           {{"alg", crypto::jws_alg_name(alg)}}});
    return Response::json(201, key_view(*key));
  });
}

}  // namespace bs::http
