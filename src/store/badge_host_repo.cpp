#include "store/badge_host_repositories.hpp"
#include "store/repo_util.hpp"

namespace bs::store {
namespace {

using namespace detail;

constexpr std::string_view kCredentialColumns =
    "owner_user_id, issuer_id, credential_id, credential, compact_jws, valid_from, created_at, updated_at";

ObCredentialRow to_credential(const Row& r) {
  ObCredentialRow c;
  c.owner_user_id = r.text(0);
  c.issuer_id = r.text(1);
  c.credential_id = r.text(2);
  c.credential = r.text(3);
  c.compact_jws = r.opt_text(4);
  c.valid_from = r.integer(5);
  c.created_at = r.integer(6);
  c.updated_at = r.integer(7);
  return c;
}

// "since" is optional: one SQL text for both cases, ($2 IS NULL OR valid_from > $2) would make
// PostgreSQL guess the parameter's type.
std::string since_clause(bool has_since) {
  return has_since ? " AND valid_from > $2" : "";
}

}  // namespace

Result<bool> insert_ob_credential_if_absent(Executor ex, const ObCredentialRow& row) {
  static const std::string sql = "INSERT INTO ob_credentials (" + std::string(kCredentialColumns) +
                                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING";
  const Value p[] = {text(row.owner_user_id), text(row.issuer_id),    text(row.credential_id),
                     text(row.credential),    opt(row.compact_jws),   integer(row.valid_from),
                     integer(row.created_at), integer(row.updated_at)};
  auto r = ex.exec(sql, p);
  if (!r) return error_of(r);
  return *r > 0;
}

Result<bool> replace_ob_credential_if_newer(Executor ex, const ObCredentialRow& row) {
  static const std::string sql =
      "UPDATE ob_credentials SET credential = $4, compact_jws = $5, valid_from = $6, updated_at = $7 "
      "WHERE owner_user_id = $1 AND issuer_id = $2 AND credential_id = $3 AND valid_from < $6";
  const Value p[] = {text(row.owner_user_id), text(row.issuer_id),  text(row.credential_id),
                     text(row.credential),    opt(row.compact_jws), integer(row.valid_from),
                     integer(row.updated_at)};
  auto r = ex.exec(sql, p);
  if (!r) return error_of(r);
  return *r > 0;
}

Result<std::optional<ObCredentialRow>> find_ob_credential(Executor ex, std::string_view owner_user_id,
                                                          std::string_view issuer_id,
                                                          std::string_view credential_id) {
  static const std::string sql = "SELECT " + std::string(kCredentialColumns) +
                                 " FROM ob_credentials WHERE owner_user_id = $1 AND issuer_id = $2 AND "
                                 "credential_id = $3";
  const Value p[] = {text(owner_user_id), text(issuer_id), text(credential_id)};
  return query_one<ObCredentialRow>(ex, sql, p, to_credential);
}

namespace {

// getCredentials' statements: the page with the total beside every row, and the total alone (for
// a page past the end, which has no row to carry it).
struct CredentialPageStatements {
  std::string page_sql;
  std::vector<Value> page_params;
  std::string count_sql;
  std::vector<Value> count_params;
};

Result<CredentialPageStatements> credential_page_statements(std::string_view owner_user_id,
                                                            std::optional<std::int64_t> since,
                                                            std::int64_t limit, std::int64_t offset) {
  if (auto st = check_limit(limit); !st) return std::unexpected(st.error());
  if (offset < 0) return fail(ErrorCode::invalid_request, "offset must not be negative");
  CredentialPageStatements out;
  const std::string where = " FROM ob_credentials WHERE owner_user_id = $1" + since_clause(since.has_value());
  const int limit_param = since ? 3 : 2;
  // The total comes from a scalar subquery, evaluated once: a window count would copy every match
  // into a temporary table first (on SQLite that table is most of the statement's cost).
  out.page_sql = "SELECT " + std::string(kCredentialColumns) + ", (SELECT COUNT(*)" + where + ")" + where +
                 " ORDER BY valid_from, issuer_id, credential_id LIMIT $" + std::to_string(limit_param) +
                 " OFFSET $" + std::to_string(limit_param + 1);
  out.count_sql = "SELECT COUNT(*)" + where;
  out.count_params = {text(owner_user_id)};
  if (since) out.count_params.push_back(integer(*since));
  out.page_params = out.count_params;
  out.page_params.push_back(integer(limit));
  out.page_params.push_back(integer(offset));
  return out;
}

// The page from the page statement's rows; nullopt when the total must be counted apart.
std::optional<ObCredentialPage> credential_page_of(const Rows& rows, std::int64_t offset) {
  ObCredentialPage page;
  if (rows.empty()) {
    if (offset == 0) return page;  // nothing matches at all
    return std::nullopt;
  }
  page.total = rows.front().integer(8);
  page.rows.reserve(rows.size());
  for (const Row& r : rows) page.rows.push_back(to_credential(r));
  return page;
}

// The (empty) page past the end, from the count statement's rows.
ObCredentialPage page_past_the_end(const Rows& counted) {
  ObCredentialPage page;
  page.total = counted.empty() ? 0 : counted.front().integer(0);
  return page;
}

}  // namespace

Result<ObCredentialPage> list_ob_credentials(Executor ex, std::string_view owner_user_id,
                                             std::optional<std::int64_t> since, std::int64_t limit,
                                             std::int64_t offset) {
  auto statements = credential_page_statements(owner_user_id, since, limit, offset);
  if (!statements) return std::unexpected(statements.error());
  auto rows = ex.query(statements->page_sql, statements->page_params);
  if (!rows) return error_of(rows);
  if (auto page = credential_page_of(*rows, offset)) return std::move(*page);
  auto counted = ex.query(statements->count_sql, statements->count_params);
  if (!counted) return error_of(counted);
  return page_past_the_end(*counted);
}

bool list_ob_credentials_async(Database& db, std::string_view owner_user_id,
                               std::optional<std::int64_t> since, std::int64_t limit, std::int64_t offset,
                               std::function<void(Result<ObCredentialPage>)> done) {
  auto statements = credential_page_statements(owner_user_id, since, limit, offset);
  if (!statements) {
    // Invalid arguments: answered on the worker, where the same check gives the same error.
    return false;
  }
  auto count_sql = std::move(statements->count_sql);
  auto count_params = std::move(statements->count_params);
  return db.query_async(
      statements->page_sql, std::move(statements->page_params),
      [&db, offset, count_sql = std::move(count_sql), count_params = std::move(count_params),
       done = std::move(done)](Result<Rows> rows) mutable {
        if (!rows) return done(std::unexpected(rows.error()));
        if (auto page = credential_page_of(*rows, offset)) return done(std::move(*page));
        const bool sent = db.query_async(count_sql, std::move(count_params), [done](Result<Rows> counted) {
          if (!counted) return done(std::unexpected(counted.error()));
          done(page_past_the_end(*counted));
        });
        // The pipeline went away between the two statements (it was lost, or is full).
        if (!sent) done(fail(ErrorCode::service_unavailable, "the database connection was lost"));
      });
}

Status upsert_ob_profile(Executor ex, const ObProfileRow& row) {
  static const std::string sql =
      "INSERT INTO ob_profiles (user_id, profile, updated_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (user_id) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at";
  const Value p[] = {text(row.user_id), text(row.profile), integer(row.updated_at)};
  auto r = ex.exec(sql, p);
  if (!r) return error_of(r);
  return ok();
}

Result<std::optional<ObProfileRow>> find_ob_profile(Executor ex, std::string_view user_id) {
  static const std::string sql = "SELECT user_id, profile, updated_at FROM ob_profiles WHERE user_id = $1";
  const Value p[] = {text(user_id)};
  return query_one<ObProfileRow>(ex, sql, p, [](const Row& r) {
    return ObProfileRow{r.text(0), r.text(1), r.integer(2)};
  });
}

}  // namespace bs::store
