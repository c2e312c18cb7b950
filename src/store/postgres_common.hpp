// What the PostgreSQL driver's two kinds of connection share: the pooled blocking ones
// (postgres_database.cpp) and the pipelined one per network thread (postgres_pipeline.cpp).
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "store/database.hpp"

namespace bs::store::detail {

// Type OIDs from pg_type.h (not installed with the client headers).
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;

// Connection keywords and values for PQconnectdbParams/PQconnectStartParams: our defaults first, then
// the URL (as dbname, expanded), which may override them.
struct ConnParams {
  std::vector<std::string> keys;
  std::vector<std::string> values;
};

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

// PQconnectdbParams with these parameters: blocks (host name resolution, up to connect_timeout).
// Null only when out of memory; else PQstatus tells whether it connected, and the caller PQfinishes it.
PGconn* connect_blocking(const ConnParams& params);

std::string trimmed(std::string s);

// At most one line a second per `what` (a string literal): during an outage every request tries
// to reconnect.
void log_libpq_reason(const char* what, const std::string& reason);

// A statement's parameters as libpq takes them: text values, integers typed int8 (so that
// "$1 IS NULL OR ..." and arithmetic know their type), other types left to the server.
struct EncodedParams {
  explicit EncodedParams(std::span<const Value> params);
  std::vector<std::string> integers;  // decimal text of the integer parameters, kept alive here
  std::vector<const char*> values;
  std::vector<Oid> types;
  // The prepared-statement cache key of `sql` with these parameter types.
  std::string statement_key(std::string_view sql) const;
};

// The rows of a PGRES_TUPLES_OK result: int2/int4/int8 columns as integers, the rest as text.
Rows rows_of(const PGresult* result);

// A failed statement's error, as the driver reports it.
struct PgFailure {
  Error error;
  bool connection_lost = false;  // reconnect before the next statement
  bool retryable = false;        // serialization failure or deadlock: the transaction may be run again
};
PgFailure classify_failure(PGconn* conn, const PGresult* result);

}  // namespace bs::store::detail
