// Database::query_async: reads sent from an event-loop thread without waiting. PostgreSQL sends them
// down one pipelined connection per loop; SQLite (and any thread without a loop) declines, and the
// caller reads on a worker instead. The loop here is the HTTP server's own Asio one.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "common/event_loop.hpp"
#include "http/asio_event_loop.hpp"
#include "unit/store_fixture.hpp"

namespace bs::store::testing {
namespace {

using namespace std::chrono_literals;

// An event loop installed on the test's thread, run in slices until a condition holds.
class LoopThread {
 public:
  LoopThread() : loop_(http::make_asio_event_loop(io_)) { EventLoop::set_current(loop_.get()); }
  ~LoopThread() {
    EventLoop::set_current(nullptr);
    loop_.reset();
  }
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.restart();
      if (io_.run_for(2ms) == 0) std::this_thread::sleep_for(1ms);
    }
    return true;
  }

 private:
  boost::asio::io_context io_{1};
  std::unique_ptr<EventLoop> loop_;
};

class StoreAsyncReadTest : public StoreTest {
 protected:
  // Sends `sql` once the pipeline is connected (the first attempts decline while it connects).
  bool send_when_connected(LoopThread& loop, const std::string& sql, std::vector<Value> params,
                           std::function<void(Result<Rows>)> done) {
    bool sent = false;
    loop.run_until([&] {
      sent = db().query_async(sql, params, done);
      return sent;
    });
    return sent;
  }
};

TEST_P(StoreAsyncReadTest, DeclinedWithoutAnEventLoop) {
  ASSERT_EQ(EventLoop::current(), nullptr);
  bool called = false;
  EXPECT_FALSE(db().query_async("SELECT 1", {}, [&](Result<Rows>) { called = true; }));
  EXPECT_FALSE(called);
}

TEST_P(StoreAsyncReadTest, SqliteDeclinesOnALoopToo) {
  if (is_postgres()) GTEST_SKIP() << "SQLite only";
  LoopThread loop;
  bool called = false;
  EXPECT_FALSE(db().query_async("SELECT 1", {}, [&](Result<Rows>) { called = true; }));
  loop.run_until([] { return false; }, 50ms);
  EXPECT_FALSE(called);
  EXPECT_EQ(db().pool_stats().async_reads, 0);
}

TEST_P(StoreAsyncReadTest, PipelinedReadsAnswerInOrderAndFailuresStayAlone) {
  if (!is_postgres()) GTEST_SKIP() << "PostgreSQL only";
  ASSERT_TRUE(Ok(db().exec("CREATE TABLE kv (k TEXT PRIMARY KEY, n BIGINT)")));
  ASSERT_TRUE(Ok(db().exec("INSERT INTO kv VALUES ('a', 1), ('b', 2), ('c', 3)")));
  LoopThread loop;
  std::vector<std::int64_t> answered;  // the index of each read, in the order answers came
  std::vector<std::optional<Result<Rows>>> results(200);
  ASSERT_TRUE(send_when_connected(loop, "SELECT COUNT(*) FROM kv", {}, [&](Result<Rows> r) {
    EXPECT_TRUE(Ok(r));
    answered.push_back(-1);
  }));
  const std::int64_t before = db().pool_stats().async_reads;
  // All sent before any answer is read: they travel together, and come back in order.
  for (std::size_t i = 0; i < results.size(); ++i) {
    const bool bad = i % 50 == 25;  // a few statements that fail, among the others
    const std::string sql =
        bad ? "SELECT n FROM no_such_table WHERE n = $1" : "SELECT n + $1 FROM kv WHERE k = 'b'";
    ASSERT_TRUE(db().query_async(sql, {Value{static_cast<std::int64_t>(i)}}, [&, i](Result<Rows> r) {
      answered.push_back(static_cast<std::int64_t>(i));
      results[i].emplace(std::move(r));
    }));
  }
  ASSERT_TRUE(loop.run_until([&] { return answered.size() == results.size() + 1; }));
  for (std::size_t i = 0; i + 1 < answered.size(); ++i) EXPECT_LT(answered[i], answered[i + 1]);
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].has_value());
    if (i % 50 == 25) {
      EXPECT_TRUE(FailsWith(*results[i], ErrorCode::internal_error)) << i;
    } else {
      ASSERT_TRUE(Ok(*results[i])) << i;
      ASSERT_EQ((*results[i])->size(), 1u);
      EXPECT_EQ((*results[i])->at(0).integer(0), 2 + static_cast<std::int64_t>(i));
    }
  }
  EXPECT_EQ(db().pool_stats().async_reads - before, static_cast<std::int64_t>(results.size()));
}

TEST_P(StoreAsyncReadTest, TextNullAndIntegerValuesComeBackAsFromAPooledConnection) {
  if (!is_postgres()) GTEST_SKIP() << "PostgreSQL only";
  LoopThread loop;
  std::optional<Result<Rows>> got;
  ASSERT_TRUE(send_when_connected(loop, "SELECT $1::text, NULL::text, $2, length($1::text)",
                                  {Value{std::string("héllo")}, Value{std::int64_t{-7}}},
                                  [&](Result<Rows> r) { got.emplace(std::move(r)); }));
  ASSERT_TRUE(loop.run_until([&] { return got.has_value(); }));
  ASSERT_TRUE(Ok(*got));
  const Row& row = (*got)->at(0);
  EXPECT_EQ(row.text(0), "héllo");
  EXPECT_TRUE(row.is_null(1));
  EXPECT_EQ(row.integer(2), -7);
  EXPECT_EQ(row.integer(3), 5);
}

TEST_P(StoreAsyncReadTest, ALostSessionFailsItsReadsWithServiceUnavailableThenReconnects) {
  if (!is_postgres()) GTEST_SKIP() << "PostgreSQL only";
  LoopThread loop;
  std::optional<Result<Rows>> pid;
  ASSERT_TRUE(send_when_connected(loop, "SELECT pg_backend_pid()", {},
                                  [&](Result<Rows> r) { pid.emplace(std::move(r)); }));
  ASSERT_TRUE(loop.run_until([&] { return pid.has_value(); }));
  ASSERT_TRUE(Ok(*pid));
  // A read in flight while the server ends the session (what a restart does, SQLSTATE 57P01).
  std::optional<Result<Rows>> in_flight;
  ASSERT_TRUE(
      db().query_async("SELECT pg_sleep(0.5)", {}, [&](Result<Rows> r) { in_flight.emplace(std::move(r)); }));
  const Value p[] = {Value{(*pid)->at(0).integer(0)}};
  auto killed = admin_->query("SELECT pg_terminate_backend($1::int)", p);
  ASSERT_TRUE(Ok(killed));
  ASSERT_TRUE(loop.run_until([&] { return in_flight.has_value(); }));
  EXPECT_TRUE(FailsWith(*in_flight, ErrorCode::service_unavailable));
  // Meanwhile reads are declined (the caller uses a worker), until a new session is up.
  std::optional<Result<Rows>> after;
  ASSERT_TRUE(send_when_connected(loop, "SELECT pg_backend_pid()", {},
                                  [&](Result<Rows> r) { after.emplace(std::move(r)); }));
  ASSERT_TRUE(loop.run_until([&] { return after.has_value(); }));
  ASSERT_TRUE(Ok(*after));
  EXPECT_NE((*after)->at(0).integer(0), (*pid)->at(0).integer(0));
}

// Two network threads on one database: each has its own pipeline, and each read is answered on
// the thread that sent it.
TEST_P(StoreAsyncReadTest, EachLoopThreadHasItsOwnPipelineAndItsOwnAnswers) {
  if (!is_postgres()) GTEST_SKIP() << "PostgreSQL only";
  constexpr int kReads = 300;
  std::atomic<int> wrong_thread{0}, failed{0}, answered{0};
  std::atomic<std::int64_t> pids[2] = {0, 0};
  auto run = [&](int index) {
    LoopThread loop;
    const auto me = std::this_thread::get_id();
    int mine = 0;
    std::optional<Result<Rows>> pid;
    if (!send_when_connected(loop, "SELECT pg_backend_pid()", {},
                             [&](Result<Rows> r) { pid.emplace(std::move(r)); }) ||
        !loop.run_until([&] { return pid.has_value(); }) || !*pid) {
      failed.fetch_add(kReads);
      return;
    }
    pids[index] = (*pid)->at(0).integer(0);
    for (int i = 0; i < kReads; ++i) {
      const bool sent = db().query_async("SELECT $1 * 2", {Value{std::int64_t{i}}}, [&, i](Result<Rows> r) {
        if (std::this_thread::get_id() != me) wrong_thread.fetch_add(1);
        if (!r || r->at(0).integer(0) != 2 * i) failed.fetch_add(1);
        ++mine;
        answered.fetch_add(1);
      });
      if (!sent) {
        failed.fetch_add(1);
        ++mine;
      }
      if (i % 50 == 49) loop.run_until([&] { return mine == i + 1; });  // at most 50 in flight
    }
    loop.run_until([&] { return mine == kReads; });
  };
  std::thread a(run, 0), b(run, 1);
  a.join();
  b.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(wrong_thread.load(), 0);
  EXPECT_EQ(answered.load(), 2 * kReads);
  EXPECT_NE(pids[0].load(), pids[1].load());  // two sessions, one per loop
}

TEST_P(StoreAsyncReadTest, AnswersOwedWhenTheLoopEndsAreDroppedNotCalled) {
  if (!is_postgres()) GTEST_SKIP() << "PostgreSQL only";
  int called = 0;
  {
    LoopThread loop;
    ASSERT_TRUE(send_when_connected(loop, "SELECT 1", {}, [&](Result<Rows>) { ++called; }));
    ASSERT_TRUE(loop.run_until([&] { return called == 1; }));
    ASSERT_TRUE(db().query_async("SELECT pg_sleep(0.2)", {}, [&](Result<Rows>) { ++called; }));
  }
  EXPECT_EQ(called, 1);
  EXPECT_TRUE(Ok(db().ping()));  // the database itself is untouched
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreAsyncReadTest, ::testing::Values(Backend::sqlite, Backend::postgres),
                         backend_name);

}  // namespace
}  // namespace bs::store::testing
