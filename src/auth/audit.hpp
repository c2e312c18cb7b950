// The audit trail: every admin action and every credential failure, stored in audit_events.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "store/database.hpp"

namespace bs::auth {

struct AuditEntry {
  std::string event;    // "login.failed", "api_key.created", ...
  std::string actor;    // Principal::actor() or "anonymous"
  std::string subject;  // what it acted on
  std::string ip;
  std::string outcome = "success";                    // success | failure | denied
  nlohmann::json details = nlohmann::json::object();  // never secrets
};

class AuditLog {
 public:
  explicit AuditLog(store::Database& db) : db_(db) {}
  // Best effort: an audit write failure is logged, never turned into the request's failure.
  void record(const AuditEntry& entry);

 private:
  store::Database& db_;
};

}  // namespace bs::auth
