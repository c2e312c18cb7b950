// PostgreSQL driver over libpq: a pool of connections that reconnect by themselves, so the server
// rides out a PostgreSQL restart or failover (requests fail with 503 meanwhile, then recover).
#include <libpq-fe.h>
#include <poll.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/log.hpp"
#include "store/drivers.hpp"

namespace bs::store::detail {
namespace {

// At most one line per reason a second: during an outage every request tries to reconnect.
void log_libpq_reason(const char* what, const std::string& reason) {
  static std::atomic<std::int64_t> last_logged_ms{0};
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
  std::int64_t last = last_logged_ms.load();
  if (now - last < 1000 && last != 0) return;
  if (!last_logged_ms.compare_exchange_strong(last, now)) return;
  log::warn(what, {{"reason", reason}});
}

// Type OIDs from pg_type.h (not installed with the client headers).
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;

constexpr int kTransactionAttempts = 5;

// Defaults placed before the URL in PQconnectdbParams so that the URL can override them.
struct ConnParams {
  std::vector<std::string> keys;
  std::vector<std::string> values;
};

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class PgConnection final : public Connection {
 public:
  explicit PgConnection(const ConnParams* params) : params_(params) {}
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection() override {
    if (conn_) PQfinish(conn_);
  }

  // Makes the connection usable: reconnects when it was never opened, was marked broken, or the
  // server closed it while it sat idle in the pool; clears a transaction a previous user left open.
  Status ready() {
    if (conn_ && !broken_) {
      detect_server_close();
      if (PQstatus(conn_) != CONNECTION_OK) broken_ = true;
    }
    if (conn_ && !broken_) {
      switch (PQtransactionStatus(conn_)) {
        case PQTRANS_IDLE:
          return ok();
        case PQTRANS_INTRANS:
        case PQTRANS_INERROR:
          if (exec("ROLLBACK", {})) return ok();
          break;
        default:
          broken_ = true;  // a command still in flight: the connection state is unknown
          break;
      }
    }
    return reconnect();
  }

  bool connected() const { return conn_ && !broken_ && PQstatus(conn_) == CONNECTION_OK; }
  void mark_broken() { broken_ = true; }
  PGTransactionStatusType transaction_status() const {
    return conn_ ? PQtransactionStatus(conn_) : PQTRANS_UNKNOWN;
  }
  // Whether a serialization failure or deadlock happened since the last clear: the transaction
  // may succeed if run again.
  bool saw_retryable() const { return saw_retryable_; }
  void clear_retryable() { saw_retryable_ = false; }

  Result<Rows> query(std::string_view sql, std::span<const Value> params) override {
    auto res = run(sql, params);
    if (!res) return std::unexpected(res.error());
    PGresult* r = res->get();
    Rows rows;
    const int nrows = PQntuples(r);
    const int ncols = PQnfields(r);
    rows.reserve(static_cast<std::size_t>(nrows));
    for (int i = 0; i < nrows; ++i) {
      std::vector<Value> cells;
      cells.reserve(static_cast<std::size_t>(ncols));
      for (int j = 0; j < ncols; ++j) {
        if (PQgetisnull(r, i, j)) {
          cells.emplace_back();
          continue;
        }
        const char* v = PQgetvalue(r, i, j);
        const auto len = static_cast<std::size_t>(PQgetlength(r, i, j));
        const Oid type = PQftype(r, j);
        if (type == kInt8Oid || type == kInt4Oid || type == kInt2Oid) {
          std::int64_t n = 0;
          std::from_chars(v, v + len, n);
          cells.emplace_back(n);
        } else {
          cells.emplace_back(std::string(v, len));
        }
      }
      rows.emplace_back(std::move(cells));
    }
    return rows;
  }

  Result<std::int64_t> exec(std::string_view sql, std::span<const Value> params) override {
    auto res = run(sql, params);
    if (!res) return std::unexpected(res.error());
    // A SELECT's tag counts the rows it returned; it changed none (as on SQLite).
    if (std::string_view(PQcmdStatus(res->get())).starts_with("SELECT")) return 0;
    const char* tuples = PQcmdTuples(res->get());  // "" for commands that change no rows
    std::int64_t n = 0;
    if (tuples) std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), n);
    return n;
  }

  // The simple-query protocol runs several statements in one round trip (one implicit transaction
  // unless the script has its own BEGIN/COMMIT); PQexecParams would refuse them.
  Status exec_script(std::string_view sql) override {
    if (!connected()) return not_connected();
    const std::string text(sql);
    ResultPtr res(PQexec(conn_, text.c_str()), &PQclear);
    const ExecStatusType status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return std::unexpected(classify(res.get()));
    return ok();
  }

 private:
  // libpq hands a message the server sends outside a query to the notice receiver. A FATAL one
  // there is the server ending the session (57P01 on shutdown); the socket may not be closed yet.
  static void on_notice(void* self, const PGresult* res) {
    const char* severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (!severity) return;
    const std::string_view s(severity);
    if (s == "FATAL" || s == "PANIC") static_cast<PgConnection*>(self)->broken_ = true;
  }

  void detect_server_close() {
    // An idle connection has nothing to read; if the socket is readable the server sent a
    // termination message (57P01 on restart) and/or closed it. Reading an EOF flips PQstatus to
    // bad; reading the message marks us broken (on_notice). Neither blocks: libpq sockets are
    // non-blocking.
    for (int i = 0; i < 4 && !broken_ && PQstatus(conn_) == CONNECTION_OK; ++i) {
      pollfd p{PQsocket(conn_), POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0) return;
      if (!PQconsumeInput(conn_)) return;
      (void)PQisBusy(conn_);  // parses what was read, so on_notice sees a FATAL message
    }
  }

  Status reconnect() {
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    broken_ = false;
    prepared_.clear();  // statements belong to the session that prepared them
    std::vector<const char*> keys;
    std::vector<const char*> values;
    for (std::size_t i = 0; i < params_->keys.size(); ++i) {
      keys.push_back(params_->keys[i].c_str());
      values.push_back(params_->values[i].c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    PGconn* c = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
    if (!c || PQstatus(c) != CONNECTION_OK) {
      std::string msg = c ? trimmed(PQerrorMessage(c)) : "out of memory";
      if (c) PQfinish(c);
      // libpq's reason names the server's host and port: the operator's log gets it, an HTTP client
      // (this description ends up in 503 bodies) only the fact.
      log_libpq_reason("cannot connect to PostgreSQL", msg);
      return fail(ErrorCode::service_unavailable,
                  "cannot connect to PostgreSQL (the server log has the reason)");
    }
    // Replaces the default receiver, which prints notices ("relation already exists, skipping")
    // to stderr.
    PQsetNoticeReceiver(c, &PgConnection::on_notice, this);
    conn_ = c;
    return ok();
  }

  std::unexpected<Error> not_connected() {
    broken_ = true;
    return std::unexpected(Error(ErrorCode::service_unavailable, "not connected to PostgreSQL"));
  }

  Result<ResultPtr> run(std::string_view sql, std::span<const Value> params) {
    if (!connected()) return not_connected();
    const std::string text(sql);
    std::vector<std::string> ints;  // decimal text of integer parameters, kept alive for the call
    ints.reserve(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<Oid> types(params.size(), 0);  // 0: let the server infer from context
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (const auto* n = std::get_if<std::int64_t>(&params[i])) {
        ints.push_back(std::to_string(*n));
        values[i] = ints.back().c_str();
        types[i] = kInt8Oid;  // so "$1 IS NULL OR ..." and arithmetic know the type
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        values[i] = s->c_str();
      }
    }
    auto statement = prepared(text, types);
    if (!statement) return std::unexpected(statement.error());
    ResultPtr res(PQexecPrepared(conn_, (*statement)->c_str(), static_cast<int>(params.size()), values.data(),
                                 nullptr, nullptr, /*resultFormat=text*/ 0),
                  &PQclear);
    const ExecStatusType status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return std::unexpected(classify(res.get()));
    return res;
  }

  // The name of this statement prepared on this connection, preparing it on first use: like
  // SQLite's statement cache, the server parses and plans each statement once per connection, not on
  // every call (most of its CPU time for the token writer's batch inserts). Keyed by the text and
  // the parameter types, which a prepared statement fixes.
  Result<const std::string*> prepared(const std::string& text, const std::vector<Oid>& types) {
    std::string key = text;
    key.push_back('\0');
    for (Oid t : types) key.push_back(t == kInt8Oid ? 'i' : '?');
    if (auto it = prepared_.find(key); it != prepared_.end()) return &it->second;
    if (prepared_.size() >= kMaxPreparedStatements) {
      // Bounded: statement texts are fixed in the code, but batch sizes and IN lists vary them.
      ResultPtr res(PQexec(conn_, "DEALLOCATE ALL"), &PQclear);
      if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) return std::unexpected(classify(res.get()));
      prepared_.clear();
    }
    std::string name = "bs_" + std::to_string(next_statement_++);
    ResultPtr res(PQprepare(conn_, name.c_str(), text.c_str(), static_cast<int>(types.size()), types.data()),
                  &PQclear);
    if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) return std::unexpected(classify(res.get()));
    return &prepared_.emplace(std::move(key), std::move(name)).first->second;
  }

  Error classify(const PGresult* res) {
    const char* state_c = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    const std::string state = state_c ? state_c : "";
    const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string msg = primary ? std::string(primary) : trimmed(PQerrorMessage(conn_));
    if (PQstatus(conn_) != CONNECTION_OK || state.starts_with("08") || state == "57P01" || state == "57P02" ||
        state == "57P03") {
      broken_ = true;  // reconnect on next use
      // The server's own message ("terminating connection due to administrator command") is safe
      // to pass on; libpq's may name the host and port, so it goes to the log only.
      if (primary) return Error(ErrorCode::service_unavailable, "PostgreSQL connection lost: " + msg);
      log_libpq_reason("PostgreSQL connection lost", msg);
      return Error(ErrorCode::service_unavailable,
                   "PostgreSQL connection lost (the server log has the reason)");
    }
    if (state == "23505") return Error(ErrorCode::conflict, msg);
    if (state == "40001" || state == "40P01") {
      saw_retryable_ = true;
      return Error(ErrorCode::conflict, msg);
    }
    if (!state.empty()) msg += " (SQLSTATE " + state + ")";
    return Error(ErrorCode::internal_error, "postgres: " + msg);
  }

  static constexpr std::size_t kMaxPreparedStatements = 512;

  const ConnParams* params_;
  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;  // key: text, NUL, parameter types
  std::uint64_t next_statement_ = 0;
  bool broken_ = false;
  bool saw_retryable_ = false;
};

class PgDatabase final : public Database {
 public:
  PgDatabase(const std::string& url, const DatabaseOptions& options)
      : timeout_(std::max(options.busy_timeout_ms, 1000)) {
    params_.keys = {"application_name",    "connect_timeout",  "keepalives", "keepalives_idle",
                    "keepalives_interval", "keepalives_count", "dbname"};
    // Fail fast during an outage; notice a dead peer within about a minute on an idle connection.
    params_.values = {"badgeserver", "5", "1", "30", "10", "3", url};
    for (int i = 0; i < options.pool_size; ++i) pool_.add(std::make_unique<PgConnection>(&params_));
  }

  Dialect dialect() const override { return Dialect::postgres; }

  PoolStats pool_stats() override { return pool_.stats(); }

  Result<Pool<PgConnection>::Lease> checkout() {
    auto lease = pool_.acquire(timeout_);
    if (!lease) return lease;
    if (auto st = (*lease)->ready(); !st) return std::unexpected(st.error());
    return lease;
  }

  Result<Rows> query(std::string_view sql, std::span<const Value> params) override {
    auto lease = checkout();
    if (!lease) return std::unexpected(lease.error());
    return (*lease)->query(sql, params);
  }

  Result<std::int64_t> exec(std::string_view sql, std::span<const Value> params) override {
    auto lease = checkout();
    if (!lease) return std::unexpected(lease.error());
    return (*lease)->exec(sql, params);
  }

  // A session-level advisory lock on one connection outside any shared transaction, so fn can run
  // several transactions of its own (migrations) while other instances wait.
  Status with_exclusive_lock(std::int64_t key, const std::function<Status(Connection&)>& fn) override {
    auto lease = checkout();
    if (!lease) return std::unexpected(lease.error());
    PgConnection& c = **lease;
    const Value k[] = {Value{key}};
    if (auto locked = c.query("SELECT pg_advisory_lock($1)", k); !locked)
      return std::unexpected(locked.error());
    Status st = fn(c);
    if (c.connected() && c.transaction_status() != PQTRANS_IDLE) (void)c.exec("ROLLBACK", {});
    // If unlocking fails the session is unusable anyway; ending it releases the lock server-side.
    if (auto unlocked = c.query("SELECT pg_advisory_unlock($1)", k); !unlocked) c.mark_broken();
    return st;
  }

  Result<bool> with_lock_if_free(std::int64_t key, const std::function<Status(Connection&)>& fn) override {
    auto lease = checkout();
    if (!lease) return std::unexpected(lease.error());
    PgConnection& c = **lease;
    const Value k[] = {Value{key}};
    auto locked = c.query("SELECT pg_try_advisory_lock($1)", k);
    if (!locked) return std::unexpected(locked.error());
    if (locked->empty() || locked->front().text(0) != "t") return false;
    Status st = fn(c);
    if (c.connected() && c.transaction_status() != PQTRANS_IDLE) (void)c.exec("ROLLBACK", {});
    if (auto unlocked = c.query("SELECT pg_advisory_unlock($1)", k); !unlocked) c.mark_broken();
    if (!st) return std::unexpected(st.error());
    return true;
  }

 protected:
  Status run_transaction(const std::function<Status(Connection&)>& fn) override {
    Status st;
    for (int attempt = 1; attempt <= kTransactionAttempts; ++attempt) {
      if (attempt > 1) backoff(attempt);
      auto lease = checkout();
      if (!lease) return std::unexpected(lease.error());
      PgConnection& c = **lease;
      c.clear_retryable();
      if (auto begun = c.exec("BEGIN", {}); !begun) {
        // Nothing ran yet, so a connection lost at BEGIN is safe to retry on a fresh one.
        if (begun.error().code == ErrorCode::service_unavailable) {
          st = std::unexpected(begun.error());
          continue;
        }
        return std::unexpected(begun.error());
      }
      st = fn(c);
      if (st && c.transaction_status() == PQTRANS_INERROR) {
        // COMMIT of an aborted transaction "succeeds" as a ROLLBACK; do not report that as success.
        st = fail(ErrorCode::internal_error, "postgres: transaction aborted by an earlier failed statement");
      }
      if (st) {
        auto committed = c.exec("COMMIT", {});
        if (committed) return ok();
        st = std::unexpected(committed.error());
      }
      if (c.connected() && c.transaction_status() != PQTRANS_IDLE) (void)c.exec("ROLLBACK", {});
      if (!c.saw_retryable()) return st;
    }
    return st;
  }

 private:
  static void backoff(int attempt) {
    thread_local std::minstd_rand rng(std::random_device{}());
    const int base = 5 << (attempt - 1);  // 10, 20, 40, 80 ms plus jitter
    std::uniform_int_distribution<int> jitter(0, base);
    std::this_thread::sleep_for(std::chrono::milliseconds(base + jitter(rng)));
  }

  std::chrono::milliseconds timeout_;
  ConnParams params_;  // before pool_: connections point into it
  Pool<PgConnection> pool_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_postgres(const std::string& url, const DatabaseOptions& options) {
  if (!PQisthreadsafe()) return fail(ErrorCode::internal_error, "libpq built without thread safety");
  char* err = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &err);
  if (!parsed) {
    std::string msg = err ? trimmed(err) : "out of memory";
    if (err) PQfreemem(err);
    return fail(ErrorCode::invalid_request, "invalid PostgreSQL URL: " + msg);
  }
  PQconninfoFree(parsed);
  auto db = std::make_unique<PgDatabase>(url, options);
  // Connect one now so that a wrong host or password fails at startup, not on the first request.
  if (auto lease = db->checkout(); !lease) return std::unexpected(lease.error());
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace bs::store::detail
