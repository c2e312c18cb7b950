#include "store/migrations.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <string_view>

namespace bs::store {
namespace {

// Advisory-lock key shared by every badgeserver instance on a database: ASCII "bsmigrat".
constexpr std::int64_t kMigrationLockKey = 0x62736d6967726174;

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";

Status apply(Database& db, Connection& c, const EmbeddedMigration& m) {
  const Value params[] = {Value{m.version}, Value{std::string(m.name)}, Value{unix_now()}};
  auto body = [&]() -> Status {
    if (auto st = c.exec_script(m.sql); !st) return st;
    if (auto r =
            c.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", params);
        !r) {
      return std::unexpected(r.error());
    }
    return ok();
  };
  auto annotate = [&](Error e) {
    e.description = "migration " + std::to_string(m.version) + "_" + m.name + ": " + e.description;
    return std::unexpected(std::move(e));
  };
  if (db.dialect() == Dialect::sqlite) {
    // with_exclusive_lock is already one BEGIN IMMEDIATE transaction on SQLite: every pending
    // migration commits or rolls back together, which keeps each one atomic as well.
    if (auto st = body(); !st) return annotate(st.error());
    return ok();
  }
  // PostgreSQL: the advisory lock spans several transactions, one per migration.
  if (auto b = c.exec("BEGIN", {}); !b) return annotate(b.error());
  Status st = body();
  if (st) {
    if (auto committed = c.exec("COMMIT", {}); !committed) st = std::unexpected(committed.error());
  }
  if (!st) {
    (void)c.exec("ROLLBACK", {});
    return annotate(st.error());
  }
  return ok();
}

}  // namespace

Result<std::vector<std::int64_t>> migrate(Database& db) {
  const std::string_view dialect = db.dialect() == Dialect::sqlite ? "sqlite" : "postgres";
  std::vector<const EmbeddedMigration*> mine;
  for (const auto& m : embedded_migrations()) {
    if (dialect == m.dialect) mine.push_back(&m);
  }
  std::ranges::sort(mine, {}, &EmbeddedMigration::version);
  for (std::size_t i = 1; i < mine.size(); ++i) {
    if (mine[i]->version == mine[i - 1]->version) {
      return fail(ErrorCode::internal_error,
                  "two migrations have version " + std::to_string(mine[i]->version));
    }
  }

  std::vector<std::int64_t> applied_now;
  Status st = db.with_exclusive_lock(kMigrationLockKey, [&](Connection& c) -> Status {
    applied_now.clear();
    if (auto created = c.exec_script(kCreateTable); !created) return created;
    // Read under the lock: another instance may have finished migrating while we waited for it.
    auto rows = c.query("SELECT version FROM schema_migrations", {});
    if (!rows) return std::unexpected(rows.error());
    std::set<std::int64_t> done;
    for (const Row& r : *rows) done.insert(r.integer(0));
    // Versions this binary does not know (a newer instance migrated first) are left alone, so an
    // older instance keeps running during a rolling upgrade.
    for (const EmbeddedMigration* m : mine) {
      if (done.contains(m->version)) continue;
      if (auto applied = apply(db, c, *m); !applied) return applied;
      applied_now.push_back(m->version);
    }
    return ok();
  });
  if (!st) return std::unexpected(st.error());
  return applied_now;
}

}  // namespace bs::store
