// GET /metrics: per-route request counts, latencies and error codes, plus the domain counters,
// the database pool and the process, in the Prometheus text exposition format 0.0.4.
// Recording is lock-free: every series is an atomic allocated when the routes are registered.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "common/metrics.hpp"
#include "http/router.hpp"
#include "store/database.hpp"

namespace bs::http {

// Connection-level counters the network threads update.
struct ServerCounters {
  std::atomic<std::int64_t> connections_active{0};
  metrics::Counter connections_rejected{0};   // over max_connections
  metrics::Counter request_read_timeouts{0};  // slow or stalled request reads, cut off
  metrics::Counter malformed_requests{0};     // 400 / 413 / 431 from the parser
};
ServerCounters& server_counters();

class HttpMetrics {
 public:
  explicit HttpMetrics(const std::vector<Router::RouteInfo>& routes);
  HttpMetrics(const HttpMetrics&) = delete;
  HttpMetrics& operator=(const HttpMetrics&) = delete;

  void record(int route_index, int status, std::optional<ErrorCode> error, std::int64_t micros);
  std::string render(const store::PoolStats& pool) const;

  static constexpr std::size_t kErrorCodes = static_cast<std::size_t>(ErrorCode::service_unavailable) + 1;

 private:
  struct RouteSeries {
    std::string method;
    std::string pattern;
    std::array<metrics::Counter, 500> by_status{};  // status - 100
    std::array<metrics::Counter, kErrorCodes> by_error{};
    metrics::Histogram latency;
  };
  std::vector<std::unique_ptr<RouteSeries>> routes_;  // the last one: requests no route matched
};

// The 200 answer of GET /metrics.
Response metrics_response(HttpMetrics& metrics, store::Database& db);

}  // namespace bs::http
