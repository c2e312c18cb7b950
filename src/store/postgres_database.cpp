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
#include "store/postgres_common.hpp"
#include "store/postgres_pipeline.hpp"

namespace bs::store::detail {
namespace {

constexpr int kTransactionAttempts = 5;

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
    return rows_of(res->get());
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
    PGconn* c = connect_blocking(*params_);
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
    const EncodedParams encoded(params);
    auto statement = prepared(sql, encoded);
    if (!statement) return std::unexpected(statement.error());
    ResultPtr res(PQexecPrepared(conn_, (*statement)->c_str(), static_cast<int>(params.size()),
                                 encoded.values.data(), nullptr, nullptr, /*resultFormat=text*/ 0),
                  &PQclear);
    const ExecStatusType status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return std::unexpected(classify(res.get()));
    return res;
  }

  // The name of this statement prepared on this connection, preparing it on first use: like
  // SQLite's statement cache, the server parses and plans each statement once per connection, not on
  // every call (most of its CPU time for the token writer's batch inserts). Keyed by the text and
  // the parameter types, which a prepared statement fixes.
  Result<const std::string*> prepared(std::string_view text, const EncodedParams& encoded) {
    std::string key = encoded.statement_key(text);
    if (auto it = prepared_.find(key); it != prepared_.end()) return &it->second;
    if (prepared_.size() >= kMaxPreparedStatements) {
      // Bounded: statement texts are fixed in the code, but batch sizes and IN lists vary them.
      ResultPtr res(PQexec(conn_, "DEALLOCATE ALL"), &PQclear);
      if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) return std::unexpected(classify(res.get()));
      prepared_.clear();
    }
    std::string name = "bs_" + std::to_string(next_statement_++);
    const std::string sql(text);
    ResultPtr res(PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(encoded.types.size()),
                            encoded.types.data()),
                  &PQclear);
    if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) return std::unexpected(classify(res.get()));
    return &prepared_.emplace(std::move(key), std::move(name)).first->second;
  }

  Error classify(const PGresult* res) {
    PgFailure failure = classify_failure(conn_, res);
    if (failure.connection_lost) broken_ = true;  // reconnect on next use
    if (failure.retryable) saw_retryable_ = true;
    return std::move(failure.error);
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
      : timeout_(std::max(options.busy_timeout_ms, 1000)), shared_(std::make_shared<PipelineShared>()) {
    ConnParams& params = shared_->params;
    params.keys = {"application_name",    "connect_timeout",  "keepalives", "keepalives_idle",
                   "keepalives_interval", "keepalives_count", "dbname"};
    // Fail fast during an outage; notice a dead peer within about a minute on an idle connection.
    params.values = {"badgeserver", "5", "1", "30", "10", "3", url};
    for (int i = 0; i < options.pool_size; ++i) pool_.add(std::make_unique<PgConnection>(&params));
  }

  Dialect dialect() const override { return Dialect::postgres; }

  PoolStats pool_stats() override {
    PoolStats stats = pool_.stats();
    stats.async_reads = shared_->reads.load(std::memory_order_relaxed);
    return stats;
  }

  // The calling network thread's pipeline, made on first use; it lives as long as that thread's loop.
  bool query_async(std::string_view sql, std::vector<Value> params,
                   std::function<void(Result<Rows>)> done) override {
    EventLoop* loop = EventLoop::current();
    if (!loop) return false;
    std::shared_ptr<void>& slot = loop->slot(shared_.get());
    if (!slot) slot = std::make_shared<PgPipeline>(*loop, shared_);
    return static_cast<PgPipeline*>(slot.get())->submit(sql, params, done);
  }

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
  // Before pool_: its connections point into shared_->params. Also the key of this database's
  // pipeline in each loop, kept alive by the pipelines, so that no other database reuses the address.
  std::shared_ptr<PipelineShared> shared_;
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
