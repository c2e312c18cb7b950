// Login brute-force throttling: per account, a lockout with exponential back-off after repeated
// failures; per client IP, failures counted in a sliding window.
// In memory: each instance throttles what it sees.
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

// After max_failures consecutive failures (none older than window_seconds apart), the account is
// locked for base_lockout seconds, doubling with every further failure, up to max_lockout.
struct LockoutPolicy {
  int max_failures;
  std::int64_t window_seconds;
  std::int64_t base_lockout = 30;
  std::int64_t max_lockout = 3600;
};

class LoginThrottle {
 public:
  LoginThrottle(LockoutPolicy per_account, ThrottleLimits per_ip);

  // Seconds until the next attempt is allowed, 0 when allowed now.
  std::int64_t retry_after(const std::string& account, const std::string& ip, std::int64_t now);
  // Returns the lockout this failure starts, in seconds (0: none).
  std::int64_t record_failure(const std::string& account, const std::string& ip, std::int64_t now);
  void record_success(const std::string& account);

  // The lockout after `failures` consecutive failures (0 below the threshold).
  std::int64_t lockout_for(int failures) const;

 private:
  struct AccountState {
    int failures = 0;
    std::int64_t last_failure = 0;
    std::int64_t locked_until = 0;
  };
  std::int64_t wait_for(std::deque<std::int64_t>& failures, const ThrottleLimits& limits, std::int64_t now);
  void prune(std::int64_t now);

  LockoutPolicy account_policy_;
  ThrottleLimits ip_limits_;
  std::mutex mutex_;
  std::unordered_map<std::string, AccountState> accounts_;
  std::unordered_map<std::string, std::deque<std::int64_t>> ips_;
  std::int64_t last_prune_ = 0;
};

}  // namespace bs::auth
