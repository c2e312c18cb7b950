// GET /.well-known/jwks.json: the published signing keys (pending, active and retired ones).
#include <nlohmann/json.hpp>

#include "http/handlers/routes.hpp"

namespace bs::http {

void add_jwks_routes(Router& router, Services& services) {
  router.add("GET", "/.well-known/jwks.json", [&services](Request&) {
    auto r = Response::json(200, services.keyring.jwks());
    r.set_header("Content-Type", "application/jwk-set+json");
    // Short: verifiers must pick up a rotated key well before it signs (key_activation_delay).
    r.set_header("Cache-Control", "public, max-age=15");
    return r;
  });
}

}  // namespace bs::http
