#include "common/metrics.hpp"

namespace bs::metrics {

void Histogram::observe_micros(std::int64_t micros) {
  const double seconds = static_cast<double>(micros) / 1e6;
  std::size_t i = 0;
  while (i < kLatencyBuckets.size() && seconds > kLatencyBuckets[i]) ++i;
  increment(buckets_[i]);
  increment(count_);
  increment(sum_micros_, static_cast<std::uint64_t>(micros < 0 ? 0 : micros));
}

std::uint64_t Histogram::cumulative(std::size_t i) const {
  std::uint64_t total = 0;
  for (std::size_t b = 0; b <= i && b < buckets_.size(); ++b)
    total += buckets_[b].load(std::memory_order_relaxed);
  return total;
}

Grant grant_of(std::string_view grant_type) {
  if (grant_type == "authorization_code") return Grant::authorization_code;
  if (grant_type == "client_credentials") return Grant::client_credentials;
  if (grant_type == "refresh_token") return Grant::refresh_token;
  return Grant::other;
}

DomainCounters& domain() {
  static DomainCounters counters;
  return counters;
}

}  // namespace bs::metrics
