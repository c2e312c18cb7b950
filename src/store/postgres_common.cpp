#include "store/postgres_common.hpp"

#include <charconv>
#include <chrono>
#include <map>
#include <mutex>
#include <string_view>

#include "common/log.hpp"

namespace bs::store::detail {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

void log_libpq_reason(const char* what, const std::string& reason) {
  static std::mutex mutex;
  static std::map<std::string_view, std::int64_t> last_logged_ms;  // by what: a handful of literals
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
  {
    std::lock_guard lock(mutex);
    auto [it, first] = last_logged_ms.try_emplace(what, now);
    if (!first) {
      if (now - it->second < 1000) return;
      it->second = now;
    }
  }
  log::warn(what, {{"reason", reason}});
}

PGconn* connect_blocking(const ConnParams& params) {
  std::vector<const char*> keys;
  std::vector<const char*> values;
  for (std::size_t i = 0; i < params.keys.size(); ++i) {
    keys.push_back(params.keys[i].c_str());
    values.push_back(params.values[i].c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  return PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
}

EncodedParams::EncodedParams(std::span<const Value> params)
    : values(params.size(), nullptr), types(params.size(), 0) {
  integers.reserve(params.size());  // no reallocation: values point into it
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (const auto* n = std::get_if<std::int64_t>(&params[i])) {
      integers.push_back(std::to_string(*n));
      values[i] = integers.back().c_str();
      types[i] = kInt8Oid;
    } else if (const auto* s = std::get_if<std::string>(&params[i])) {
      values[i] = s->c_str();
    }
  }
}

std::string EncodedParams::statement_key(std::string_view sql) const {
  std::string key(sql);
  key.push_back('\0');
  for (Oid t : types) key.push_back(t == kInt8Oid ? 'i' : '?');
  return key;
}

Rows rows_of(const PGresult* r) {
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

PgFailure classify_failure(PGconn* conn, const PGresult* res) {
  const char* state_c = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const std::string state = state_c ? state_c : "";
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string msg = primary ? std::string(primary) : trimmed(PQerrorMessage(conn));
  if (PQstatus(conn) != CONNECTION_OK || state.starts_with("08") || state == "57P01" || state == "57P02" ||
      state == "57P03") {
    // The server's own message ("terminating connection due to administrator command") is safe
    // to pass on; libpq's may name the host and port, so it goes to the log only.
    if (primary)
      return {Error(ErrorCode::service_unavailable, "PostgreSQL connection lost: " + msg), true, false};
    log_libpq_reason("PostgreSQL connection lost", msg);
    return {
        Error(ErrorCode::service_unavailable, "PostgreSQL connection lost (the server log has the reason)"),
        true, false};
  }
  if (state == "23505") return {Error(ErrorCode::conflict, msg), false, false};
  if (state == "40001" || state == "40P01") return {Error(ErrorCode::conflict, msg), false, true};
  if (!state.empty()) msg += " (SQLSTATE " + state + ")";
  return {Error(ErrorCode::internal_error, "postgres: " + msg), false, false};
}

}  // namespace bs::store::detail
