#include "store/repo_util.hpp"

namespace bs::store {
namespace {

using namespace detail;

AuditEvent to_event(const Row& r) {
  AuditEvent e;
  e.id = r.integer(0);
  e.at = r.integer(1);
  e.event = r.text(2);
  e.actor = r.opt_text(3);
  e.subject = r.opt_text(4);
  e.ip = r.opt_text(5);
  e.outcome = r.text(6);
  e.details = r.opt_text(7);
  return e;
}

}  // namespace

Result<std::int64_t> insert_audit_event(Executor ex, const AuditEvent& e) {
  const Value p[] = {integer(e.at), text(e.event),   opt(e.actor),  opt(e.subject),
                     opt(e.ip),     text(e.outcome), opt(e.details)};
  auto rows = ex.query(
      "INSERT INTO audit_events (at, event, actor, subject, ip, outcome, details)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
      p);
  if (!rows) return error_of(rows);
  if (rows->empty()) return fail(ErrorCode::internal_error, "audit insert returned no id");
  return rows->front().integer(0);
}

Result<Page<AuditEvent, std::int64_t>> list_audit_events(Executor ex, const AuditQuery& q) {
  if (auto st = check_limit(q.limit); !st) return error_of(st);
  // At most four distinct statements, so the drivers' statement caches stay small.
  std::string sql = "SELECT id, at, event, actor, subject, ip, outcome, details FROM audit_events";
  std::vector<Value> p = {integer(q.limit + 1)};
  const char* glue = " WHERE ";
  if (q.before_id) {
    p.push_back(integer(*q.before_id));
    sql += glue + std::string("id < $") + std::to_string(p.size());
    glue = " AND ";
  }
  if (q.event) {
    p.push_back(text(*q.event));
    sql += glue + std::string("event = $") + std::to_string(p.size());
  }
  sql += " ORDER BY id DESC LIMIT $1";
  auto rows = ex.query(sql, p);
  if (!rows) return error_of(rows);
  return make_page<AuditEvent, std::int64_t>(*rows, q.limit, to_event,
                                             [](const AuditEvent& e) { return e.id; });
}

}  // namespace bs::store
