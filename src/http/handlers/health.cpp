// GET /health: 200 once serving, 503 when the database does not answer.
#include <nlohmann/json.hpp>

#include "http/handlers/routes.hpp"

namespace bs::http {

void add_health_routes(Router& router, Services& services) {
  router.add("GET", "/health", [&services](Request&) {
    if (auto st = services.db.ping(); !st)
      return Response::json(503, {{"status", "unavailable"}, {"error", "database unreachable"}});
    return Response::json(200, {{"status", "ok"}});
  });
}

}  // namespace bs::http
