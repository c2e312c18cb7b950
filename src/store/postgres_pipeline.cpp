#include "store/postgres_pipeline.hpp"

#include <utility>
#include <vector>

namespace bs::store::detail {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kRetryDelay = std::chrono::seconds(1);

bool succeeded(const PGresult* r) {
  const ExecStatusType status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  return status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
}

}  // namespace

PgPipeline::PgPipeline(EventLoop& loop, std::shared_ptr<PipelineShared> shared)
    : loop_(loop), shared_(std::move(shared)) {}

PgPipeline::~PgPipeline() {
  // Reads still in flight are dropped uncalled: the loop is going away with everything it serves.
  if (connector_.joinable()) connector_.join();  // at most connect_timeout during an outage
  if (connected_) PQfinish(connected_);          // connected, never adopted
  if (fd_ >= 0) loop_.forget(fd_);
  if (conn_) PQfinish(conn_);
}

bool PgPipeline::submit(std::string_view sql, std::span<const Value> params,
                        std::function<void(Result<Rows>)>& done) {
  if (state_ == State::disconnected && Clock::now() >= retry_after_) start_connecting();
  if (state_ != State::ready || queries_in_flight_ >= kMaxInFlight) return false;

  const EncodedParams encoded(params);
  std::string key = encoded.statement_key(sql);
  auto statement = prepared_.find(key);
  if (statement == prepared_.end()) {
    // Statement texts are fixed in the code; a runaway set of them goes to the workers' pool.
    if (prepared_.size() >= kMaxPreparedStatements) return false;
    std::string name = "bsp_" + std::to_string(next_statement_++);
    const std::string text(sql);
    if (!PQsendPrepare(conn_, name.c_str(), text.c_str(), static_cast<int>(encoded.types.size()),
                       encoded.types.data())) {
      lose(classify_failure(conn_, nullptr).error);
      return false;
    }
    pending_.push_back({Pending::Kind::prepare, nullptr, key});
    statement = prepared_.emplace(std::move(key), std::move(name)).first;
  }
  if (!PQsendQueryPrepared(conn_, statement->second.c_str(), static_cast<int>(encoded.values.size()),
                           encoded.values.data(), nullptr, nullptr, /*resultFormat=text*/ 0)) {
    lose(classify_failure(conn_, nullptr).error);
    return false;
  }
  pending_.push_back({Pending::Kind::query, std::move(done), {}});
  ++queries_in_flight_;
  shared_->reads.fetch_add(1, std::memory_order_relaxed);
  // Its own Sync: the statement is its own implicit transaction, and a failure aborts nothing else.
  if (!PQpipelineSync(conn_)) {
    lose(classify_failure(conn_, nullptr).error);  // fails the read just queued too (posted)
    return true;
  }
  pending_.push_back({Pending::Kind::sync, nullptr, {}});
  flush();
  return true;
}

// Connecting blocks (libpq resolves a host name synchronously, then waits up to connect_timeout
// for the server), so it runs on a thread of its own; the network thread only adopts the result.
void PgPipeline::start_connecting() {
  if (connector_.joinable()) connector_.join();  // the last attempt's thread, which has posted already
  state_ = State::connecting;
  ++generation_;
  connector_ = std::thread([this, weak = weak_from_this(), generation = generation_] {
    PGconn* conn = connect_blocking(shared_->params);
    {
      std::lock_guard lock(connected_mutex_);
      connected_ = conn;
    }
    // The destructor joins this thread before the loop can go, so the loop is still there.
    loop_.post([weak, generation] {
      if (auto self = weak.lock()) self->adopt(generation);
    });
  });
}

void PgPipeline::adopt(std::uint64_t generation) {
  PGconn* conn = nullptr;
  {
    std::lock_guard lock(connected_mutex_);
    conn = std::exchange(connected_, nullptr);
  }
  if (generation != generation_ || state_ != State::connecting) {
    if (conn) PQfinish(conn);
    return;
  }
  if (!conn || PQstatus(conn) != CONNECTION_OK) {
    // libpq's reason names the host and port: the log gets it, a client only the fact.
    log_libpq_reason("cannot connect to PostgreSQL", conn ? trimmed(PQerrorMessage(conn)) : "out of memory");
    if (conn) PQfinish(conn);
    state_ = State::disconnected;
    retry_after_ = Clock::now() + kRetryDelay;
    return;
  }
  conn_ = conn;
  server_ended_session_ = false;
  PQsetNoticeReceiver(conn_, &PgPipeline::on_notice, this);
  if (PQsetnonblocking(conn_, 1) != 0 || PQenterPipelineMode(conn_) != 1) {
    log_libpq_reason("cannot use a PostgreSQL pipeline", trimmed(PQerrorMessage(conn_)));
    return lose(Error(ErrorCode::service_unavailable, "cannot connect to PostgreSQL"));
  }
  fd_ = PQsocket(conn_);
  state_ = State::ready;
  arm_read();  // also while idle: that is how a server closing the session is noticed
}

void PgPipeline::flush() {
  const int left = PQflush(conn_);
  if (left < 0) return lose(classify_failure(conn_, nullptr).error);
  if (left == 1 && !writing_)
    watch(EventLoop::Readiness::writable, &PgPipeline::writing_, &PgPipeline::flush);
}

void PgPipeline::arm_read() {
  if (!reading_) watch(EventLoop::Readiness::readable, &PgPipeline::reading_, &PgPipeline::on_readable);
}

void PgPipeline::watch(EventLoop::Readiness what, bool PgPipeline::*armed, void (PgPipeline::*then)()) {
  this->*armed = true;
  loop_.wait(fd_, what, [weak = weak_from_this(), generation = generation_, armed, then](bool ok) {
    auto self = weak.lock();
    if (!self || self->generation_ != generation) return;  // a connection since closed
    (*self).*armed = false;
    if (!ok) return self->lose(Error(ErrorCode::service_unavailable, "PostgreSQL connection lost"));
    ((*self).*then)();
  });
}

void PgPipeline::on_readable() {
  const std::uint64_t generation = generation_;
  if (!PQconsumeInput(conn_)) return lose(classify_failure(conn_, nullptr).error);
  deliver_results();
  if (generation_ != generation || state_ != State::ready) return;  // lost meanwhile
  if (server_ended_session_ || PQstatus(conn_) != CONNECTION_OK)
    return lose(Error(ErrorCode::service_unavailable, "PostgreSQL ended the session"));
  arm_read();
}

void PgPipeline::deliver_results() {
  const std::uint64_t generation = generation_;
  while (!pending_.empty() && generation_ == generation && !PQisBusy(conn_)) {
    ResultPtr result(PQgetResult(conn_), &PQclear);
    Pending& front = pending_.front();
    if (front.kind == Pending::Kind::sync) {
      if (!result || PQresultStatus(result.get()) != PGRES_PIPELINE_SYNC)
        return lose(Error(ErrorCode::service_unavailable, "PostgreSQL pipeline out of step"));
      pending_.pop_front();
      prepare_failure_.reset();
      continue;
    }
    if (result) {  // a statement's result; the null that follows ends it
      if (!front.result) front.result = std::move(result);
      continue;
    }
    Pending item = std::move(front);
    pending_.pop_front();
    complete(std::move(item));  // may submit more, or lose the connection
  }
}

void PgPipeline::complete(Pending item) {
  const PGresult* r = item.result.get();
  if (item.kind == Pending::Kind::prepare) {
    if (succeeded(r)) return;
    // Its query comes back aborted: it fails with this error. Prepared again next time.
    prepared_.erase(item.statement_key);
    PgFailure failure = classify_failure(conn_, r);
    prepare_failure_ = failure.error;
    if (failure.connection_lost) lose(failure.error);
    return;
  }
  --queries_in_flight_;
  if (succeeded(r)) return item.done(rows_of(r));
  if (r && PQresultStatus(r) == PGRES_PIPELINE_ABORTED) {
    return item.done(std::unexpected(
        prepare_failure_.value_or(Error(ErrorCode::internal_error, "postgres: statement aborted"))));
  }
  PgFailure failure = classify_failure(conn_, r);
  item.done(std::unexpected(failure.error));
  if (failure.connection_lost) lose(failure.error);
}

void PgPipeline::lose(const Error& error) {
  ++generation_;
  if (fd_ >= 0) loop_.forget(fd_);
  fd_ = -1;
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  state_ = State::disconnected;
  retry_after_ = Clock::now() + kRetryDelay;
  reading_ = writing_ = false;
  prepare_failure_.reset();
  prepared_.clear();  // statements belong to the session that prepared them
  queries_in_flight_ = 0;
  auto owed = std::move(pending_);
  pending_.clear();
  for (auto& item : owed) {
    if (!item.done) continue;
    loop_.post([done = std::move(item.done), error] { done(std::unexpected(error)); });
  }
}

// A FATAL message outside a query is the server ending the session (57P01 on shutdown).
void PgPipeline::on_notice(void* self, const PGresult* res) {
  const char* severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
  if (!severity) return;
  const std::string_view s(severity);
  if (s == "FATAL" || s == "PANIC") static_cast<PgPipeline*>(self)->server_ended_session_ = true;
}

}  // namespace bs::store::detail
