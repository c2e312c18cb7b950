// The janitor: deletes expired rows (tokens, revocations, assertion jtis, codes, interactions, PAR
// requests, sessions) so the tables stay bounded by what is alive plus one batch.
#pragma once

#include <cstdint>

#include "store/database.hpp"

namespace bs::store {

// Rows per DELETE statement: a batch holds the write lock briefly, so requests are not stalled.
inline constexpr std::int64_t kJanitorBatch = 1000;

struct JanitorRun {
  bool ran = false;  // false: another instance was running the janitor, nothing was done
  std::int64_t deleted_rows = 0;
};

// Deletes every row that expired before `now`, batch by batch. Several instances on one
// PostgreSQL database run it one at a time (a non-blocking advisory lock): an instance that finds
// the lock taken skips this round instead of deleting the same rows or waiting.
Result<JanitorRun> run_janitor(Database& db, std::int64_t now, std::int64_t batch = kJanitorBatch);

}  // namespace bs::store
