#include "common/pending_writes.hpp"

namespace bs {

std::function<void(Status)> PendingWrites::expect() {
  {
    std::lock_guard lock(mutex_);
    ++outstanding_;
  }
  return [self = shared_from_this()](Status outcome) { self->settle(std::move(outcome)); };
}

void PendingWrites::settle(Status outcome) {
  std::function<void(Status)> then;
  Status result;
  {
    std::lock_guard lock(mutex_);
    if (!outcome && outcome_) outcome_ = std::move(outcome);
    if (--outstanding_ > 0 || !then_) return;
    then = std::move(then_);
    result = outcome_;
  }
  then(std::move(result));
}

void PendingWrites::when_settled(std::function<void(Status)> then) {
  Status result;
  {
    std::lock_guard lock(mutex_);
    if (outstanding_ > 0) {
      then_ = std::move(then);
      return;
    }
    result = outcome_;
  }
  then(std::move(result));
}

bool PendingWrites::empty() const {
  std::lock_guard lock(mutex_);
  return outstanding_ == 0;
}

}  // namespace bs
