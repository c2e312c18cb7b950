// Driver-level tests: the same behaviour from the SQLite and PostgreSQL drivers.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <filesystem>
#include <thread>
#include <vector>

#include "unit/store_fixture.hpp"

namespace bs::store::testing {
namespace {

using namespace std::chrono_literals;

class StoreDriverTest : public StoreTest {
 protected:
  void create_kv() { ASSERT_TRUE(Ok(db().exec("CREATE TABLE kv (k TEXT PRIMARY KEY, n BIGINT, v TEXT)"))); }
  std::int64_t count_kv() {
    auto rows = db().query("SELECT COUNT(*) FROM kv");
    EXPECT_TRUE(Ok(rows));
    return rows ? rows->at(0).integer(0) : -1;
  }
};

TEST_P(StoreDriverTest, Ping) {
  EXPECT_TRUE(Ok(db().ping()));
}

TEST_P(StoreDriverTest, DialectMatchesUrl) {
  EXPECT_EQ(db().dialect(), is_postgres() ? Dialect::postgres : Dialect::sqlite);
}

TEST_P(StoreDriverTest, MigrateTwiceIsNoOp) {
  auto first = migrate(db());
  ASSERT_TRUE(Ok(first));
  EXPECT_FALSE(first->empty());
  EXPECT_TRUE(std::ranges::is_sorted(*first));
  auto second = migrate(db());
  ASSERT_TRUE(Ok(second));
  EXPECT_TRUE(second->empty());
  auto rows = db().query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_TRUE(Ok(rows));
  ASSERT_EQ(rows->size(), first->size());
  EXPECT_EQ(rows->at(0).integer(0), 1);
  EXPECT_EQ(rows->at(0).text(1), "foundation");
  EXPECT_GT(rows->at(0).integer(2), 0);
  // The schema is really there.
  EXPECT_TRUE(Ok(db().query("SELECT id, email FROM users")));
  EXPECT_TRUE(Ok(db().query("SELECT id, at, details FROM audit_events")));
}

TEST_P(StoreDriverTest, ConcurrentMigrateFromTwoInstancesAppliesOnce) {
  std::vector<std::int64_t> applied[2];
  Status status[2];
  std::thread threads[2];
  for (int i = 0; i < 2; ++i) {
    threads[i] = std::thread([&, i] {
      auto other = open_database(url_, options());
      if (!other) {
        status[i] = std::unexpected(other.error());
        return;
      }
      auto r = migrate(**other);
      if (!r) {
        status[i] = std::unexpected(r.error());
        return;
      }
      applied[i] = *r;
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(Ok(status[0]));
  ASSERT_TRUE(Ok(status[1]));
  // One instance applied everything, the other found nothing to do.
  EXPECT_TRUE(applied[0].empty() != applied[1].empty());
  auto rows = db().query("SELECT COUNT(*) FROM schema_migrations");
  ASSERT_TRUE(Ok(rows));
  EXPECT_EQ(rows->at(0).integer(0), static_cast<std::int64_t>(applied[0].size() + applied[1].size()));
}

// A network thread's read: at once on an idle SQLite connection, never on PostgreSQL (a round trip).
TEST_P(StoreDriverTest, ReadsWithoutWaitingOnlyWhereNothingWaits) {
  create_kv();
  ASSERT_TRUE(Ok(db().exec("INSERT INTO kv (k, n) VALUES ('a', 41)")));
  std::int64_t seen = 0;
  auto read = db().read_without_waiting([&](Connection& c) -> Status {
    auto rows = c.query("SELECT n + 1 FROM kv WHERE k = 'a'");
    if (!rows) return std::unexpected(rows.error());
    seen = rows->at(0).integer(0);
    return {};
  });
  if (is_postgres()) {
    EXPECT_FALSE(read.has_value());
    EXPECT_EQ(seen, 0);
    return;
  }
  ASSERT_TRUE(read.has_value());
  EXPECT_TRUE(Ok(*read));
  EXPECT_EQ(seen, 42);
  // An error of the read is the read's answer, not a reason to wait.
  auto failed = db().read_without_waiting([](Connection& c) -> Status {
    auto rows = c.query("SELECT no_such_column FROM kv");
    if (!rows) return std::unexpected(rows.error());
    return {};
  });
  ASSERT_TRUE(failed.has_value());
  EXPECT_FALSE(*failed);

  // With every pooled connection busy, it answers nullopt at once instead of waiting for one.
  auto one = open_database(url_, DatabaseOptions{.pool_size = 1});
  ASSERT_TRUE(Ok(one));
  bool ran = false;
  auto inside = (*one)->transaction([&](Connection&) -> Result<bool> {
    auto nested = (*one)->read_without_waiting([&](Connection&) -> Status {
      ran = true;
      return {};
    });
    return nested.has_value();
  });
  ASSERT_TRUE(Ok(inside));
  EXPECT_FALSE(*inside);
  EXPECT_FALSE(ran);
}

// Concurrent write transactions: each commits or rolls back alone, whatever else its commit carries
// (on SQLite several share one commit: the group commit).
TEST_P(StoreDriverTest, ConcurrentTransactionsCommitOrRollBackEachAlone) {
  create_kv();
  constexpr int kThreads = 8, kEach = 40;
  std::atomic<int> committed{0}, conflicts{0}, other_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string key = "t" + std::to_string(t) + "-" + std::to_string(i);
        const bool fails = i % 7 == 3;  // inserts its key twice: a conflict rolls it back
        auto r = db().transaction([&](Connection& c) -> Result<bool> {
          const Value p[] = {Value{key}};
          for (int n = 0; n < (fails ? 2 : 1); ++n) {
            auto ins = c.exec("INSERT INTO kv (k, n) VALUES ($1, 1)", p);
            if (!ins) return std::unexpected(ins.error());
          }
          return true;
        });
        if (r) {
          ++committed;
        } else if (r.error().code == ErrorCode::conflict && fails) {
          ++conflicts;
        } else {
          ++other_errors;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  const int failing_per_thread = (kEach + 3) / 7;  // i = 3, 10, 17, 24, 31, 38
  EXPECT_EQ(other_errors.load(), 0);
  EXPECT_EQ(conflicts.load(), kThreads * failing_per_thread);
  EXPECT_EQ(committed.load(), kThreads * (kEach - failing_per_thread));
  EXPECT_EQ(count_kv(), committed.load());
  auto absent = db().query("SELECT COUNT(*) FROM kv WHERE k = 't0-3' OR k = 't7-38'");
  ASSERT_TRUE(Ok(absent));
  EXPECT_EQ(absent->at(0).integer(0), 0);
  if (!is_postgres()) {
    const PoolStats stats = db().pool_stats();
    EXPECT_GE(stats.write_transactions, committed.load());
    EXPECT_GE(stats.write_commits, 1);
    // Eight writers at once, each commit an fsync: writers queue behind a running batch, and the
    // next batch takes them all.
    EXPECT_LT(stats.write_commits, stats.write_transactions);
  }
}

TEST_P(StoreDriverTest, PlaceholdersBindByNumberNotPosition) {
  create_kv();
  const Value p[] = {Value{std::int64_t{7}}, Value{std::string("value")}, Value{std::string("key")}};
  ASSERT_TRUE(Ok(db().exec("INSERT INTO kv (v, n, k) VALUES ($2, $1, $3)", p)));
  const Value q[] = {Value{std::string("key")}, Value{std::int64_t{7}}};
  auto rows = db().query("SELECT v, n, k FROM kv WHERE n = $2 AND k = $1", q);
  ASSERT_TRUE(Ok(rows));
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).text(0), "value");
  EXPECT_EQ(rows->at(0).integer(1), 7);
  EXPECT_EQ(rows->at(0).text(2), "key");
  // A parameter used twice.
  const Value r[] = {Value{std::string("key")}};
  auto twice = db().query("SELECT COUNT(*) FROM kv WHERE k = $1 OR v = $1", r);
  ASSERT_TRUE(Ok(twice));
  EXPECT_EQ(twice->at(0).integer(0), 1);
}

TEST_P(StoreDriverTest, ValuesRoundTripUnchanged) {
  create_kv();
  const std::vector<std::string> texts = {
      "'; DROP TABLE kv; --",
      "\"double\" 'single' `back` \\backslash\\",
      "unicode: h\u00e9llo \u4e16\u754c \U0001F389",
      "",
      "line\nbreak\ttab\r",
      "100% _like_ [brackets]",
      "$1 $2 ? :name @x",
      std::string(10000, 'x'),
  };
  const std::vector<std::int64_t> ints = {0, 1, -1, INT64_MAX, INT64_MIN, 1700000000};
  int i = 0;
  for (const auto& t : texts) {
    const Value p[] = {Value{"t" + std::to_string(i++)}, Value{t}};
    ASSERT_TRUE(Ok(db().exec("INSERT INTO kv (k, v) VALUES ($1, $2)", p)));
  }
  for (auto n : ints) {
    const Value p[] = {Value{"n" + std::to_string(i++)}, Value{n}};
    ASSERT_TRUE(Ok(db().exec("INSERT INTO kv (k, n) VALUES ($1, $2)", p)));
  }
  i = 0;
  for (const auto& t : texts) {
    const Value p[] = {Value{"t" + std::to_string(i++)}};
    auto rows = db().query("SELECT v, n FROM kv WHERE k = $1", p);
    ASSERT_TRUE(Ok(rows));
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_FALSE(rows->at(0).is_null(0));
    EXPECT_EQ(rows->at(0).text(0), t);
    EXPECT_TRUE(rows->at(0).is_null(1));
    EXPECT_EQ(rows->at(0).opt_integer(1), std::nullopt);
  }
  for (auto n : ints) {
    const Value p[] = {Value{"n" + std::to_string(i++)}};
    auto rows = db().query("SELECT n, v FROM kv WHERE k = $1", p);
    ASSERT_TRUE(Ok(rows));
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ(rows->at(0).opt_integer(0), n);
    EXPECT_EQ(rows->at(0).text(0), std::to_string(n));
    EXPECT_EQ(rows->at(0).opt_text(1), std::nullopt);
  }
  // A NULL parameter matches nothing with "=" but is stored as NULL.
  const Value p[] = {Value{std::string("null")}, null_value(), null_value()};
  ASSERT_TRUE(Ok(db().exec("INSERT INTO kv (k, n, v) VALUES ($1, $2, $3)", p)));
  auto rows = db().query("SELECT COUNT(*) FROM kv WHERE n IS NULL AND v IS NULL");
  ASSERT_TRUE(Ok(rows));
  EXPECT_EQ(rows->at(0).integer(0), 1);
  EXPECT_EQ(count_kv(), static_cast<std::int64_t>(texts.size() + ints.size() + 1));
}

TEST_P(StoreDriverTest, UniqueViolationIsConflict) {
  create_kv();
  const Value p[] = {Value{std::string("a")}};
  ASSERT_TRUE(Ok(db().exec("INSERT INTO kv (k) VALUES ($1)", p)));
  EXPECT_TRUE(FailsWith(db().exec("INSERT INTO kv (k) VALUES ($1)", p), ErrorCode::conflict));
  EXPECT_TRUE(FailsWith(db().query("INSERT INTO kv (k) VALUES ($1) RETURNING k", p), ErrorCode::conflict));
  // The failed statement leaves the pooled connection usable.
  EXPECT_EQ(count_kv(), 1);
}

TEST_P(StoreDriverTest, TransactionCommitsAndReturnsValue) {
  create_kv();
  Result<std::int64_t> r = db().transaction([](Connection& c) -> Result<std::int64_t> {
    const Value a[] = {Value{std::string("a")}};
    const Value b[] = {Value{std::string("b")}};
    if (auto x = c.exec("INSERT INTO kv (k) VALUES ($1)", a); !x) return x;
    if (auto x = c.exec("INSERT INTO kv (k) VALUES ($1)", b); !x) return x;
    auto rows = c.query("SELECT COUNT(*) FROM kv");  // sees its own writes
    if (!rows) return std::unexpected(rows.error());
    return rows->at(0).integer(0);
  });
  ASSERT_TRUE(Ok(r));
  EXPECT_EQ(*r, 2);
  EXPECT_EQ(count_kv(), 2);
}

TEST_P(StoreDriverTest, TransactionRollsBackWhenFnFails) {
  create_kv();
  Status st = db().transaction([](Connection& c) -> Status {
    const Value a[] = {Value{std::string("a")}};
    if (auto x = c.exec("INSERT INTO kv (k) VALUES ($1)", a); !x) return std::unexpected(x.error());
    return fail(ErrorCode::invalid_data, "changed my mind");
  });
  ASSERT_TRUE(FailsWith(st, ErrorCode::invalid_data));
  EXPECT_EQ(st.error().description, "changed my mind");
  EXPECT_EQ(count_kv(), 0);
}

TEST_P(StoreDriverTest, TransactionRollsBackWhenStatementFails) {
  create_kv();
  Status st = db().transaction([](Connection& c) -> Status {
    const Value a[] = {Value{std::string("a")}};
    const Value b[] = {Value{std::string("b")}};
    if (auto x = c.exec("INSERT INTO kv (k) VALUES ($1)", a); !x) return std::unexpected(x.error());
    if (auto x = c.exec("INSERT INTO kv (k) VALUES ($1)", b); !x) return std::unexpected(x.error());
    if (auto x = c.exec("INSERT INTO kv (k) VALUES ($1)", a); !x) return std::unexpected(x.error());
    return ok();
  });
  EXPECT_TRUE(FailsWith(st, ErrorCode::conflict));
  EXPECT_EQ(count_kv(), 0);
  // Connections come back to the pool clean: a later transaction commits normally.
  Status again = db().transaction([](Connection& c) -> Status {
    const Value a[] = {Value{std::string("a")}};
    if (auto x = c.exec("INSERT INTO kv (k) VALUES ($1)", a); !x) return std::unexpected(x.error());
    return ok();
  });
  EXPECT_TRUE(Ok(again));
  EXPECT_EQ(count_kv(), 1);
}

TEST_P(StoreDriverTest, ExecReturnsChangedRowCount) {
  create_kv();
  for (std::int64_t i = 0; i < 3; ++i) {
    const Value p[] = {Value{"k" + std::to_string(i)}, Value{i}};
    auto r = db().exec("INSERT INTO kv (k, n) VALUES ($1, $2)", p);
    ASSERT_TRUE(Ok(r));
    EXPECT_EQ(*r, 1);
  }
  const Value p[] = {Value{std::int64_t{1}}};
  auto updated = db().exec("UPDATE kv SET v = 'x' WHERE n >= $1", p);
  ASSERT_TRUE(Ok(updated));
  EXPECT_EQ(*updated, 2);
  auto none = db().exec("UPDATE kv SET v = 'y' WHERE n > 100");
  ASSERT_TRUE(Ok(none));
  EXPECT_EQ(*none, 0);
  auto deleted = db().exec("DELETE FROM kv");
  ASSERT_TRUE(Ok(deleted));
  EXPECT_EQ(*deleted, 3);
  // Statements that are not INSERT/UPDATE/DELETE change no rows, whatever ran before them.
  Status st = db().transaction([](Connection& c) -> Status {
    const Value p[] = {Value{std::string("z")}};
    if (auto x = c.exec("INSERT INTO kv (k) VALUES ($1)", p); !x) return std::unexpected(x.error());
    auto ddl = c.exec("CREATE TABLE other (x TEXT)");
    if (!ddl) return std::unexpected(ddl.error());
    auto select = c.exec("SELECT k FROM kv");
    if (!select) return std::unexpected(select.error());
    if (*ddl != 0 || *select != 0)
      return fail(ErrorCode::internal_error, "non-DML statement reported changes");
    return ok();
  });
  EXPECT_TRUE(Ok(st));
}

TEST_P(StoreDriverTest, ParameterCountMismatchIsAnErrorNotACrash) {
  create_kv();
  const Value one[] = {Value{std::string("a")}};
  const Value two[] = {Value{std::string("a")}, Value{std::string("b")}};
  EXPECT_FALSE(db().query("SELECT k FROM kv WHERE k = $1 AND v = $2", one));
  EXPECT_FALSE(db().query("SELECT k FROM kv WHERE k = $1", two));
  EXPECT_TRUE(Ok(db().query("SELECT k FROM kv WHERE k = $1", one)));
}

TEST_P(StoreDriverTest, SqlErrorsAreInternalErrors) {
  EXPECT_TRUE(FailsWith(db().query("SELEC nonsense"), ErrorCode::internal_error));
  EXPECT_TRUE(FailsWith(db().query("SELECT * FROM no_such_table"), ErrorCode::internal_error));
  EXPECT_TRUE(Ok(db().ping()));
}

TEST_P(StoreDriverTest, QueryTakesOneStatementScriptTakesMany) {
  EXPECT_FALSE(db().exec("CREATE TABLE a (x TEXT); CREATE TABLE b (y TEXT)"));
  Status st = db().transaction([](Connection& c) -> Status {
    return c.exec_script(
        "CREATE TABLE a (x TEXT);\nCREATE TABLE b (y TEXT);\nINSERT INTO a (x) VALUES ('1');");
  });
  ASSERT_TRUE(Ok(st));
  EXPECT_TRUE(Ok(db().query("SELECT x FROM a")));
  EXPECT_TRUE(Ok(db().query("SELECT y FROM b")));
  Status bad = db().transaction([](Connection& c) -> Status {
    return c.exec_script("CREATE TABLE c (x TEXT); CREATE TABLE a (x TEXT);");
  });
  EXPECT_FALSE(bad);
  EXPECT_FALSE(db().query("SELECT x FROM c")) << "a failed script rolls back with its transaction";
}

TEST_P(StoreDriverTest, ExclusiveLockIsMutuallyExclusive) {
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  std::atomic<int> runs{0};
  auto other = open_another();
  ASSERT_TRUE(other);
  auto worker = [&](Database& d) {
    for (int i = 0; i < 3; ++i) {
      Status st = d.with_exclusive_lock(4242, [&](Connection& c) -> Status {
        int now = ++inside;
        max_inside = std::max(max_inside.load(), now);
        std::this_thread::sleep_for(20ms);
        auto r = c.query("SELECT 1");
        --inside;
        ++runs;
        if (!r) return std::unexpected(r.error());
        return ok();
      });
      EXPECT_TRUE(Ok(st));
    }
  };
  std::thread a([&] { worker(db()); });
  std::thread b([&] { worker(*other); });
  a.join();
  b.join();
  EXPECT_EQ(runs.load(), 6);
  EXPECT_EQ(max_inside.load(), 1);
}

TEST_P(StoreDriverTest, ExclusiveLockPropagatesFnError) {
  Status st =
      db().with_exclusive_lock(7, [](Connection&) -> Status { return fail(ErrorCode::not_found, "x"); });
  EXPECT_TRUE(FailsWith(st, ErrorCode::not_found));
  // The lock was released.
  EXPECT_TRUE(Ok(db().with_exclusive_lock(7, [](Connection&) -> Status { return ok(); })));
}

TEST_P(StoreDriverTest, ConcurrentWritersAllCommit) {
  create_kv();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Status st = db().transaction([&](Connection& c) -> Status {
          const Value p[] = {Value{std::to_string(t) + "-" + std::to_string(i)}, Value{std::int64_t{i}}};
          if (auto x = c.exec("INSERT INTO kv (k, n) VALUES ($1, $2)", p); !x)
            return std::unexpected(x.error());
          auto rows = c.query("SELECT COUNT(*) FROM kv");
          if (!rows) return std::unexpected(rows.error());
          return ok();
        });
        if (!st) {
          ++failures;
          ADD_FAILURE() << st.error().description;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(count_kv(), kThreads * kPerThread);
}

TEST_P(StoreDriverTest, PostgresReconnectsAfterServerClosesConnections) {
  if (!is_postgres()) GTEST_SKIP() << "PostgreSQL only";
  // Check out and return several connections so the pool holds live idle sessions.
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] { EXPECT_TRUE(Ok(db().query("SELECT pg_sleep(0.05)"))); });
  for (auto& t : threads) t.join();
  // What a PostgreSQL restart does to every session: terminate it (SQLSTATE 57P01).
  const Value app[] = {Value{schema_}};
  auto killed = admin_->query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", app);
  ASSERT_TRUE(Ok(killed));
  ASSERT_FALSE(killed->empty());
  for (int i = 0; i < 100; ++i) {
    auto left = admin_->query("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1", app);
    ASSERT_TRUE(Ok(left));
    if (left->at(0).integer(0) == 0) break;
    std::this_thread::sleep_for(20ms);
  }
  // Every pooled connection notices at checkout and reconnects; no request sees the dead session.
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(Ok(db().ping()));
  threads.clear();
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] { EXPECT_TRUE(Ok(db().query("SELECT pg_sleep(0.05)"))); });
  for (auto& t : threads) t.join();
  EXPECT_TRUE(Ok(db().transaction([](Connection& c) -> Status {
    auto r = c.query("SELECT 1");
    if (!r) return std::unexpected(r.error());
    return ok();
  })));
}

TEST_P(StoreDriverTest, PostgresLostConnectionInUseIsServiceUnavailableThenRecovers) {
  if (!is_postgres()) GTEST_SKIP() << "PostgreSQL only";
  Status st = db().transaction([&](Connection& c) -> Status {
    // Kill our own session in the middle of the transaction.
    auto pid = c.query("SELECT pg_backend_pid()");
    if (!pid) return std::unexpected(pid.error());
    const Value p[] = {Value{pid->at(0).integer(0)}};
    if (auto k = admin_->query("SELECT pg_terminate_backend($1::int)", p); !k)
      return std::unexpected(k.error());
    std::this_thread::sleep_for(100ms);
    auto r = c.query("SELECT 1");
    if (!r) return std::unexpected(r.error());
    return ok();
  });
  EXPECT_TRUE(FailsWith(st, ErrorCode::service_unavailable));
  EXPECT_TRUE(Ok(db().ping()));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreDriverTest, ::testing::Values(Backend::sqlite, Backend::postgres),
                         backend_name);

// --- open_database and driver options -------------------------------------------------------------

TEST(StoreOpenTest, UnknownSchemeIsInvalidRequest) {
  EXPECT_TRUE(FailsWith(open_database("mysql://localhost/db"), ErrorCode::invalid_request));
  EXPECT_TRUE(FailsWith(open_database("/var/lib/badgeserver.db"), ErrorCode::invalid_request));
  EXPECT_TRUE(FailsWith(open_database("sqlite:"), ErrorCode::invalid_request));
}

TEST(StoreOpenTest, SqliteMissingDirectoryFailsWithoutCreatingIt) {
  const std::string dir = "/tmp/bs_store_missing_" + unique_suffix();
  auto db = open_database("sqlite:" + dir + "/badges.db");
  ASSERT_TRUE(FailsWith(db, ErrorCode::invalid_request));
  EXPECT_NE(db.error().description.find(dir), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(StoreOpenTest, SqliteRejectsUnknownSynchronousMode) {
  const std::string path = "/tmp/bs_store_sync_" + unique_suffix() + ".db";
  EXPECT_TRUE(FailsWith(open_database("sqlite:" + path, DatabaseOptions{.sqlite_synchronous = "SOMETIMES"}),
                        ErrorCode::invalid_request));
  std::remove(path.c_str());
}

TEST(StoreOpenTest, SqliteFileSettings) {
  const std::string path = "/tmp/bs_store_settings_" + unique_suffix() + ".db";
  {
    auto db =
        open_database("sqlite://" + path, DatabaseOptions{.pool_size = 2, .sqlite_synchronous = "normal"});
    ASSERT_TRUE(Ok(db));
    auto mode = (*db)->query("PRAGMA journal_mode");
    ASSERT_TRUE(Ok(mode));
    EXPECT_EQ(mode->at(0).text(0), "wal");
    auto fk = (*db)->query("PRAGMA foreign_keys");
    ASSERT_TRUE(Ok(fk));
    EXPECT_EQ(fk->at(0).integer(0), 1);
    auto sync = (*db)->query("PRAGMA synchronous");
    ASSERT_TRUE(Ok(sync));
    EXPECT_EQ(sync->at(0).integer(0), 1);  // NORMAL
  }
  for (const char* ext : {"", "-wal", "-shm"}) std::remove((path + ext).c_str());
}

TEST(StoreOpenTest, SqliteMemoryIsSharedByThePoolButNotBetweenDatabases) {
  auto db = open_database("sqlite::memory:", DatabaseOptions{.pool_size = 4});
  ASSERT_TRUE(Ok(db));
  ASSERT_TRUE(Ok(migrate(**db)));
  ASSERT_TRUE(Ok((*db)->exec("CREATE TABLE kv (k TEXT PRIMARY KEY, n INTEGER)")));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const Value p[] = {Value{std::to_string(t) + "-" + std::to_string(i)}, Value{std::int64_t{i}}};
        Status st = (*db)->transaction([&](Connection& c) -> Status {
          auto r = c.exec("INSERT INTO kv (k, n) VALUES ($1, $2)", p);
          if (!r) return std::unexpected(r.error());
          return ok();
        });
        auto rows = (*db)->query("SELECT COUNT(*) FROM kv");
        if (!st || !rows) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto rows = (*db)->query("SELECT COUNT(*) FROM kv");
  ASSERT_TRUE(Ok(rows));
  EXPECT_EQ(rows->at(0).integer(0), 80);

  auto other = open_database("sqlite::memory:");
  ASSERT_TRUE(Ok(other));
  EXPECT_FALSE((*other)->query("SELECT COUNT(*) FROM kv"));
}

TEST(StoreOpenTest, PostgresUnreachableIsServiceUnavailable) {
  const auto start = std::chrono::steady_clock::now();
  auto db = open_database("postgresql://postgres@127.0.0.1:1/nothing");
  EXPECT_TRUE(FailsWith(db, ErrorCode::service_unavailable));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(StoreOpenTest, PostgresMalformedUrlIsInvalidRequest) {
  EXPECT_TRUE(
      FailsWith(open_database("postgresql://127.0.0.1/db?no_such_parameter=1"), ErrorCode::invalid_request));
}

TEST(StoreOpenTest, PostgresWrongPasswordIsServiceUnavailableWithoutLeakingIt) {
  const char* base = postgres_url();
  if (!base) GTEST_SKIP() << "BADGESERVER_TEST_POSTGRES_URL is not set";
  auto db = open_database("postgresql://postgres:wrong-secret-pw@127.0.0.1:5432/postgres");
  if (db) GTEST_SKIP() << "server trusts local connections; cannot test authentication failure";
  EXPECT_EQ(db.error().code, ErrorCode::service_unavailable);
  EXPECT_EQ(db.error().description.find("wrong-secret-pw"), std::string::npos);
}

TEST(StoreRowTest, Accessors) {
  Row r({Value{}, Value{std::int64_t{-42}}, Value{std::string("17")}, Value{std::string("abc")}});
  EXPECT_EQ(r.size(), 4u);
  EXPECT_TRUE(r.is_null(0));
  EXPECT_EQ(r.text(0), "");
  EXPECT_EQ(r.integer(0), 0);
  EXPECT_EQ(r.opt_text(0), std::nullopt);
  EXPECT_EQ(r.opt_integer(0), std::nullopt);
  EXPECT_EQ(r.text(1), "-42");
  EXPECT_EQ(r.integer(1), -42);
  EXPECT_EQ(r.integer(2), 17);
  EXPECT_EQ(r.opt_text(3), "abc");
  EXPECT_EQ(r.integer(3), 0);
}

TEST(StoreRowTest, UnixNowIsSeconds) {
  const auto now = unix_now();
  EXPECT_GT(now, 1'600'000'000);
  EXPECT_LT(now, 10'000'000'000);
}

}  // namespace
}  // namespace bs::store::testing
