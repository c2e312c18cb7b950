// GET /api/v1/audit-events: the audit trail, newest first (scope admin:audit).
#include <charconv>
#include <nlohmann/json.hpp>

#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "http/handlers/routes.hpp"
#include "http/views.hpp"
#include "store/repositories.hpp"

namespace bs::http {

void add_audit_routes(Router& router, Services& services) {
  router.add("GET", "/api/v1/audit-events", [&services](Request& req) {
    auto principal = authorize(req, services, "admin:audit");
    if (!principal) return principal.error();
    auto page = page_of(req);
    if (!page) return page.error();
    auto params = query_params(req);
    if (!params) return error_response(params.error());
    store::AuditQuery query;
    query.limit = page->limit;
    if (auto e = params->get("event")) query.event = *e;
    if (page->cursor) {
      std::int64_t before = 0;
      auto [p, ec] =
          std::from_chars(page->cursor->data(), page->cursor->data() + page->cursor->size(), before);
      if (ec != std::errc{} || p != page->cursor->data() + page->cursor->size())
        return error_response(Error(ErrorCode::invalid_request, "malformed cursor"));
      query.before_id = before;
    }
    auto events = store::list_audit_events(services.db, query);
    if (!events) return error_response(events.error());
    return page_response(*events, audit_event_view);
  });
}

}  // namespace bs::http
