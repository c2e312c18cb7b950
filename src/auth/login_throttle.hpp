// Login brute-force throttling: failures counted per account and per client IP in sliding windows.
// In memory: each instance throttles what it sees (coordination across instances is issue #8's).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace bs::auth {

struct ThrottleLimits {
  int max_failures;
  std::int64_t window_seconds;
};

class LoginThrottle {
 public:
  LoginThrottle(ThrottleLimits per_account, ThrottleLimits per_ip);

  // Seconds until the next attempt is allowed, 0 when allowed now.
  std::int64_t retry_after(const std::string& account, const std::string& ip, std::int64_t now);
  void record_failure(const std::string& account, const std::string& ip, std::int64_t now);
  void record_success(const std::string& account);

 private:
  std::int64_t wait_for(std::deque<std::int64_t>& failures, const ThrottleLimits& limits, std::int64_t now);
  void prune(std::int64_t now);

  ThrottleLimits account_limits_;
  ThrottleLimits ip_limits_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<std::int64_t>> accounts_;
  std::unordered_map<std::string, std::deque<std::int64_t>> ips_;
  std::int64_t last_prune_ = 0;
};

}  // namespace bs::auth
