#include "auth/login_throttle.hpp"

#include <algorithm>

namespace bs::auth {

LoginThrottle::LoginThrottle(LockoutPolicy per_account, ThrottleLimits per_ip)
    : account_policy_(per_account), ip_limits_(per_ip) {}

std::int64_t LoginThrottle::wait_for(std::deque<std::int64_t>& failures, const ThrottleLimits& limits,
                                     std::int64_t now) {
  while (!failures.empty() && failures.front() <= now - limits.window_seconds) failures.pop_front();
  if (static_cast<int>(failures.size()) < limits.max_failures) return 0;
  // Allowed again when enough of the oldest failures have left the window.
  auto oldest_that_must_expire = failures[failures.size() - static_cast<std::size_t>(limits.max_failures)];
  return std::max<std::int64_t>(1, oldest_that_must_expire + limits.window_seconds - now);
}

std::int64_t LoginThrottle::lockout_for(int failures) const {
  if (failures < account_policy_.max_failures) return 0;
  const int doublings = std::min(failures - account_policy_.max_failures, 40);
  std::int64_t lockout = account_policy_.base_lockout;
  for (int i = 0; i < doublings && lockout < account_policy_.max_lockout; ++i) lockout *= 2;
  return std::min(lockout, account_policy_.max_lockout);
}

std::int64_t LoginThrottle::retry_after(const std::string& account, const std::string& ip, std::int64_t now) {
  std::lock_guard lock(mutex_);
  prune(now);
  std::int64_t wait = 0;
  if (auto it = accounts_.find(account); it != accounts_.end() && it->second.locked_until > now)
    wait = it->second.locked_until - now;
  if (auto it = ips_.find(ip); it != ips_.end()) wait = std::max(wait, wait_for(it->second, ip_limits_, now));
  return wait;
}

std::int64_t LoginThrottle::record_failure(const std::string& account, const std::string& ip,
                                           std::int64_t now) {
  std::lock_guard lock(mutex_);
  ips_[ip].push_back(now);
  AccountState& state = accounts_[account];
  // Failures spread further apart than the window are not a guessing campaign: start over.
  if (state.failures > 0 && now - state.last_failure > account_policy_.window_seconds &&
      state.locked_until <= now)
    state.failures = 0;
  ++state.failures;
  state.last_failure = now;
  const std::int64_t lockout = lockout_for(state.failures);
  if (lockout > 0) state.locked_until = now + lockout;
  return lockout;
}

void LoginThrottle::record_success(const std::string& account) {
  std::lock_guard lock(mutex_);
  accounts_.erase(account);
}

void LoginThrottle::prune(std::int64_t now) {
  // Bound memory: drop entries that no longer matter, at most once a minute.
  if (now - last_prune_ < 60) return;
  last_prune_ = now;
  for (auto it = accounts_.begin(); it != accounts_.end();) {
    const auto& s = it->second;
    if (s.locked_until <= now && s.last_failure <= now - account_policy_.window_seconds) {
      it = accounts_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = ips_.begin(); it != ips_.end();) {
    if (it->second.empty() || it->second.back() <= now - ip_limits_.window_seconds) {
      it = ips_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace bs::auth
