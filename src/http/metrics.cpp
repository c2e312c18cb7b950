#include "http/metrics.hpp"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <fstream>

#include "auth/rate_limits.hpp"

namespace bs::http {

namespace {

// A label value: backslash, double quote and line feed escaped (exposition format 0.0.4).
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// The shortest text that reads back as v ("0.05", not "0.050000000000000003").
std::string number(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : "NaN";
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, std::string_view name, const std::string& labels, std::string_view value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

std::uint64_t load(const metrics::Counter& c) {
  return c.load(std::memory_order_relaxed);
}

std::int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::int64_t pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return -1;
  return resident * sysconf(_SC_PAGESIZE);
}

std::int64_t open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return -1;
  std::int64_t n = 0;
  while (auto* entry = readdir(dir))
    if (entry->d_name[0] != '.') ++n;
  closedir(dir);
  return n - 1;  // the directory stream's own descriptor
}

}  // namespace

ServerCounters& server_counters() {
  static ServerCounters counters;
  return counters;
}

HttpMetrics::HttpMetrics(const std::vector<Router::RouteInfo>& routes) {
  for (const auto& r : routes) {
    routes_.push_back(std::make_unique<RouteSeries>());
    routes_.back()->method = r.method;
    routes_.back()->pattern = r.pattern;
  }
  routes_.push_back(std::make_unique<RouteSeries>());
  routes_.back()->method = "";
  routes_.back()->pattern = "unmatched";
}

void HttpMetrics::record(int route_index, int status, std::optional<ErrorCode> error, std::int64_t micros) {
  auto& series = route_index >= 0 && static_cast<std::size_t>(route_index) + 1 < routes_.size()
                     ? *routes_[static_cast<std::size_t>(route_index)]
                     : *routes_.back();
  if (status >= 100 && status < 600)
    metrics::increment(series.by_status[static_cast<std::size_t>(status - 100)]);
  if (error) metrics::increment(series.by_error[static_cast<std::size_t>(*error)]);
  series.latency.observe_micros(micros);
}

std::string HttpMetrics::render(const store::PoolStats& pool) const {
  std::string out;
  out.reserve(16384);
  auto route_labels = [](const RouteSeries& s) {
    return "method=\"" + label(s.method) + "\",route=\"" + label(s.pattern) + "\"";
  };

  header(out, "badgeserver_http_requests_total", "counter",
         "HTTP requests answered, by route pattern and status.");
  for (const auto& s : routes_) {
    for (std::size_t i = 0; i < s->by_status.size(); ++i) {
      if (auto n = load(s->by_status[i]); n > 0)
        sample(out, "badgeserver_http_requests_total",
               route_labels(*s) + ",status=\"" + std::to_string(i + 100) + "\"", std::to_string(n));
    }
  }

  header(out, "badgeserver_http_errors_total", "counter", "Error answers, by route pattern and error code.");
  for (const auto& s : routes_) {
    for (std::size_t i = 0; i < s->by_error.size(); ++i) {
      if (auto n = load(s->by_error[i]); n > 0)
        sample(
            out, "badgeserver_http_errors_total",
            route_labels(*s) + ",error=\"" + std::string(error_code_name(static_cast<ErrorCode>(i))) + "\"",
            std::to_string(n));
    }
  }

  header(out, "badgeserver_http_request_duration_seconds", "histogram",
         "Time from a parsed request to its answer, by route pattern.");
  for (const auto& s : routes_) {
    if (s->latency.count() == 0) continue;
    const auto labels = route_labels(*s);
    for (std::size_t i = 0; i <= metrics::kLatencyBuckets.size(); ++i) {
      const std::string le =
          i < metrics::kLatencyBuckets.size() ? number(metrics::kLatencyBuckets[i]) : "+Inf";
      sample(out, "badgeserver_http_request_duration_seconds_bucket", labels + ",le=\"" + le + "\"",
             std::to_string(s->latency.cumulative(i)));
    }
    sample(out, "badgeserver_http_request_duration_seconds_sum", labels, number(s->latency.sum_seconds()));
    sample(out, "badgeserver_http_request_duration_seconds_count", labels,
           std::to_string(s->latency.count()));
  }

  const auto& d = metrics::domain();
  header(out, "badgeserver_tokens_issued_total", "counter", "OAuth token responses, by grant type.");
  for (std::size_t i = 0; i < metrics::kGrantNames.size(); ++i)
    sample(out, "badgeserver_tokens_issued_total", "grant=\"" + std::string(metrics::kGrantNames[i]) + "\"",
           std::to_string(load(d.tokens_issued[i])));
  header(out, "badgeserver_tokens_revoked_total", "counter", "OAuth tokens revoked.");
  sample(out, "badgeserver_tokens_revoked_total", "", std::to_string(load(d.tokens_revoked)));
  header(out, "badgeserver_login_failures_total", "counter", "Failed logins (bad email or password).");
  sample(out, "badgeserver_login_failures_total", "", std::to_string(load(d.login_failures)));
  header(out, "badgeserver_account_lockouts_total", "counter", "Account lockouts started by failed logins.");
  sample(out, "badgeserver_account_lockouts_total", "", std::to_string(load(d.account_lockouts)));
  header(out, "badgeserver_rate_limited_total", "counter", "Requests refused with 429, by rate limit.");
  for (std::size_t e = 0; e < auth::kLimitedEndpoints; ++e) {
    for (bool per_client : {false, true}) {
      const auto endpoint = static_cast<auth::LimitedEndpoint>(e);
      // Login and registration have no client: those are per IP only.
      if (per_client && !auth::quota_endpoint(auth::endpoint_name(endpoint))) continue;
      sample(out, "badgeserver_rate_limited_total",
             "limit=\"" + auth::limit_name(endpoint, per_client) + "\"",
             std::to_string(load(d.rate_limited[auth::limit_index(endpoint, per_client)])));
    }
  }

  const auto& c = server_counters();
  header(out, "badgeserver_http_connections", "gauge", "Open client connections.");
  sample(out, "badgeserver_http_connections", "", std::to_string(c.connections_active.load()));
  header(out, "badgeserver_http_connections_rejected_total", "counter",
         "Connections refused over the max_connections limit.");
  sample(out, "badgeserver_http_connections_rejected_total", "",
         std::to_string(load(c.connections_rejected)));
  header(out, "badgeserver_http_request_read_timeouts_total", "counter",
         "Requests cut off because they were not read in time (slowloris).");
  sample(out, "badgeserver_http_request_read_timeouts_total", "",
         std::to_string(load(c.request_read_timeouts)));
  header(out, "badgeserver_http_malformed_requests_total", "counter",
         "Requests the HTTP parser refused (400, 413, 431).");
  sample(out, "badgeserver_http_malformed_requests_total", "", std::to_string(load(c.malformed_requests)));

  header(out, "badgeserver_db_pool_size", "gauge", "Database connections in the pool.");
  sample(out, "badgeserver_db_pool_size", "", std::to_string(pool.size));
  header(out, "badgeserver_db_pool_in_use", "gauge", "Database connections checked out.");
  sample(out, "badgeserver_db_pool_in_use", "", std::to_string(pool.in_use));
  header(out, "badgeserver_db_pool_waits_total", "counter", "Checkouts that had to wait for a connection.");
  sample(out, "badgeserver_db_pool_waits_total", "", std::to_string(pool.waits));
  header(out, "badgeserver_db_pool_timeouts_total", "counter", "Checkouts that gave up waiting.");
  sample(out, "badgeserver_db_pool_timeouts_total", "", std::to_string(pool.timeouts));
  header(out, "badgeserver_db_async_reads_total", "counter",
         "Reads sent down a network thread's PostgreSQL pipeline instead of a pooled connection.");
  sample(out, "badgeserver_db_async_reads_total", "", std::to_string(pool.async_reads));
  if (pool.write_commits > 0) {  // SQLite's group commit
    header(out, "badgeserver_db_write_transactions_total", "counter",
           "Write transactions committed (SQLite group commit).");
    sample(out, "badgeserver_db_write_transactions_total", "", std::to_string(pool.write_transactions));
    header(out, "badgeserver_db_write_commits_total", "counter",
           "Commits (fsyncs) that carried them: transactions / commits is the mean batch.");
    sample(out, "badgeserver_db_write_commits_total", "", std::to_string(pool.write_commits));
  }

  if (auto rss = resident_bytes(); rss >= 0) {
    header(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    sample(out, "process_resident_memory_bytes", "", std::to_string(rss));
  }
  if (auto fds = open_fds(); fds >= 0) {
    header(out, "process_open_fds", "gauge", "Open file descriptors.");
    sample(out, "process_open_fds", "", std::to_string(fds));
  }
  return out;
}

}  // namespace bs::http
