// Versioned schema migrations, embedded from src/store/migrations/<dialect>/NNNN_name.sql.
#pragma once

#include <cstdint>
#include <vector>

#include "store/database.hpp"

namespace bs::store {

struct EmbeddedMigration {
  const char* dialect;  // "sqlite" or "postgres"
  std::int64_t version;
  const char* name;
  const char* sql;
};

const std::vector<EmbeddedMigration>& embedded_migrations();

// Applies every migration newer than the schema_migrations table records, in order, each in its own
// transaction, under a database-wide lock so that two instances starting at once apply each once.
// Returns the versions it applied.
Result<std::vector<std::int64_t>> migrate(Database& db);

}  // namespace bs::store
