#include "store/authorization_repositories.hpp"
#include "store/repo_util.hpp"

namespace bs::store {
namespace {

using namespace detail;

constexpr std::string_view kColumns =
    "id_hash, client_id, request, state, subject, granted_scope, remember, decision, redirect_to, created_at,"
    " updated_at, expires_at";

OAuthInteraction to_interaction(const Row& r) {
  OAuthInteraction i;
  i.id_hash = r.text(0);
  i.client_id = r.text(1);
  i.request = r.text(2);
  i.state = r.text(3);
  i.subject = r.opt_text(4);
  if (!r.is_null(5)) i.granted_scope = split_words(r.text(5));
  i.remember = r.integer(6) != 0;
  i.decision = r.opt_text(7);
  i.redirect_to = r.opt_text(8);
  i.created_at = r.integer(9);
  i.updated_at = r.integer(10);
  i.expires_at = r.integer(11);
  return i;
}

Value opt_words(const std::optional<std::vector<std::string>>& words) {
  return words ? text(join_words(*words)) : null_value();
}

}  // namespace

Status insert_interaction(Executor ex, const OAuthInteraction& i) {
  static const std::string sql = "INSERT INTO oauth_interactions (" + std::string(kColumns) +
                                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
  const Value p[] = {text(i.id_hash),       text(i.client_id),     text(i.request),
                     text(i.state),         opt(i.subject),        opt_words(i.granted_scope),
                     boolean(i.remember),   opt(i.decision),       opt(i.redirect_to),
                     integer(i.created_at), integer(i.updated_at), integer(i.expires_at)};
  auto r = ex.exec(sql, p);
  if (!r) return error_of(r);
  return ok();
}

Result<std::optional<OAuthInteraction>> find_interaction(Executor ex, std::string_view id_hash) {
  static const std::string sql =
      "SELECT " + std::string(kColumns) + " FROM oauth_interactions WHERE id_hash = $1";
  const Value p[] = {text(id_hash)};
  return query_one<OAuthInteraction>(ex, sql, p, to_interaction);
}

Result<bool> transition_interaction(Executor ex, std::string_view id_hash, std::string_view expected_state,
                                    const InteractionUpdate& u, std::int64_t now) {
  // One conditional UPDATE is the compare-and-set: the database serializes updates of the row, and
  // a loser's WHERE no longer matches the state the winner replaced. COALESCE keeps a column whose
  // new value is NULL (nullopt), so each step writes only what it decides.
  static constexpr std::string_view kSet =
      "UPDATE oauth_interactions SET state = $3, subject = COALESCE($4, subject),"
      " granted_scope = COALESCE($5, granted_scope), remember = COALESCE($6, remember),"
      " decision = COALESCE($7, decision), redirect_to = COALESCE($8, redirect_to),"
      " expires_at = COALESCE($9, expires_at), updated_at = $10 WHERE id_hash = $1 AND state = $2";
  static const std::string live = std::string(kSet) + " AND expires_at > $10";
  // Marking an interaction expired is the one change allowed after its expiry.
  static const std::string any = std::string(kSet);
  const Value p[] = {
      text(id_hash),   text(expected_state),       text(u.state),
      opt(u.subject),  opt_words(u.granted_scope), u.remember ? boolean(*u.remember) : null_value(),
      opt(u.decision), opt(u.redirect_to),         opt(u.expires_at),
      integer(now)};
  auto r = ex.exec(u.state == interaction_state::expired ? any : live, p);
  if (!r) return error_of(r);
  return *r > 0;
}

Result<std::int64_t> delete_expired_interactions(Executor ex, std::int64_t before, std::int64_t batch) {
  if (batch < 1) return fail(ErrorCode::invalid_request, "batch must be at least 1");
  // Bounded through a keyed subquery: neither dialect (SQLite as usually built) has DELETE ... LIMIT.
  const Value p[] = {integer(before), integer(batch)};
  return ex.exec(
      "DELETE FROM oauth_interactions WHERE id_hash IN"
      " (SELECT id_hash FROM oauth_interactions WHERE expires_at < $1 LIMIT $2)",
      p);
}

}  // namespace bs::store
