// Private to src/store: the driver constructors open_database() dispatches to, and helpers shared
// by both drivers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace bs::store::detail {

// path is a file path, or an SQLite URI when uri is true (used for shared-cache in-memory databases).
Result<std::unique_ptr<Database>> open_sqlite(const std::string& path, bool uri,
                                              const DatabaseOptions& options);

// url is a libpq connection URI ("postgresql://..." or "postgres://...").
Result<std::unique_ptr<Database>> open_postgres(const std::string& url, const DatabaseOptions& options);

// A fixed set of connections handed to one thread at a time. Waiting is bounded so that a
// saturated or deadlocked pool turns into service_unavailable instead of a hung request.
template <class Conn>
class Pool {
 public:
  // Returns the connection to the pool when destroyed.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Conn> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() {
      if (conn_) pool_->release(std::move(conn_));
    }
    Conn& operator*() const { return *conn_; }
    Conn* operator->() const { return conn_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Conn> conn_;
  };

  void add(std::unique_ptr<Conn> conn) {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(conn));
    ++size_;
    cv_.notify_one();
  }

  Result<Lease> acquire(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    if (idle_.empty()) ++waits_;
    if (!cv_.wait_for(lock, timeout, [&] { return !idle_.empty(); })) {
      ++timeouts_;
      return fail(ErrorCode::service_unavailable, "database connection pool exhausted");
    }
    // Most recently used first: its caches are warm and it is the least likely to have gone stale.
    std::unique_ptr<Conn> conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }

  // An idle connection if there is one, without waiting (work that must never block its thread).
  std::optional<Lease> try_acquire() {
    std::lock_guard lock(mu_);
    if (idle_.empty()) return std::nullopt;
    std::unique_ptr<Conn> conn = std::move(idle_.back());
    idle_.pop_back();
    return std::optional<Lease>(std::in_place, this, std::move(conn));
  }

  PoolStats stats() {
    std::lock_guard lock(mu_);
    return {size_, size_ - static_cast<std::int64_t>(idle_.size()), waits_, timeouts_};
  }

 private:
  void release(std::unique_ptr<Conn> conn) {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(conn));
    cv_.notify_one();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> idle_;
  std::int64_t size_ = 0;
  std::int64_t waits_ = 0;     // acquisitions that found no idle connection
  std::int64_t timeouts_ = 0;  // of those, the ones that gave up
};

}  // namespace bs::store::detail
