// SQLite driver: a pool of connections to one file in WAL mode (readers never block the writer),
// each with its own prepared-statement cache.
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "store/drivers.hpp"

namespace bs::store::detail {
namespace {

using Clock = std::chrono::steady_clock;

// The same few dozen statements run at a high rate; the bound only matters if a caller builds SQL
// dynamically with unbounded variety.
constexpr std::size_t kStatementCacheSize = 128;

bool is_busy(int rc) {
  return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

Error sqlite_error(sqlite3* db, int rc, std::string_view context = {}) {
  std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (!context.empty()) msg = std::string(context) + ": " + msg;
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_ROWID:
      return Error(ErrorCode::conflict, msg);
    default:
      break;
  }
  // busy_timeout has already been waited out by the time SQLITE_BUSY reaches us.
  if (is_busy(rc)) return Error(ErrorCode::service_unavailable, "database is busy: " + msg);
  // The storage itself refuses (read-only file or directory, full disk, I/O failure): the request
  // was sound and nothing was written, so it is an outage the operator must fix, said plainly.
  switch (rc & 0xff) {
    case SQLITE_READONLY:
      return Error(ErrorCode::service_unavailable, "database is read-only");
    case SQLITE_FULL:
      return Error(ErrorCode::service_unavailable, "database disk is full");
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN: {
      const int os_error = db ? sqlite3_system_errno(db) : 0;
      if (os_error == EROFS || os_error == EACCES || os_error == EPERM)
        return Error(ErrorCode::service_unavailable, "database is read-only");
      if (os_error == ENOSPC || os_error == EDQUOT)
        return Error(ErrorCode::service_unavailable, "database disk is full");
      return Error(ErrorCode::service_unavailable, "database storage error: " + msg);
    }
    default:
      break;
  }
  return Error(ErrorCode::internal_error, "sqlite: " + msg);
}

bool only_separators(const char* p) {
  for (; *p; ++p) {
    if (!std::isspace(static_cast<unsigned char>(*p)) && *p != ';') return false;
  }
  return true;
}

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(sqlite3* db, int busy_timeout_ms) : db_(db), busy_timeout_(busy_timeout_ms) {}
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection() override {
    for (auto& c : lru_) sqlite3_finalize(c.stmt);
    sqlite3_close_v2(db_);
  }

  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

  Result<Rows> query(std::string_view sql, std::span<const Value> params) override {
    Rows rows;
    if (auto st = run(sql, params, &rows); !st) return std::unexpected(st.error());
    return rows;
  }

  // Runs the statement if it only reads (sqlite3_stmt_readonly); nullopt, without running it, if
  // it writes. One that does not prepare answers its error.
  std::optional<Result<Rows>> query_if_reading(std::string_view sql, std::span<const Value> params) {
    auto prepared = prepare(sql);
    if (!prepared) return Result<Rows>(std::unexpected(prepared.error()));
    if (sqlite3_stmt_readonly((*prepared)->stmt) == 0) return std::nullopt;
    Rows rows;
    if (auto st = run_prepared(**prepared, params, &rows); !st)
      return Result<Rows>(std::unexpected(st.error()));
    return Result<Rows>(std::move(rows));
  }

  Result<std::int64_t> exec(std::string_view sql, std::span<const Value> params) override {
    // sqlite3_changes64 keeps the count of the last INSERT/UPDATE/DELETE, even when this statement
    // was DDL or a SELECT; an unchanged total says this one changed nothing.
    const auto before = sqlite3_total_changes64(db_);
    if (auto st = run(sql, params, nullptr); !st) return std::unexpected(st.error());
    return sqlite3_total_changes64(db_) == before ? 0 : sqlite3_changes64(db_);
  }

  Status exec_script(std::string_view sql) override {
    std::string text(sql);
    char* errmsg = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &errmsg);
    sqlite3_free(errmsg);  // sqlite3_errmsg() below reports the same message
    if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, sqlite3_extended_errcode(db_)));
    return ok();
  }

 private:
  struct Cached {
    std::string sql;
    sqlite3_stmt* stmt;
    // slot[i]: SQLite's index of parameter "$<i+1>", 0 when the statement does not use it. Looked
    // up once here: sqlite3_bind_parameter_index is a linear search, so binding by name on every
    // call is quadratic in the parameter count (multi-row INSERTs have thousands).
    std::vector<int> slot;
  };

  // Shared-cache (in-memory) connections report SQLITE_LOCKED instead of waiting in the busy
  // handler, so wait for those here, as long as busy_timeout would have.
  template <class F>
  int with_lock_retry(F&& attempt) {
    const auto deadline = Clock::now() + busy_timeout_;
    for (;;) {
      int rc = attempt();
      if ((rc & 0xff) != SQLITE_LOCKED || Clock::now() >= deadline) return rc;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  Result<const Cached*> prepare(std::string_view sql) {
    if (auto it = index_.find(sql); it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return &*it->second;
    }
    std::string text(sql);
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = with_lock_retry([&] {
      return sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size() + 1),
                                SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    });
    if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc));
    if (!stmt) return fail(ErrorCode::internal_error, "sqlite: empty statement");
    // The PostgreSQL driver cannot run several statements with parameters either; keep them alike.
    if (tail && !only_separators(tail)) {
      sqlite3_finalize(stmt);
      return fail(ErrorCode::internal_error, "sqlite: query/exec take a single statement");
    }
    lru_.push_front(Cached{std::move(text), stmt, parameter_slots(stmt)});
    index_.emplace(std::string_view(lru_.front().sql), lru_.begin());
    if (lru_.size() > kStatementCacheSize) {
      index_.erase(std::string_view(lru_.back().sql));
      sqlite3_finalize(lru_.back().stmt);
      lru_.pop_back();
    }
    return &lru_.front();
  }

  // By name, so "$2 ... $1" binds the way PostgreSQL does, whatever the order of appearance.
  static std::vector<int> parameter_slots(sqlite3_stmt* stmt) {
    const int count = sqlite3_bind_parameter_count(stmt);
    std::vector<int> slot(static_cast<std::size_t>(count), 0);
    for (int idx = 1; idx <= count; ++idx) {
      const char* name = sqlite3_bind_parameter_name(stmt, idx);
      if (!name || name[0] != '$' || name[1] == '0') continue;  // exactly "$<N>", as PostgreSQL
      std::size_t n = 0;
      const char* end = name + std::char_traits<char>::length(name);
      auto [p, ec] = std::from_chars(name + 1, end, n);
      if (ec == std::errc() && p == end && n >= 1 && n <= slot.size()) slot[n - 1] = idx;
    }
    return slot;
  }

  Status bind(const Cached& cached, std::span<const Value> params) {
    sqlite3_stmt* stmt = cached.stmt;
    const int count = sqlite3_bind_parameter_count(stmt);
    if (static_cast<std::size_t>(count) != params.size()) {
      return fail(ErrorCode::internal_error, "sqlite: statement takes " + std::to_string(count) +
                                                 " parameters, " + std::to_string(params.size()) + " given");
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int idx = cached.slot[i];
      if (idx == 0) {
        // (snprintf, not "$" + to_string: GCC 12 -O2 reports a false -Wrestrict on the latter.)
        char name[24];
        std::snprintf(name, sizeof name, "$%zu", i + 1);
        return fail(ErrorCode::internal_error,
                    "sqlite: statement does not use parameter " + std::string(name));
      }
      int rc = SQLITE_OK;
      const Value& v = params[i];
      if (const auto* n = std::get_if<std::int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt, idx, *n);
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        // SQLITE_STATIC: params outlive the statement's use; run() resets before returning.
        rc = sqlite3_bind_text64(stmt, idx, s->data(), s->size(), SQLITE_STATIC, SQLITE_UTF8);
      } else {
        rc = sqlite3_bind_null(stmt, idx);
      }
      if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc));
    }
    return ok();
  }

  static Value column(sqlite3_stmt* stmt, int i) {
    switch (sqlite3_column_type(stmt, i)) {
      case SQLITE_NULL:
        return Value{};
      case SQLITE_INTEGER:
        return Value{static_cast<std::int64_t>(sqlite3_column_int64(stmt, i))};
      default: {
        // TEXT, BLOB and FLOAT all come back as text; the schema stores no floats.
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        const int len = sqlite3_column_bytes(stmt, i);
        return Value{p ? std::string(p, static_cast<std::size_t>(len)) : std::string()};
      }
    }
  }

  Status run(std::string_view sql, std::span<const Value> params, Rows* out) {
    auto prepared = prepare(sql);
    if (!prepared) return std::unexpected(prepared.error());
    return run_prepared(**prepared, params, out);
  }

  Status run_prepared(const Cached& prepared, std::span<const Value> params, Rows* out) {
    sqlite3_stmt* stmt = prepared.stmt;
    // A cached statement must be reset (and unbound) before the next use, whatever happens here.
    struct Reset {
      sqlite3_stmt* s;
      ~Reset() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{stmt};
    if (auto st = bind(prepared, params); !st) return st;

    const int ncols = sqlite3_column_count(stmt);
    // Shared-cache connections report SQLITE_LOCKED instead of waiting in the busy handler. Only
    // the first step may be retried: retrying after rows were collected would repeat them.
    const auto deadline = Clock::now() + busy_timeout_;
    bool produced = false;
    int rc = SQLITE_OK;
    for (;;) {
      rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) {
        produced = true;
        if (!out) continue;
        std::vector<Value> cells;
        cells.reserve(static_cast<std::size_t>(ncols));
        for (int i = 0; i < ncols; ++i) cells.push_back(column(stmt, i));
        out->emplace_back(std::move(cells));
        continue;
      }
      if ((rc & 0xff) == SQLITE_LOCKED && !produced && Clock::now() < deadline) {
        sqlite3_reset(stmt);  // keeps the bindings
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      break;
    }
    if (rc != SQLITE_DONE) return std::unexpected(sqlite_error(db_, rc));
    return ok();
  }

  sqlite3* db_;
  std::chrono::milliseconds busy_timeout_;
  std::list<Cached> lru_;                                                    // most recently used first
  std::unordered_map<std::string_view, std::list<Cached>::iterator> index_;  // keys view into lru_
};

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(int busy_timeout_ms) : timeout_(std::max(busy_timeout_ms, 1000)) {}

  void add(std::unique_ptr<SqliteConnection> c) { pool_.add(std::move(c)); }

  Dialect dialect() const override { return Dialect::sqlite; }

  Result<Rows> query(std::string_view sql, std::span<const Value> params) override {
    {
      auto lease = checkout();
      if (!lease) return std::unexpected(lease.error());
      if (auto read = (*lease)->query_if_reading(sql, params)) return std::move(*read);
    }
    // A statement that writes (INSERT ... RETURNING, UPDATE ... RETURNING) is a write transaction of
    // its own, in the group commit like every other writer, not a commit of its own on the side.
    return transaction([&](Connection& c) { return c.query(sql, params); });
  }

  // A statement that changes rows is a write transaction of its own: it joins the group commit.
  Result<std::int64_t> exec(std::string_view sql, std::span<const Value> params) override {
    return transaction([&](Connection& c) { return c.exec(sql, params); });
  }

  // In WAL mode a reader takes no lock that a writer holds, and the pages it reads are in the
  // page cache in the common case, so a read on a network thread costs what its statement does.
  std::optional<Status> read_without_waiting(const std::function<Status(Connection&)>& fn) override {
    auto lease = pool_.try_acquire();
    if (!lease) return std::nullopt;
    if ((**lease).in_transaction()) (void)(**lease).exec("ROLLBACK", {});
    return fn(**lease);
  }

  // SQLite has one writer at a time, so holding the write lock is a database-wide lock already.
  Status with_exclusive_lock(std::int64_t, const std::function<Status(Connection&)>& fn) override {
    return run_transaction(fn);
  }

  // Background work (the janitor) writes batch by batch: each of its statements is a transaction
  // of its own in the group commit, so a long run never holds the write lock between two batches.
  Result<bool> with_lock_if_free(std::int64_t, const std::function<Status(Connection&)>& fn) override {
    auto lease = checkout();
    if (!lease) return std::unexpected(lease.error());
    WriterQueued queued(**lease, *this);
    if (auto st = fn(queued); !st) return std::unexpected(st.error());
    return true;
  }

 protected:
  // Group commit. SQLite has one writer at a time and each commit costs an fsync (synchronous=FULL),
  // so one commit per transaction caps every write path at the disk's fsync rate. Writers of this
  // process queue here instead; whoever finds no batch running leads the next one: it runs every
  // queued transaction in one BEGIN IMMEDIATE ... COMMIT, each inside its own savepoint (one that
  // fails is rolled back alone and gets its own error), and wakes the others once the commit is
  // settled. No one is told "committed" before the commit is durable, and a failed commit fails
  // every transaction of the batch. A queued writer waits at most busy_timeout for a batch to take
  // it, as it waited for SQLite's lock before.
  Status run_transaction(const std::function<Status(Connection&)>& fn) override {
    QueuedTransaction me{&fn};
    std::unique_lock lock(group_mutex_);
    queue_.push_back(&me);
    const auto deadline = Clock::now() + timeout_;
    for (;;) {
      while (!me.done && batch_running_) {
        if (group_cv_.wait_until(lock, deadline) != std::cv_status::timeout || me.done || !batch_running_)
          continue;
        auto queued = std::find(queue_.begin(), queue_.end(), &me);
        if (queued != queue_.end()) {  // not taken by a batch yet: give up
          queue_.erase(queued);
          return fail(ErrorCode::service_unavailable,
                      "database is busy: timed out waiting for the write lock");
        }
        group_cv_.wait(lock, [&] { return me.done; });  // a batch holds it: wait for its outcome
      }
      if (me.done) return me.result;
      // No batch running: this writer leads the next one, the oldest writers first.
      batch_running_ = true;
      const auto n = static_cast<std::ptrdiff_t>(std::min(queue_.size(), kMaxBatch));
      std::vector<QueuedTransaction*> batch(queue_.begin(), queue_.begin() + n);
      queue_.erase(queue_.begin(), queue_.begin() + n);
      lock.unlock();
      run_batch(batch);
      lock.lock();
      std::int64_t committed = 0;
      for (QueuedTransaction* t : batch) {
        t->done = true;
        committed += t->result ? 1 : 0;
      }
      write_transactions_ += committed;
      write_commits_ += committed > 0 ? 1 : 0;
      batch_running_ = false;
      group_cv_.notify_all();
    }
  }

 private:
  struct QueuedTransaction {
    const std::function<Status(Connection&)>* fn;
    Status result;
    bool done = false;
  };
  // Bounds one batch's work (and so the wait of the writers queued behind it).
  static constexpr std::size_t kMaxBatch = 256;

  static Status run_guarded(const std::function<Status(Connection&)>& fn, Connection& c) {
    try {
      return fn(c);
    } catch (const std::exception& e) {  // must not unwind through the other writers' batch
      return fail(ErrorCode::internal_error, std::string("transaction failed: ") + e.what());
    }
  }

  void run_batch(const std::vector<QueuedTransaction*>& batch) {
    auto fail_all = [&](const Error& e) {
      for (QueuedTransaction* t : batch) t->result = std::unexpected(e);
    };
    auto lease = checkout();
    if (!lease) return fail_all(lease.error());
    SqliteConnection& c = **lease;
    // IMMEDIATE takes the write lock up front: a deferred transaction that reads and then writes can
    // fail with SQLITE_BUSY_SNAPSHOT without waiting, when another process's writer got in between.
    if (auto b = c.exec("BEGIN IMMEDIATE", {}); !b) return fail_all(b.error());
    bool any_ok = false;
    for (QueuedTransaction* queued : batch) {
      QueuedTransaction& t = *queued;
      if (batch.size() == 1) {
        t.result = run_guarded(*t.fn, c);
      } else {
        if (auto sp = c.exec("SAVEPOINT grouped", {}); !sp) {
          t.result = std::unexpected(sp.error());
        } else {
          t.result = run_guarded(*t.fn, c);
          if (t.result) {
            (void)c.exec("RELEASE grouped", {});
          } else if (c.in_transaction()) {
            (void)c.exec("ROLLBACK TO grouped", {});
            (void)c.exec("RELEASE grouped", {});
          }
        }
      }
      // Some errors (SQLITE_FULL, SQLITE_IOERR...) roll the whole transaction back: the earlier
      // transactions of the batch are undone with it, and the later ones are not run.
      if (!c.in_transaction()) {
        const Error lost = t.result
                               ? Error(ErrorCode::service_unavailable, "database transaction was rolled back")
                               : t.result.error();
        for (QueuedTransaction* other : batch)
          if (other != &t || t.result) other->result = std::unexpected(lost);
        return;
      }
      any_ok = any_ok || t.result.has_value();
    }
    if (!any_ok) {
      (void)c.exec("ROLLBACK", {});
      return;
    }
    auto committed = c.exec("COMMIT", {});
    if (committed) return;
    for (QueuedTransaction* t : batch)
      if (t->result) t->result = std::unexpected(committed.error());
    if (c.in_transaction()) (void)c.exec("ROLLBACK", {});
  }

  // A pooled connection whose writing statements are each a transaction of the group commit.
  class WriterQueued final : public Connection {
   public:
    WriterQueued(SqliteConnection& c, SqliteDatabase& db) : c_(c), db_(db) {}
    Result<Rows> query(std::string_view sql, std::span<const Value> params) override {
      if (auto read = c_.query_if_reading(sql, params)) return std::move(*read);
      return db_.query(sql, params);
    }
    Result<std::int64_t> exec(std::string_view sql, std::span<const Value> params) override {
      return db_.exec(sql, params);
    }
    Status exec_script(std::string_view sql) override {
      return db_.run_transaction([&](Connection& c) { return c.exec_script(sql); });
    }

   private:
    SqliteConnection& c_;
    SqliteDatabase& db_;
  };

  PoolStats pool_stats() override {
    PoolStats stats = pool_.stats();
    std::lock_guard lock(group_mutex_);
    stats.write_transactions = write_transactions_;
    stats.write_commits = write_commits_;
    return stats;
  }

  Result<Pool<SqliteConnection>::Lease> checkout() {
    auto lease = pool_.acquire(timeout_);
    if (!lease) return lease;
    // A transaction left open (a callback that threw) must not leak into the next user's work.
    if ((*lease)->in_transaction()) (void)(*lease)->exec("ROLLBACK", {});
    return lease;
  }

  std::chrono::milliseconds timeout_;
  Pool<SqliteConnection> pool_;
  std::mutex group_mutex_;  // guards queue_ and batch_running_
  std::condition_variable group_cv_;
  std::deque<QueuedTransaction*> queue_;  // writers waiting for a batch, oldest first
  bool batch_running_ = false;
  std::int64_t write_transactions_ = 0;  // committed, for pool_stats
  std::int64_t write_commits_ = 0;
};

Result<std::string> normalized_synchronous(const std::string& s) {
  std::string up = s;
  std::ranges::transform(up, up.begin(),
                         [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  if (up == "OFF" || up == "NORMAL" || up == "FULL" || up == "EXTRA") return up;
  return fail(ErrorCode::invalid_request,
              "sqlite_synchronous must be OFF, NORMAL, FULL or EXTRA, not '" + s + "'");
}

Result<std::unique_ptr<SqliteConnection>> open_connection(const std::string& path, bool uri,
                                                          const DatabaseOptions& options,
                                                          const std::string& synchronous, bool first) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (uri) flags |= SQLITE_OPEN_URI;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close_v2(raw);
    return fail(ErrorCode::internal_error, "cannot open sqlite database " + path + ": " + msg);
  }
  auto conn = std::make_unique<SqliteConnection>(raw, options.busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  if (first && !uri) {
    // journal_mode is persistent in the file; setting it once per open is enough.
    auto mode = conn->query("PRAGMA journal_mode=WAL", {});
    if (!mode) return std::unexpected(mode.error());
    if (mode->empty() || mode->front().text(0) != "wal") {
      return fail(
          ErrorCode::internal_error,
          "sqlite database " + path + " cannot use WAL journal mode (is it on a network file system?)");
    }
  }
  // Per-connection settings: SQLite forgets them on close.
  for (const std::string& pragma :
       {std::string("PRAGMA foreign_keys=ON"), "PRAGMA synchronous=" + synchronous}) {
    if (auto st = conn->exec_script(pragma); !st) return std::unexpected(st.error());
  }
  return conn;
}

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite(const std::string& path, bool uri,
                                              const DatabaseOptions& options) {
  if (sqlite3_threadsafe() == 0)
    return fail(ErrorCode::internal_error, "sqlite library built without threads");
  // SQLite's memory statistics (which nothing here reads) take one process-wide mutex on every
  // allocation: with connections on several threads, that lock showed in profiles of plain reads.
  // Only settable before the library initializes, i.e. before the first open.
  static std::once_flag configured;
  std::call_once(configured, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  auto synchronous = normalized_synchronous(options.sqlite_synchronous);
  if (!synchronous) return std::unexpected(synchronous.error());
  if (!uri) {
    // Creating directories is the deployment's job; a typo in the path should not silently
    // create a fresh, empty database somewhere unexpected.
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
      return fail(ErrorCode::invalid_request, "sqlite database directory does not exist: " + parent.string());
    }
    // WAL writes beside the file (-wal, -shm) even to read, so storage that takes no writes would
    // only show as "unable to open database file": say what it is.
    const std::filesystem::path dir = parent.empty() ? std::filesystem::path(".") : parent;
    if (::access(dir.c_str(), W_OK) != 0 && (errno == EROFS || errno == EACCES || errno == EPERM)) {
      return fail(ErrorCode::service_unavailable, "database is read-only: cannot write in " + dir.string() +
                                                      " (" + std::strerror(errno) + ")");
    }
  }
  auto db = std::make_unique<SqliteDatabase>(options.busy_timeout_ms);
  for (int i = 0; i < options.pool_size; ++i) {
    auto conn = open_connection(path, uri, options, *synchronous, i == 0);
    if (!conn) return std::unexpected(conn.error());
    db->add(std::move(*conn));
  }
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace bs::store::detail
