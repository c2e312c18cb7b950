// Repository functions for the authorization-code flow and programmatic consent
// (migrations/*/0003_authorization.sql). Same conventions as repositories.hpp:
//   - an Executor is a Connection& inside Database::transaction (several calls, one atomic unit)
//     or a Database& (each statement in its own auto-commit transaction);
//   - functions that change a row by key return Result<bool>: whether it changed (false: no such
//     row, or its state did not allow the change);
//   - inserting a duplicate key is ErrorCode::conflict;
//   - page limits are 1..kMaxPageLimit (invalid_request otherwise);
//   - "expired before `before`" means expires_at < before; "live at now" means expires_at > now.
// Bearer values (interaction ids, codes, PAR request URIs) are passed in as their SHA-256 hex: the
// caller hashes, the store never sees the value.
//
// Single-use and state-machine changes (transition_interaction, consume_authorization_code,
// consume_par_request) are one conditional UPDATE each, so they are safe with any Executor and
// across server instances: of concurrent callers exactly one wins.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/authorization_models.hpp"
#include "store/repositories.hpp"

namespace bs::store {

// --- interactions ------------------------------------------------------------------------------
Status insert_interaction(Executor ex, const OAuthInteraction& interaction);
// Whatever its state or expiry: callers check expires_at (transition_interaction enforces it).
Result<std::optional<OAuthInteraction>> find_interaction(Executor ex, std::string_view id_hash);
// Compare-and-set: applies `update` (state, updated_at = now, and every non-nullopt field) only
// while the stored state is expected_state and the interaction is live at now. An interaction past
// its expiry can still be moved to interaction_state::expired. Of concurrent callers expecting the
// same state exactly one gets true, so two decisions on one interaction cannot both win. false: no
// such interaction, another state, or expired.
Result<bool> transition_interaction(Executor ex, std::string_view id_hash, std::string_view expected_state,
                                    const InteractionUpdate& update, std::int64_t now);
// Deletes at most batch (>= 1) interactions expired before `before`, whatever their state;
// returns how many.
Result<std::int64_t> delete_expired_interactions(Executor ex, std::int64_t before, std::int64_t batch);

// --- authorization codes -----------------------------------------------------------------------
Status insert_authorization_code(Executor ex, const AuthorizationCode& code);
// Whatever its use or expiry.
Result<std::optional<AuthorizationCode>> find_authorization_code(Executor ex, std::string_view code_hash);
// Single use: sets used_at = now only while used_at IS NULL and the code is live at now. Of
// concurrent callers exactly one gets consumed; the others get already_used with the row, whose
// grant_id names the tokens to revoke (a replayed code). Checking client_id, redirect_uri and the
// PKCE verifier against the returned row is the caller's job; a mismatch after consumed leaves the
// code used, as it should (RFC 6749 section 10.5: a code is attempted once).
Result<CodeConsumeResult> consume_authorization_code(Executor ex, std::string_view code_hash,
                                                     std::int64_t now);
// Deletes at most batch (>= 1) codes expired before `before`, used or not (a used code is kept
// until then so a replay is still recognized); returns how many.
Result<std::int64_t> delete_expired_authorization_codes(Executor ex, std::int64_t before, std::int64_t batch);

// --- pushed authorization requests (RFC 9126) --------------------------------------------------
Status insert_par_request(Executor ex, const ParRequest& request);
// Whatever its use or expiry.
Result<std::optional<ParRequest>> find_par_request(Executor ex, std::string_view request_uri_hash);
// Single use: sets used_at = now and returns the row only while it is unused, live at now and was
// pushed by client_id (RFC 9126 section 4: the request_uri is bound to its client, so another
// client presenting it does not use it up). nullopt: unknown, used, expired or another client's.
// Of concurrent callers exactly one gets the row.
Result<std::optional<ParRequest>> consume_par_request(Executor ex, std::string_view request_uri_hash,
                                                      std::string_view client_id, std::int64_t now);
// Deletes at most batch (>= 1) requests expired before `before`, used or not; returns how many.
Result<std::int64_t> delete_expired_par_requests(Executor ex, std::int64_t before, std::int64_t batch);

// --- consents ----------------------------------------------------------------------------------
// conflict when the id exists or (subject, client_id) already has a live consent. Either way the
// row is skipped rather than violating a constraint, so on PostgreSQL the caller's transaction
// stays usable: a grant racing another can then find_live_consent and update it instead.
Status insert_consent(Executor ex, const OAuthConsent& consent);
// Live or revoked.
Result<std::optional<OAuthConsent>> find_consent(Executor ex, std::string_view id);
// The unrevoked consent of subject to client_id (there is at most one).
Result<std::optional<OAuthConsent>> find_live_consent(Executor ex, std::string_view subject,
                                                      std::string_view client_id);
// Replaces scope and remember and sets updated_at = now, on a live consent only; false when no
// such consent or it is revoked. Writing the matching ledger entry is the caller's job.
Result<bool> update_consent_scope(Executor ex, std::string_view id, const std::vector<std::string>& scope,
                                  bool remember, std::int64_t now);
// Sets revoked_at = updated_at = now unless already revoked; false when no such live consent.
Result<bool> revoke_consent(Executor ex, std::string_view id, std::int64_t now);
// Revokes every live consent of a subject / of a client (one statement each) and returns the rows
// it revoked, ordered by id, so the caller can write their ledger entries and revoke their tokens.
// Not paged: a client's consents come back all at once.
Result<std::vector<OAuthConsent>> revoke_consents_of_subject(Executor ex, std::string_view subject,
                                                             std::int64_t now);
Result<std::vector<OAuthConsent>> revoke_consents_of_client(Executor ex, std::string_view client_id,
                                                            std::int64_t now);

struct ConsentQuery {
  std::optional<std::string> subject;    // filter
  std::optional<std::string> client_id;  // filter
  std::optional<std::string> after_id;   // cursor
  std::int64_t limit = 50;
  bool include_revoked = false;  // false: only live consents
};
// Ordered by id.
Result<Page<OAuthConsent, std::string>> list_consents(Executor ex, const ConsentQuery& query);

// --- consent ledger (append-only: there is no update or delete) --------------------------------
// Ignores entry.id; returns the id the database assigned. The consent must exist (foreign key).
Result<std::int64_t> append_consent_ledger(Executor ex, const ConsentLedgerEntry& entry);
// One consent's entries with id > after_id (all when nullopt), oldest first (id ascending).
Result<Page<ConsentLedgerEntry, std::int64_t>> list_consent_ledger(
    Executor ex, std::string_view consent_id, const std::optional<std::int64_t>& after_id,
    std::int64_t limit);

// --- janitor -----------------------------------------------------------------------------------
// Deletes at most batch (>= 1) rows in all of interactions, authorization codes and PAR requests
// expired before `before`; returns how many. Callers loop until it returns < batch. Consents and
// the ledger are history and never expire.
Result<std::int64_t> delete_expired_authorization_rows(Executor ex, std::int64_t before, std::int64_t batch);

}  // namespace bs::store
