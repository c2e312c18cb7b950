// Rate limits: a token bucket per (limit, key), as GCRA (one "theoretical arrival time" per
// bucket, which is the token bucket in a single integer). Keys are client IPs and client ids.
//
// Coordination across instances (PostgreSQL): a request never touches the database. Each instance
// decides from its local buckets and counts what it admitted; every sync interval it adds those
// counts to the shared bucket (rate_limit_state, one atomic UPSERT per active bucket) and adopts
// the shared arrival time, which includes every other instance's admissions. Over-admission is
// therefore bounded: in one sync interval each of N instances can admit at most one burst plus
// what refills meanwhile before it learns of the others, so at most (N - 1) * (burst + rate *
// interval) more than the limit. SQLite (one instance) keeps local buckets only.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/errors.hpp"
#include "store/database.hpp"

namespace bs::auth {

// At most `requests` per `per_seconds`, in bursts of up to `requests`. requests == 0: no limit.
struct RateLimit {
  std::int64_t requests = 0;
  std::int64_t per_seconds = 60;

  bool enabled() const { return requests > 0 && per_seconds > 0; }
  // The time one request's token takes to refill.
  std::int64_t interval_micros() const { return per_seconds * 1'000'000 / requests; }
  bool operator==(const RateLimit&) const = default;
};

// "off" (or "0"), or "N/S": N requests per S seconds.
Result<RateLimit> parse_rate_limit(std::string_view spec);
std::string format_rate_limit(const RateLimit& limit);

enum class LimitedEndpoint { login, registration, token, introspect, par };
inline constexpr std::size_t kLimitedEndpoints = 5;
std::string_view endpoint_name(LimitedEndpoint endpoint);  // "login", "registration", "token", ...
// The endpoints a client quota can be set for ("token", "introspect", "par").
std::optional<LimitedEndpoint> quota_endpoint(std::string_view name);

// A limit's name in metrics, logs and rate_limit_state: "<endpoint>_ip" or "<endpoint>_client".
std::string limit_name(LimitedEndpoint endpoint, bool per_client);
// The metrics counter slot of a limit.
std::size_t limit_index(LimitedEndpoint endpoint, bool per_client);

struct RateLimitOptions {
  std::array<RateLimit, kLimitedEndpoints> per_ip{};
  std::array<RateLimit, kLimitedEndpoints> per_client{};  // defaults; client quotas override
};

// A client's own limits: endpoint -> limit (requests == 0 exempts it). Absent: the default applies.
using ClientQuota = std::map<LimitedEndpoint, RateLimit>;

class RateLimiter {
 public:
  using Clock = std::function<std::int64_t()>;  // Unix time in microseconds (shared across instances)

  // shared: the database whose rate_limit_state coordinates instances (PostgreSQL), or nullptr.
  explicit RateLimiter(RateLimitOptions options, store::Database* shared = nullptr, Clock clock = {});

  // Takes one request from the bucket; ok, or too_many_requests with Retry-After seconds.
  Status check_ip(LimitedEndpoint endpoint, const std::string& ip);
  Status check_client(LimitedEndpoint endpoint, const std::string& client_id);

  // The bucket primitive: 0 when admitted (and counted), else seconds until it would be (>= 1).
  std::int64_t acquire(const std::string& name, const std::string& key, const RateLimit& limit);

  // The limit that applies to a client at an endpoint: its quota, else the configured default.
  RateLimit client_limit(LimitedEndpoint endpoint, const std::string& client_id) const;
  const RateLimitOptions& options() const { return options_; }

  // Quotas are cached in memory (no database read per request) and reloaded periodically.
  Result<ClientQuota> quota_of(const std::string& client_id);
  Status set_quota(const std::string& client_id, const ClientQuota& quota);
  Status reload_quotas();

  // Periodic: reconciles the active buckets with the shared state (PostgreSQL) and forgets idle ones.
  Status sync();

 private:
  struct Bucket {
    std::int64_t tat = 0;       // theoretical arrival time, micros
    std::int64_t interval = 0;  // of the limit last applied
    std::int64_t pending = 0;   // admitted here since the last sync
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;  // "<limit>\n<key>"
  };
  static constexpr std::size_t kShards = 16;
  Shard& shard_of(const std::string& id);
  std::int64_t now() const { return clock_(); }

  RateLimitOptions options_;
  store::Database* shared_;
  Clock clock_;
  std::array<Shard, kShards> shards_;
  mutable std::shared_mutex quotas_mutex_;
  std::unordered_map<std::string, ClientQuota> quotas_;
  int syncs_since_cleanup_ = 0;  // sync() runs on one thread
};

}  // namespace bs::auth
