// One PostgreSQL connection per network thread, in libpq's pipeline mode and driven by that thread's
// event loop (common/event_loop.hpp): a read is sent at once and its rows handed to a callback when
// they arrive, so the thread serves its other connections meanwhile instead of handing the request
// to a worker that blocks in libpq. Reads that arrive together leave in one write and come back
// in one read. Every statement is followed by its own Sync, so one failing statement fails alone.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "common/event_loop.hpp"
#include "store/postgres_common.hpp"

namespace bs::store::detail {

// What the pipelines of one database share with it (and keep alive while they exist).
struct PipelineShared {
  ConnParams params;
  std::atomic<std::int64_t> reads{0};
};

class PgPipeline : public std::enable_shared_from_this<PgPipeline> {
 public:
  PgPipeline(EventLoop& loop, std::shared_ptr<PipelineShared> shared);
  ~PgPipeline();
  PgPipeline(const PgPipeline&) = delete;
  PgPipeline& operator=(const PgPipeline&) = delete;

  // Database::query_async on this loop. Takes done (and calls it later, exactly once) only when it
  // returns true; false while not connected (a connection attempt is started, at most one a
  // second), or with too many reads in flight.
  bool submit(std::string_view sql, std::span<const Value> params, std::function<void(Result<Rows>)>& done);

 private:
  enum class State { disconnected, connecting, ready };
  struct Pending {
    enum class Kind { prepare, query, sync } kind;
    std::function<void(Result<Rows>)> done;  // query only
    std::string statement_key;               // prepare only: forgotten if preparing fails
    ResultPtr result{nullptr, &PQclear};
  };

  void start_connecting();
  // On the loop, with what the connecting thread of that generation left in connected_.
  void adopt(std::uint64_t generation);
  void flush();
  void arm_read();
  // Waits for the socket to be ready for `what` (armed is set meanwhile), then runs then.
  void watch(EventLoop::Readiness what, bool PgPipeline::*armed, void (PgPipeline::*then)());
  void on_readable();
  void deliver_results();
  void complete(Pending item);
  // Closes the connection; every read in flight fails with `error` (posted, never called here).
  void lose(const Error& error);
  static void on_notice(void* self, const PGresult* res);

  // Beyond this many reads in flight, more go to the workers' pool: a bound on how many requests
  // wait behind one slow statement (PostgreSQL runs a connection's statements in order).
  static constexpr std::size_t kMaxInFlight = 256;
  static constexpr std::size_t kMaxPreparedStatements = 256;

  EventLoop& loop_;
  std::shared_ptr<PipelineShared> shared_;
  PGconn* conn_ = nullptr;
  int fd_ = -1;
  State state_ = State::disconnected;
  std::uint64_t generation_ = 0;  // one per connection: waits of an earlier one are ignored
  std::chrono::steady_clock::time_point retry_after_{};
  std::deque<Pending> pending_;  // what the server owes, in order
  std::size_t queries_in_flight_ = 0;
  std::unordered_map<std::string, std::string> prepared_;  // statement key -> name
  std::uint64_t next_statement_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool server_ended_session_ = false;  // a FATAL notice arrived
  std::thread connector_;              // the connection attempt in progress, if any
  std::mutex connected_mutex_;
  PGconn* connected_ = nullptr;  // what connector_ made, until adopted
  // Why the statement awaiting its result was aborted: preparing it failed (until the next Sync).
  std::optional<Error> prepare_failure_;
};

}  // namespace bs::store::detail
