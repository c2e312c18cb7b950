#include "store/rate_limit_repositories.hpp"
#include "store/repo_util.hpp"

namespace bs::store {
namespace {

using namespace detail;

constexpr std::string_view kSelectQuotas =
    "SELECT client_id, endpoint, requests, per_seconds, updated_at FROM client_quotas";

std::vector<ClientQuotaRow> to_quotas(const Rows& rows) {
  std::vector<ClientQuotaRow> out;
  out.reserve(rows.size());
  for (const Row& r : rows) out.push_back({r.text(0), r.text(1), r.integer(2), r.integer(3), r.integer(4)});
  return out;
}

}  // namespace

Result<std::vector<ClientQuotaRow>> list_client_quotas(Executor ex) {
  auto rows = ex.query(std::string(kSelectQuotas) + " ORDER BY client_id, endpoint");
  if (!rows) return error_of(rows);
  return to_quotas(*rows);
}

Result<std::vector<ClientQuotaRow>> client_quotas_of(Executor ex, const std::string& client_id) {
  const Value params[] = {text(client_id)};
  auto rows = ex.query(std::string(kSelectQuotas) + " WHERE client_id = $1 ORDER BY endpoint", params);
  if (!rows) return error_of(rows);
  return to_quotas(*rows);
}

Status replace_client_quotas(Executor ex, const std::string& client_id,
                             const std::vector<ClientQuotaRow>& rows) {
  const Value key[] = {text(client_id)};
  if (auto d = ex.exec("DELETE FROM client_quotas WHERE client_id = $1", key); !d) return error_of(d);
  for (const auto& q : rows) {
    const Value params[] = {text(client_id), text(q.endpoint), integer(q.requests), integer(q.per_seconds),
                            integer(q.updated_at)};
    auto inserted = ex.exec(
        "INSERT INTO client_quotas (client_id, endpoint, requests, per_seconds, updated_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        params);
    if (!inserted) return error_of(inserted);
  }
  return ok();
}

Result<std::int64_t> advance_rate_limit_state(Executor ex, Dialect dialect, const std::string& limit_name,
                                              const std::string& bucket_key, std::int64_t now_micros,
                                              std::int64_t increment_micros) {
  const Value params[] = {text(limit_name), text(bucket_key), integer(now_micros), integer(increment_micros)};
  // One statement: concurrent instances serialize on the row, none of their increments is lost.
  const std::string_view sql =
      dialect == Dialect::postgres
          ? "INSERT INTO rate_limit_state (limit_name, bucket_key, tat_micros) VALUES ($1, $2, $3 + $4)"
            " ON CONFLICT (limit_name, bucket_key) DO UPDATE SET tat_micros ="
            " GREATEST(rate_limit_state.tat_micros, $3) + $4 RETURNING tat_micros"
          : "INSERT INTO rate_limit_state (limit_name, bucket_key, tat_micros) VALUES ($1, $2, $3 + $4)"
            " ON CONFLICT (limit_name, bucket_key) DO UPDATE SET tat_micros ="
            " MAX(rate_limit_state.tat_micros, $3) + $4 RETURNING tat_micros";
  auto rows = ex.query(sql, params);
  if (!rows) return error_of(rows);
  if (rows->empty()) return fail(ErrorCode::internal_error, "rate limit upsert returned no row");
  return rows->front().integer(0);
}

Result<std::int64_t> delete_idle_rate_limit_state(Executor ex, std::int64_t before_micros) {
  const Value params[] = {integer(before_micros)};
  return ex.exec("DELETE FROM rate_limit_state WHERE tat_micros < $1", params);
}

}  // namespace bs::store
