#include "auth/rate_limits.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <vector>

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "store/rate_limit_repositories.hpp"

namespace bs::auth {

namespace {

constexpr std::array<std::string_view, kLimitedEndpoints> kEndpointNames = {"login", "registration", "token",
                                                                            "introspect", "par"};

std::int64_t system_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool parse_positive(std::string_view s, std::int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

Error limited(std::int64_t retry_after) {
  return Error(ErrorCode::too_many_requests, "rate limit exceeded; retry later",
               static_cast<int>(retry_after));
}

}  // namespace

Result<RateLimit> parse_rate_limit(std::string_view spec) {
  if (spec == "off" || spec == "0") return RateLimit{0, 60};
  auto slash = spec.find('/');
  RateLimit limit;
  if (slash == std::string_view::npos || !parse_positive(spec.substr(0, slash), limit.requests) ||
      !parse_positive(spec.substr(slash + 1), limit.per_seconds) || limit.requests < 1 ||
      limit.requests > 1'000'000 || limit.per_seconds < 1 || limit.per_seconds > 86400) {
    return fail(
        ErrorCode::invalid_request,
        "a rate limit is \"off\" or \"N/S\" (N in 1..1000000 requests per S in 1..86400 seconds), got '" +
            std::string(spec) + "'");
  }
  return limit;
}

std::string format_rate_limit(const RateLimit& limit) {
  if (!limit.enabled()) return "off";
  return std::to_string(limit.requests) + "/" + std::to_string(limit.per_seconds);
}

std::string_view endpoint_name(LimitedEndpoint endpoint) {
  return kEndpointNames[static_cast<std::size_t>(endpoint)];
}

std::optional<LimitedEndpoint> quota_endpoint(std::string_view name) {
  if (name == "token") return LimitedEndpoint::token;
  if (name == "introspect") return LimitedEndpoint::introspect;
  if (name == "par") return LimitedEndpoint::par;
  return std::nullopt;
}

std::string limit_name(LimitedEndpoint endpoint, bool per_client) {
  return std::string(endpoint_name(endpoint)) + (per_client ? "_client" : "_ip");
}

std::size_t limit_index(LimitedEndpoint endpoint, bool per_client) {
  return static_cast<std::size_t>(endpoint) * 2 + (per_client ? 1 : 0);
}

static_assert(kLimitedEndpoints * 2 <= metrics::kMaxRateLimits);

RateLimiter::RateLimiter(RateLimitOptions options, store::Database* shared, Clock clock)
    : options_(options), shared_(shared), clock_(clock ? std::move(clock) : Clock(system_micros)) {}

RateLimiter::Shard& RateLimiter::shard_of(const std::string& id) {
  return shards_[std::hash<std::string>{}(id) % kShards];
}

std::int64_t RateLimiter::acquire(const std::string& name, const std::string& key, const RateLimit& limit) {
  if (!limit.enabled()) return 0;
  const std::int64_t interval = limit.interval_micros();
  const std::int64_t tolerance = interval * (limit.requests - 1);  // how far ahead a burst may run
  const std::int64_t t = now();
  std::string id = name;
  id.push_back('\n');
  id += key;
  Shard& shard = shard_of(id);
  std::lock_guard lock(shard.mutex);
  Bucket& bucket = shard.buckets[id];
  bucket.interval = interval;
  const std::int64_t tat = std::max(bucket.tat, t);
  if (tat - t > tolerance) {
    const std::int64_t wait_micros = tat - t - tolerance;
    return std::max<std::int64_t>(1, (wait_micros + 999'999) / 1'000'000);
  }
  bucket.tat = tat + interval;
  ++bucket.pending;
  return 0;
}

Status RateLimiter::check_ip(LimitedEndpoint endpoint, const std::string& ip) {
  const auto& limit = options_.per_ip[static_cast<std::size_t>(endpoint)];
  if (!limit.enabled()) return ok();
  if (auto wait = acquire(limit_name(endpoint, false), ip, limit); wait > 0) {
    metrics::increment(metrics::domain().rate_limited[limit_index(endpoint, false)]);
    return std::unexpected(limited(wait));
  }
  return ok();
}

Status RateLimiter::check_client(LimitedEndpoint endpoint, const std::string& client_id) {
  const auto limit = client_limit(endpoint, client_id);
  if (!limit.enabled()) return ok();
  if (auto wait = acquire(limit_name(endpoint, true), client_id, limit); wait > 0) {
    metrics::increment(metrics::domain().rate_limited[limit_index(endpoint, true)]);
    return std::unexpected(limited(wait));
  }
  return ok();
}

RateLimit RateLimiter::client_limit(LimitedEndpoint endpoint, const std::string& client_id) const {
  {
    std::shared_lock lock(quotas_mutex_);
    if (auto it = quotas_.find(client_id); it != quotas_.end()) {
      if (auto q = it->second.find(endpoint); q != it->second.end()) return q->second;
    }
  }
  return options_.per_client[static_cast<std::size_t>(endpoint)];
}

Result<ClientQuota> RateLimiter::quota_of(const std::string& client_id) {
  auto rows = shared_ ? store::client_quotas_of(*shared_, client_id)
                      : Result<std::vector<store::ClientQuotaRow>>(std::vector<store::ClientQuotaRow>{});
  if (!rows) return std::unexpected(rows.error());
  ClientQuota quota;
  for (const auto& row : *rows) {
    if (auto endpoint = quota_endpoint(row.endpoint)) quota[*endpoint] = {row.requests, row.per_seconds};
  }
  return quota;
}

Status RateLimiter::set_quota(const std::string& client_id, const ClientQuota& quota) {
  if (!shared_) return fail(ErrorCode::internal_error, "client quotas need a database");
  std::vector<store::ClientQuotaRow> rows;
  const auto now_seconds = store::unix_now();
  for (const auto& [endpoint, limit] : quota)
    rows.push_back(
        {client_id, std::string(endpoint_name(endpoint)), limit.requests, limit.per_seconds, now_seconds});
  auto st = shared_->transaction(
      [&](store::Connection& c) -> Status { return store::replace_client_quotas(c, client_id, rows); });
  if (!st) return st;
  // Effective here at once; other instances pick it up at their next reload.
  std::unique_lock lock(quotas_mutex_);
  if (quota.empty()) {
    quotas_.erase(client_id);
  } else {
    quotas_[client_id] = quota;
  }
  return ok();
}

Status RateLimiter::reload_quotas() {
  if (!shared_) return ok();
  auto rows = store::list_client_quotas(*shared_);
  if (!rows) return std::unexpected(rows.error());
  std::unordered_map<std::string, ClientQuota> fresh;
  for (const auto& row : *rows) {
    if (auto endpoint = quota_endpoint(row.endpoint))
      fresh[row.client_id][*endpoint] = {row.requests, row.per_seconds};
  }
  std::unique_lock lock(quotas_mutex_);
  quotas_.swap(fresh);
  return ok();
}

Status RateLimiter::sync() {
  const std::int64_t t = now();
  const bool coordinated = shared_ && shared_->dialect() == store::Dialect::postgres;
  struct Pending {
    std::string id;
    std::int64_t count;
    std::int64_t interval;
  };
  std::vector<Pending> pending;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (auto it = shard.buckets.begin(); it != shard.buckets.end();) {
      Bucket& b = it->second;
      if (coordinated && b.pending > 0) {
        pending.push_back({it->first, b.pending, b.interval});
        b.pending = 0;
        ++it;
      } else if (b.tat <= t) {
        // A full bucket carries no information: forget it, so memory is bounded by recent activity.
        it = shard.buckets.erase(it);
      } else {
        b.pending = 0;
        ++it;
      }
    }
  }
  if (!coordinated) return ok();
  Status result = ok();
  for (const auto& p : pending) {
    const auto newline = p.id.find('\n');
    auto shared_tat =
        store::advance_rate_limit_state(*shared_, store::Dialect::postgres, p.id.substr(0, newline),
                                        p.id.substr(newline + 1), t, p.count * p.interval);
    if (!shared_tat) {
      result = std::unexpected(shared_tat.error());
      continue;
    }
    Shard& shard = shard_of(p.id);
    std::lock_guard lock(shard.mutex);
    Bucket& b = shard.buckets[p.id];
    if (b.interval == 0) b.interval = p.interval;
    // What this instance admitted while the statement ran comes on top of the shared state.
    b.tat = std::max(b.tat, *shared_tat + b.pending * b.interval);
  }
  if (++syncs_since_cleanup_ >= 60) {
    syncs_since_cleanup_ = 0;
    if (auto d = store::delete_idle_rate_limit_state(*shared_, t - 3600LL * 1'000'000); !d)
      result = std::unexpected(d.error());
  }
  return result;
}

}  // namespace bs::auth
