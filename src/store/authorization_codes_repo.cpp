#include "store/authorization_repositories.hpp"
#include "store/repo_util.hpp"

namespace bs::store {
namespace {

using namespace detail;

constexpr std::string_view kColumns =
    "code_hash, client_id, redirect_uri, code_challenge, code_challenge_method, subject, scope, audience,"
    " grant_id, interaction_id_hash, nonce, issued_at, expires_at, used_at";

AuthorizationCode to_code(const Row& r) {
  AuthorizationCode c;
  c.code_hash = r.text(0);
  c.client_id = r.text(1);
  c.redirect_uri = r.text(2);
  c.code_challenge = r.text(3);
  c.code_challenge_method = r.text(4);
  c.subject = r.text(5);
  c.scope = split_words(r.text(6));
  c.audience = r.text(7);
  c.grant_id = r.text(8);
  c.interaction_id_hash = r.opt_text(9);
  c.nonce = r.opt_text(10);
  c.issued_at = r.integer(11);
  c.expires_at = r.integer(12);
  c.used_at = r.opt_integer(13);
  return c;
}

}  // namespace

Status insert_authorization_code(Executor ex, const AuthorizationCode& c) {
  static const std::string sql = "INSERT INTO oauth_authorization_codes (" + std::string(kColumns) +
                                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
  const Value p[] = {text(c.code_hash),
                     text(c.client_id),
                     text(c.redirect_uri),
                     text(c.code_challenge),
                     text(c.code_challenge_method),
                     text(c.subject),
                     text(join_words(c.scope)),
                     text(c.audience),
                     text(c.grant_id),
                     opt(c.interaction_id_hash),
                     opt(c.nonce),
                     integer(c.issued_at),
                     integer(c.expires_at),
                     opt(c.used_at)};
  auto r = ex.exec(sql, p);
  if (!r) return error_of(r);
  return ok();
}

Result<std::optional<AuthorizationCode>> find_authorization_code(Executor ex, std::string_view code_hash) {
  static const std::string sql =
      "SELECT " + std::string(kColumns) + " FROM oauth_authorization_codes WHERE code_hash = $1";
  const Value p[] = {text(code_hash)};
  return query_one<AuthorizationCode>(ex, sql, p, to_code);
}

Result<CodeConsumeResult> consume_authorization_code(Executor ex, std::string_view code_hash,
                                                     std::int64_t now) {
  // The conditional UPDATE is the compare-and-set (the database serializes updates of the row; a
  // loser's WHERE no longer matches once used_at is set). RETURNING hands the winner its row
  // without a second read that a concurrent janitor could race.
  static const std::string consume =
      "UPDATE oauth_authorization_codes SET used_at = $2"
      " WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2"
      " RETURNING " +
      std::string(kColumns);
  const Value p[] = {text(code_hash), integer(now)};
  auto won = query_one<AuthorizationCode>(ex, consume, p, to_code);
  if (!won) return error_of(won);
  if (*won) return CodeConsumeResult{CodeConsumption::consumed, std::move(*won)};

  // Lost: say why. used_at never goes back to NULL and expires_at never changes, so this read
  // cannot contradict the UPDATE (short of the janitor deleting the row, which is not_found).
  auto row = find_authorization_code(ex, code_hash);
  if (!row) return error_of(row);
  if (!*row) return CodeConsumeResult{CodeConsumption::not_found, std::nullopt};
  const CodeConsumption outcome = (*row)->used_at ? CodeConsumption::already_used : CodeConsumption::expired;
  return CodeConsumeResult{outcome, std::move(*row)};
}

Result<std::int64_t> delete_expired_authorization_codes(Executor ex, std::int64_t before,
                                                        std::int64_t batch) {
  if (batch < 1) return fail(ErrorCode::invalid_request, "batch must be at least 1");
  const Value p[] = {integer(before), integer(batch)};
  return ex.exec(
      "DELETE FROM oauth_authorization_codes WHERE code_hash IN"
      " (SELECT code_hash FROM oauth_authorization_codes WHERE expires_at < $1 LIMIT $2)",
      p);
}

// --- janitor ---------------------------------------------------------------------------------------

Result<std::int64_t> delete_expired_authorization_rows(Executor ex, std::int64_t before, std::int64_t batch) {
  if (batch < 1) return fail(ErrorCode::invalid_request, "batch must be at least 1");
  // One budget across the three tables, each DELETE bounded by what is left of it: a call never
  // holds the write lock for more than `batch` rows, and a total below `batch` means every table is
  // clean, so the caller's loop ends.
  using DeleteExpired = Result<std::int64_t> (*)(Executor, std::int64_t, std::int64_t);
  static constexpr DeleteExpired kDeletes[] = {
      delete_expired_interactions, delete_expired_authorization_codes, delete_expired_par_requests};
  std::int64_t total = 0;
  for (DeleteExpired del : kDeletes) {
    if (total >= batch) break;
    auto n = del(ex, before, batch - total);
    if (!n) return error_of(n);
    total += *n;
  }
  return total;
}

}  // namespace bs::store
