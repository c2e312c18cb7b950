// GET /.well-known/jwks.json: the published signing keys (pending, active and retired ones).
#include <nlohmann/json.hpp>

#include "http/handlers/routes.hpp"

namespace bs::http {

void add_jwks_routes(Router& router, Services& services) {
  router.add("GET", "/.well-known/jwks.json", [&services](Request&) {
    auto jwks = services.keyring.jwks();
    // Badge signing keys again under their URL kid, the kid VC-JWT headers carry (badges/vc_jwt.hpp).
    for (auto& key : services.vc_jwt.published_badge_keys()) jwks["keys"].push_back(std::move(key));
    auto r = Response::json(200, jwks);
    r.set_header("Content-Type", "application/jwk-set+json");
    // Short: verifiers must pick up a rotated key well before it signs (key_activation_delay).
    r.set_header("Cache-Control", "public, max-age=15");
    return r;
  });
}

}  // namespace bs::http
