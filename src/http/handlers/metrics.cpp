// GET /metrics on the main listener: Prometheus text format, for an admin or admin:metrics
// credential (the separate --metrics-listen listener serves it without one; see server_app.cpp).
#include "http/metrics.hpp"

#include "http/authenticate.hpp"
#include "http/handlers/routes.hpp"

namespace bs::http {

Response metrics_response(HttpMetrics& metrics, store::Database& db) {
  Response r;
  r.status = 200;
  r.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  r.body = metrics.render(db.pool_stats());
  return r;
}

void add_metrics_routes(Router& router, Services& services) {
  router.add("GET", "/metrics", [&services](Request& req) {
    auto principal = authorize(req, services, "admin:metrics");
    if (!principal) return principal.error();
    if (!services.metrics) return error_response(Error(ErrorCode::not_found, "metrics are not collected"));
    return metrics_response(*services.metrics, services.db);
  });
}

}  // namespace bs::http
