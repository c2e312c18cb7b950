// The storage driver interface: one SQL dialect-neutral API with two real implementations,
// SQLite (embedded default) and PostgreSQL (several instances behind a load balancer).
// Repositories (src/store/*_repo.cpp) are written once against it. SQL uses $1..$N placeholders
// on both drivers; values are NULL, 64-bit integers or text (blobs travel as text: hex/base64).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/errors.hpp"

namespace bs::store {

enum class Dialect { sqlite, postgres };

using Value = std::variant<std::monostate, std::int64_t, std::string>;

inline Value null_value() {
  return Value{};
}
inline Value opt(const std::optional<std::string>& s) {
  return s ? Value{*s} : Value{};
}
inline Value opt(const std::optional<std::int64_t>& i) {
  return i ? Value{*i} : Value{};
}

class Row {
 public:
  explicit Row(std::vector<Value> cells) : cells_(std::move(cells)) {}
  std::size_t size() const { return cells_.size(); }
  bool is_null(std::size_t i) const { return std::holds_alternative<std::monostate>(cells_.at(i)); }
  // Text of a cell (an integer cell is formatted); empty for NULL.
  std::string text(std::size_t i) const;
  // Integer of a cell (a text cell is parsed); 0 for NULL.
  std::int64_t integer(std::size_t i) const;
  std::optional<std::string> opt_text(std::size_t i) const;
  std::optional<std::int64_t> opt_integer(std::size_t i) const;

 private:
  std::vector<Value> cells_;
};

using Rows = std::vector<Row>;

// One connection, used by one thread at a time (inside Database::transaction or a single call).
class Connection {
 public:
  virtual ~Connection() = default;
  // Runs one statement and returns its rows (empty for statements without a result).
  // A unique-constraint violation is ErrorCode::conflict; a lost server is service_unavailable.
  virtual Result<Rows> query(std::string_view sql, std::span<const Value> params = {}) = 0;
  // Runs one statement, returns the number of rows it changed.
  virtual Result<std::int64_t> exec(std::string_view sql, std::span<const Value> params = {}) = 0;
  // Runs a script of several statements without parameters (migrations).
  virtual Status exec_script(std::string_view sql) = 0;
};

// The connection pool, for GET /metrics.
struct PoolStats {
  std::int64_t size = 0;
  std::int64_t in_use = 0;
  std::int64_t waits = 0;     // acquisitions that had to wait for a connection
  std::int64_t timeouts = 0;  // waits that gave up (service_unavailable)
  // SQLite's group commit (zero elsewhere): write transactions committed, and the commits that
  // carried them; transactions / commits is the mean batch.
  std::int64_t write_transactions = 0;
  std::int64_t write_commits = 0;
  // PostgreSQL: reads sent through a network thread's pipeline (query_async), not a pooled connection.
  std::int64_t async_reads = 0;
};

class Database {
 public:
  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;
  virtual PoolStats pool_stats() { return {}; }

  // Runs fn in one transaction on one pooled connection: commits when fn returns a value,
  // rolls back when it returns an error. Retries serialization/busy failures a bounded number of times.
  template <class F>
  auto transaction(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
    using R = decltype(fn(std::declval<Connection&>()));
    std::optional<R> out;
    Status st = run_transaction([&](Connection& c) -> Status {
      out.emplace(fn(c));
      if (!out->has_value()) return std::unexpected(out->error());
      return {};
    });
    if (!st && (!out || out->has_value())) return std::unexpected(st.error());
    return std::move(*out);
  }

  // One statement in its own (auto-commit) transaction.
  virtual Result<Rows> query(std::string_view sql, std::span<const Value> params = {}) = 0;
  virtual Result<std::int64_t> exec(std::string_view sql, std::span<const Value> params = {}) = 0;

  // Runs fn (reads only, no transaction) at once on an idle connection, for a thread that must
  // never wait (a network thread). nullopt when it would have to wait: no idle connection, or a
  // driver whose every statement is a network round trip (PostgreSQL).
  virtual std::optional<Status> read_without_waiting(const std::function<Status(Connection&)>& fn) {
    (void)fn;
    return std::nullopt;
  }

  // Sends one read-only statement from a network thread without waiting for it: done runs later on
  // this thread's event loop (common/event_loop.hpp), never inside this call, with the rows or the
  // error. false (and done dropped, never called) when this thread cannot: no event loop, a driver
  // without asynchronous reads (SQLite: read_without_waiting instead), or no connection ready yet;
  // the caller then does the read on a worker. PostgreSQL keeps one pipelined connection per loop.
  virtual bool query_async(std::string_view sql, std::vector<Value> params,
                           std::function<void(Result<Rows>)> done) {
    (void)sql;
    (void)params;
    (void)done;
    return false;
  }

  // Is the database reachable? (GET /health)
  Status ping() {
    auto r = query("SELECT 1");
    if (!r) return std::unexpected(r.error());
    return {};
  }

  // Runs fn while holding a database-wide exclusive lock named by key (PostgreSQL advisory lock;
  // on SQLite a BEGIN IMMEDIATE transaction), so two server instances never run it at once.
  virtual Status with_exclusive_lock(std::int64_t key, const std::function<Status(Connection&)>& fn) = 0;

  // Like with_exclusive_lock, but never waits: when another session holds the lock, returns false
  // without running fn (periodic work that one instance at a time is enough for: the janitor).
  // On SQLite fn runs at once on a pooled connection without a transaction: every statement takes
  // the single write lock anyway, so two processes never delete the same row twice.
  virtual Result<bool> with_lock_if_free(std::int64_t key, const std::function<Status(Connection&)>& fn) = 0;

 protected:
  virtual Status run_transaction(const std::function<Status(Connection&)>& fn) = 0;
};

struct DatabaseOptions {
  int pool_size = 8;                        // PostgreSQL connections / SQLite reader connections
  std::string sqlite_synchronous = "FULL";  // FULL: a commit survives power loss, not only a crash
  int busy_timeout_ms = 5000;
};

// "sqlite:PATH" (or "sqlite::memory:") or "postgresql://user:pass@host:port/db" ("postgres://" too).
Result<std::unique_ptr<Database>> open_database(const std::string& url, const DatabaseOptions& options = {});

// Current time as Unix seconds; repositories store every timestamp this way on both dialects.
std::int64_t unix_now();

}  // namespace bs::store
