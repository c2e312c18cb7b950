// Repositories of the abuse limits: per-client quotas and the shared rate-limit state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/repositories.hpp"

namespace bs::store {

struct ClientQuotaRow {
  std::string client_id;
  std::string endpoint;       // "token" | "introspect" | "par"
  std::int64_t requests = 0;  // 0: exempt from the configured default
  std::int64_t per_seconds = 0;
  std::int64_t updated_at = 0;
};

Result<std::vector<ClientQuotaRow>> list_client_quotas(Executor ex);
Result<std::vector<ClientQuotaRow>> client_quotas_of(Executor ex, const std::string& client_id);
// Replaces every quota of the client with rows (all of the same client_id).
Status replace_client_quotas(Executor ex, const std::string& client_id,
                             const std::vector<ClientQuotaRow>& rows);

// Adds increment_micros to the bucket's theoretical arrival time, starting from now_micros when the
// bucket is idle (GCRA), in one atomic statement; returns the new arrival time.
Result<std::int64_t> advance_rate_limit_state(Executor ex, Dialect dialect, const std::string& limit_name,
                                              const std::string& bucket_key, std::int64_t now_micros,
                                              std::int64_t increment_micros);
// Deletes buckets that have been full (idle) since before the given time.
Result<std::int64_t> delete_idle_rate_limit_state(Executor ex, std::int64_t before_micros);

}  // namespace bs::store
