// Group commit for token records: callers hand over a record and wait until it is committed, but
// one writer thread commits everything that queued up meanwhile in a single transaction. So every
// acknowledged token is durable, and the cost of a commit (an fsync on SQLite) is shared by a batch.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/errors.hpp"
#include "store/database.hpp"
#include "store/oauth_models.hpp"

namespace bs::oauth {

class TokenRecorder {
 public:
  explicit TokenRecorder(store::Database& db, std::size_t max_batch = 1024);
  ~TokenRecorder();
  TokenRecorder(const TokenRecorder&) = delete;
  TokenRecorder& operator=(const TokenRecorder&) = delete;

  // Returns once the record is committed (or the batch holding it failed).
  Status record(store::OAuthToken token);
  // Returns at once; `done` runs on the writer thread once the batch holding the record is settled.
  // It must not block: it only hands the outcome on.
  void record_async(store::OAuthToken token, std::function<void(Status)> done);

 private:
  void run();

  store::Database& db_;
  const std::size_t max_batch_;
  std::mutex mutex_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  struct Queued {
    store::OAuthToken token;
    std::function<void(Status)> done;  // empty for a caller blocked in record()
  };
  std::vector<Queued> pending_;
  std::uint64_t next_batch_ = 1;                           // the batch that records queued now will belong to
  std::uint64_t finished_batch_ = 0;                       // every batch up to this one is settled
  std::vector<std::pair<std::uint64_t, Error>> failures_;  // recent failed batches
  bool stop_ = false;
  std::thread writer_;
};

}  // namespace bs::oauth
