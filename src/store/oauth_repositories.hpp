// Repository functions for the OAuth tables (same conventions as repositories.hpp: an Executor is
// a Connection& inside a transaction or a Database& for one auto-commit statement).
#pragma once

#include "store/oauth_models.hpp"
#include "store/repositories.hpp"

namespace bs::store {

// --- clients -----------------------------------------------------------------------------------
Status insert_client(Executor ex, const OAuthClient& client);
Result<std::optional<OAuthClient>> find_client(Executor ex, std::string_view client_id);
// Replaces every column except client_id and created_at; false when no such client.
Result<bool> update_client(Executor ex, const OAuthClient& client);
// Deletes the client cutoff.client_id and its tokens, after revoking them so other instances deny
// their JWTs: the unrevoked rows (revoked_at = cutoff.revoked_at), and the tokens without a row by
// recording `cutoff`. False when no such client. Several statements: pass a Connection& inside a
// transaction to make it all-or-nothing (without one, a failure part-way leaves revoked tokens; retry).
Result<bool> delete_client(Executor ex, const ClientRevocation& cutoff);
// True whenever the client exists (also when it already was in that state).
Result<bool> set_client_enabled(Executor ex, std::string_view client_id, bool enabled, std::int64_t now);

struct ClientQuery {
  std::optional<std::string> after_client_id;  // cursor
  std::int64_t limit = 50;
  std::optional<bool> enabled;          // filter
  std::optional<bool> service_account;  // filter
};
// Ordered by client_id.
Result<Page<OAuthClient, std::string>> list_clients(Executor ex, const ClientQuery& query);

// --- tokens ------------------------------------------------------------------------------------
Status insert_token(Executor ex, const OAuthToken& token);
// Many rows in one statement (or as few as the driver allows): the batched access-token writer.
// Batches above 256 rows (or not a power of two) take several statements: pass a Connection&
// inside a transaction for all-or-nothing, and on SQLite for one commit instead of one per statement.
// A duplicate jti is conflict.
Status insert_tokens(Executor ex, const std::vector<OAuthToken>& tokens);
// Inserts the batch atomically and durably, in as few round trips as the dialect allows: on
// PostgreSQL one statement (unnest of one array per column: atomic without BEGIN/COMMIT, so one
// round trip for any batch), on SQLite one transaction of insert_tokens.
Status record_tokens(Database& db, const std::vector<OAuthToken>& tokens);
Result<std::optional<OAuthToken>> find_token(Executor ex, std::string_view jti);
// Sets revoked_at unless already revoked, and records a Revocation; false when no such live token.
// "Live": unrevoked and expires_at > now. Each revocation is one UPDATE; a trigger on oauth_tokens
// inserts the Revocation rows within that statement, so this is atomic with any Executor.
Result<bool> revoke_token(Executor ex, std::string_view jti, std::int64_t now);
// Revokes every live token row of a client / a subject / a grant (family); returns how many. Each is
// recorded as a Revocation. For a client, also every token without a row, by recording `cutoff`
// (rows revoked at cutoff.revoked_at): two statements, so pass a Connection& in a transaction.
Result<std::int64_t> revoke_tokens_of_client(Executor ex, const ClientRevocation& cutoff);
Result<std::int64_t> revoke_tokens_of_subject(Executor ex, std::string_view subject, std::int64_t now);
// What a subject holds for one client (a revoked consent).
Result<std::int64_t> revoke_tokens_of_subject_and_client(Executor ex, std::string_view subject,
                                                         std::string_view client_id, std::int64_t now);
Result<std::int64_t> revoke_tokens_of_grant(Executor ex, std::string_view grant_id, std::int64_t now);
// Refresh rotation: sets used_at = now only while used_at IS NULL and revoked_at IS NULL; of
// concurrent callers exactly one gets true.
Result<bool> mark_token_used(Executor ex, std::string_view jti, std::int64_t now);

struct TokenQuery {
  std::optional<std::string> client_id;
  std::optional<std::string> subject;
  std::optional<std::string> after_jti;  // cursor
  std::int64_t limit = 50;
  bool include_inactive = false;  // false: only unrevoked, unexpired at `now`
  std::int64_t now = 0;
};
// Ordered by jti.
Result<Page<OAuthToken, std::string>> list_tokens(Executor ex, const TokenQuery& query);

// --- revocations (cross-instance deny list) ---------------------------------------------------
// Revocations with id > after_id whose token has not expired at now, oldest first, at most limit
// (>= 1; not capped at kMaxPageLimit). Ids become visible in increasing order on both dialects, so
// a poller that remembers the last id it saw misses none.
Result<std::vector<Revocation>> list_revocations_since(Executor ex, std::int64_t after_id, std::int64_t now,
                                                       std::int64_t limit);
// Records a client's cut-off; a later cut-off of the same client replaces an earlier one (never
// moves it back).
Status record_client_revocation(Executor ex, const ClientRevocation& revocation);
// The cut-offs still in force at now, every one of them (a handful: they are admin actions).
Result<std::vector<ClientRevocation>> list_client_revocations(Executor ex, std::int64_t now);

// --- RFC 7523 client assertion jti replay protection ------------------------------------------
// Records (client_id, jti) until expires_at; conflict when the pair is already recorded. A replay
// does not abort the caller's PostgreSQL transaction (ON CONFLICT DO NOTHING, not a violation).
Status record_assertion_jti(Executor ex, std::string_view client_id, std::string_view jti,
                            std::int64_t expires_at);

// --- janitor -----------------------------------------------------------------------------------
// Deletes at most batch rows of tokens expired before `before` (and of revocations, client cut-offs
// and assertion jtis likewise); returns how many rows it deleted in all. Callers loop until it returns <
// batch. "Expired before": expires_at < before. batch >= 1.
Result<std::int64_t> delete_expired_oauth_rows(Executor ex, std::int64_t before, std::int64_t batch);

}  // namespace bs::store
