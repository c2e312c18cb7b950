// Process-wide counters for GET /metrics. Increments are relaxed atomics: no lock on any hot path.
// The HTTP layer keeps its per-route counters itself (src/http/metrics.hpp); this file holds what
// the domain counts, so the domain stays free of HTTP types.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

namespace bs::metrics {

using Counter = std::atomic<std::uint64_t>;

inline void increment(Counter& c, std::uint64_t n = 1) {
  c.fetch_add(n, std::memory_order_relaxed);
}

// Latency buckets in seconds, Prometheus' usual defaults; +Inf is implicit.
inline constexpr std::array<double, 11> kLatencyBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                           0.1,   0.25,   0.5,   1.0,  2.5};

class Histogram {
 public:
  void observe_micros(std::int64_t micros);
  // Cumulative count of observations <= kLatencyBuckets[i]; i == size() is +Inf.
  std::uint64_t cumulative(std::size_t i) const;
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum_seconds() const {
    return static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
  }

 private:
  std::array<Counter, kLatencyBuckets.size() + 1> buckets_{};  // non-cumulative; last is > largest bound
  Counter count_{0};
  Counter sum_micros_{0};
};

enum class Grant { authorization_code, client_credentials, refresh_token, other };
inline constexpr std::array<std::string_view, 4> kGrantNames = {"authorization_code", "client_credentials",
                                                                "refresh_token", "other"};
Grant grant_of(std::string_view grant_type);

// The rate limits, one counter each (src/auth/rate_limits.hpp names them).
inline constexpr std::size_t kMaxRateLimits = 16;

struct DomainCounters {
  std::array<Counter, kGrantNames.size()> tokens_issued{};
  Counter tokens_revoked{0};
  Counter login_failures{0};
  Counter account_lockouts{0};
  std::array<Counter, kMaxRateLimits> rate_limited{};
};

DomainCounters& domain();

}  // namespace bs::metrics
