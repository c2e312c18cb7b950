// Shared by the tests/unit/store_*.cpp suites: every test runs against a fresh SQLite file and,
// when BADGESERVER_TEST_POSTGRES_URL names a server, against a fresh PostgreSQL schema.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/errors.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace bs::store::testing {

enum class Backend { sqlite, postgres };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::sqlite ? "sqlite" : "postgres";
}

inline const char* postgres_url() {
  const char* url = std::getenv("BADGESERVER_TEST_POSTGRES_URL");
  return (url && *url) ? url : nullptr;
}

// Prints the error of a failed Result/Status.
template <class R>
::testing::AssertionResult Ok(const R& r) {
  if (r) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << error_code_name(r.error().code) << ": " << r.error().description;
}

template <class R>
::testing::AssertionResult FailsWith(const R& r, ErrorCode code) {
  if (r) return ::testing::AssertionFailure() << "succeeded, expected " << error_code_name(code);
  if (r.error().code == code) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "failed with " << error_code_name(r.error().code) << " ("
                                       << r.error().description << "), expected " << error_code_name(code);
}

inline std::string unique_suffix() {
  static std::atomic<int> counter{0};
  return std::to_string(::getpid()) + "_" + std::to_string(counter.fetch_add(1));
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::sqlite) {
      path_ = "/tmp/bs_store_test_" + unique_suffix() + ".db";
      url_ = "sqlite:" + path_;
    } else {
      const char* base = postgres_url();
      if (!base) GTEST_SKIP() << "BADGESERVER_TEST_POSTGRES_URL is not set; skipping the PostgreSQL run";
      // A schema per test keeps tests (and concurrent test processes) from seeing each other's rows.
      schema_ = "bs_test_" + unique_suffix();
      auto admin = open_database(base, DatabaseOptions{.pool_size = 1});
      ASSERT_TRUE(Ok(admin));
      admin_ = std::move(*admin);
      ASSERT_TRUE(Ok(admin_->exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE")));
      ASSERT_TRUE(Ok(admin_->exec("CREATE SCHEMA " + schema_)));
      const std::string sep = std::string(base).find('?') == std::string::npos ? "?" : "&";
      url_ = std::string(base) + sep + "options=-csearch_path%3D" + schema_ + "&application_name=" + schema_;
    }
    auto db = open_database(url_, options());
    ASSERT_TRUE(Ok(db));
    db_ = std::move(*db);
  }

  void TearDown() override {
    db_.reset();
    if (!path_.empty()) {
      for (const char* ext : {"", "-wal", "-shm", "-journal"}) std::remove((path_ + ext).c_str());
    }
    if (admin_) (void)admin_->exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }

  virtual DatabaseOptions options() const { return DatabaseOptions{.pool_size = 4}; }

  // Another Database on the same storage, as a second server instance would have.
  std::unique_ptr<Database> open_another() {
    auto db = open_database(url_, options());
    EXPECT_TRUE(Ok(db));
    return db ? std::move(*db) : nullptr;
  }

  Database& db() { return *db_; }
  bool is_postgres() const { return GetParam() == Backend::postgres; }

  std::string url_;
  std::string path_;    // SQLite
  std::string schema_;  // PostgreSQL
  std::unique_ptr<Database> admin_;
  std::unique_ptr<Database> db_;
};

}  // namespace bs::store::testing
