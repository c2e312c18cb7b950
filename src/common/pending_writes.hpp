// Writes another thread completes later (token records in a group commit), awaited without blocking:
// whoever must not answer before they are durable attaches a continuation instead of waiting. The
// HTTP server uses it to write a token response only once its record is committed, while the network
// thread goes on serving other connections.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "common/errors.hpp"

namespace bs {

class PendingWrites : public std::enable_shared_from_this<PendingWrites> {
 public:
  // One more outstanding write; the returned callback settles it (exactly once, from any thread).
  std::function<void(Status)> expect();
  // Runs `then` once every expected write is settled (at once, on this thread, when none is left),
  // with the first failure if any failed. At most one continuation.
  void when_settled(std::function<void(Status)> then);
  bool empty() const;

 private:
  void settle(Status outcome);

  mutable std::mutex mutex_;
  int outstanding_ = 0;
  Status outcome_;
  std::function<void(Status)> then_;
};

}  // namespace bs
