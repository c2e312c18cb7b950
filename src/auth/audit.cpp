#include "auth/audit.hpp"

#include "common/log.hpp"
#include "store/repositories.hpp"

namespace bs::auth {

void AuditLog::record(const AuditEntry& entry) {
  store::AuditEvent e;
  e.at = store::unix_now();
  e.event = entry.event;
  if (!entry.actor.empty()) e.actor = entry.actor;
  if (!entry.subject.empty()) e.subject = entry.subject;
  if (!entry.ip.empty()) e.ip = entry.ip;
  e.outcome = entry.outcome;
  if (!entry.details.empty()) e.details = entry.details.dump();
  if (auto st = store::insert_audit_event(db_, e); !st)
    log::error("audit write failed", {{"event", entry.event}, {"error", st.error().description}});
}

}  // namespace bs::auth
