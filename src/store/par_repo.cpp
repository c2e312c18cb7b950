#include "store/authorization_repositories.hpp"
#include "store/repo_util.hpp"

namespace bs::store {
namespace {

using namespace detail;

constexpr std::string_view kColumns = "request_uri_hash, client_id, params, created_at, expires_at, used_at";

ParRequest to_par(const Row& r) {
  ParRequest q;
  q.request_uri_hash = r.text(0);
  q.client_id = r.text(1);
  q.params = r.text(2);
  q.created_at = r.integer(3);
  q.expires_at = r.integer(4);
  q.used_at = r.opt_integer(5);
  return q;
}

}  // namespace

Status insert_par_request(Executor ex, const ParRequest& q) {
  static const std::string sql =
      "INSERT INTO oauth_par_requests (" + std::string(kColumns) + ") VALUES ($1, $2, $3, $4, $5, $6)";
  const Value p[] = {text(q.request_uri_hash), text(q.client_id),     text(q.params),
                     integer(q.created_at),    integer(q.expires_at), opt(q.used_at)};
  auto r = ex.exec(sql, p);
  if (!r) return error_of(r);
  return ok();
}

Result<std::optional<ParRequest>> find_par_request(Executor ex, std::string_view request_uri_hash) {
  static const std::string sql =
      "SELECT " + std::string(kColumns) + " FROM oauth_par_requests WHERE request_uri_hash = $1";
  const Value p[] = {text(request_uri_hash)};
  return query_one<ParRequest>(ex, sql, p, to_par);
}

Result<std::optional<ParRequest>> consume_par_request(Executor ex, std::string_view request_uri_hash,
                                                      std::string_view client_id, std::int64_t now) {
  // One conditional UPDATE is the compare-and-set; RETURNING gives the winner the row in the same
  // statement.
  static const std::string sql =
      "UPDATE oauth_par_requests SET used_at = $3"
      " WHERE request_uri_hash = $1 AND client_id = $2 AND used_at IS NULL"
      " AND expires_at > $3 RETURNING " +
      std::string(kColumns);
  const Value p[] = {text(request_uri_hash), text(client_id), integer(now)};
  return query_one<ParRequest>(ex, sql, p, to_par);
}

Result<std::int64_t> delete_expired_par_requests(Executor ex, std::int64_t before, std::int64_t batch) {
  if (batch < 1) return fail(ErrorCode::invalid_request, "batch must be at least 1");
  const Value p[] = {integer(before), integer(batch)};
  return ex.exec(
      "DELETE FROM oauth_par_requests WHERE request_uri_hash IN"
      " (SELECT request_uri_hash FROM oauth_par_requests WHERE expires_at < $1 LIMIT $2)",
      p);
}

}  // namespace bs::store
