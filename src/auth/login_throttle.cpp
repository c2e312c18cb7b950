#include "auth/login_throttle.hpp"

#include <algorithm>

namespace bs::auth {

LoginThrottle::LoginThrottle(ThrottleLimits per_account, ThrottleLimits per_ip)
    : account_limits_(per_account), ip_limits_(per_ip) {}

std::int64_t LoginThrottle::wait_for(std::deque<std::int64_t>& failures, const ThrottleLimits& limits,
                                     std::int64_t now) {
  while (!failures.empty() && failures.front() <= now - limits.window_seconds) failures.pop_front();
  if (static_cast<int>(failures.size()) < limits.max_failures) return 0;
  // Allowed again when enough of the oldest failures have left the window.
  auto oldest_that_must_expire = failures[failures.size() - static_cast<std::size_t>(limits.max_failures)];
  return std::max<std::int64_t>(1, oldest_that_must_expire + limits.window_seconds - now);
}

std::int64_t LoginThrottle::retry_after(const std::string& account, const std::string& ip, std::int64_t now) {
  std::lock_guard lock(mutex_);
  prune(now);
  std::int64_t wait = 0;
  if (auto it = accounts_.find(account); it != accounts_.end())
    wait = std::max(wait, wait_for(it->second, account_limits_, now));
  if (auto it = ips_.find(ip); it != ips_.end()) wait = std::max(wait, wait_for(it->second, ip_limits_, now));
  return wait;
}

void LoginThrottle::record_failure(const std::string& account, const std::string& ip, std::int64_t now) {
  std::lock_guard lock(mutex_);
  accounts_[account].push_back(now);
  ips_[ip].push_back(now);
}

void LoginThrottle::record_success(const std::string& account) {
  std::lock_guard lock(mutex_);
  accounts_.erase(account);
}

void LoginThrottle::prune(std::int64_t now) {
  // Bound memory: drop entries whose failures have all left their window, at most once a minute.
  if (now - last_prune_ < 60) return;
  last_prune_ = now;
  auto sweep = [now](auto& map, const ThrottleLimits& limits) {
    for (auto it = map.begin(); it != map.end();) {
      if (it->second.empty() || it->second.back() <= now - limits.window_seconds) {
        it = map.erase(it);
      } else {
        ++it;
      }
    }
  };
  sweep(accounts_, account_limits_);
  sweep(ips_, ip_limits_);
}

}  // namespace bs::auth
