// Rows of the authorization-code and consent tables (migrations/*/0003_authorization.sql).
// Timestamps are Unix seconds; std::optional marks a nullable column. Bearer values (interaction
// ids, codes, PAR request URIs) appear here only as the SHA-256 hex of the value: the store never
// sees the value itself, so hashing it is the caller's job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bs::store {

// oauth_interactions.state: the values the schema accepts (CHECK constraint).
namespace interaction_state {
inline constexpr std::string_view login_required = "login_required";
inline constexpr std::string_view consent_required = "consent_required";
inline constexpr std::string_view completed = "completed";
inline constexpr std::string_view rejected = "rejected";
inline constexpr std::string_view expired = "expired";
}  // namespace interaction_state

// oauth_interactions.decision.
namespace interaction_decision {
inline constexpr std::string_view accept = "accept";
inline constexpr std::string_view reject = "reject";
}  // namespace interaction_decision

// One authorization request parked while a headless front end collects the login and the consent
// decision.
struct OAuthInteraction {
  std::string id_hash;  // SHA-256 hex of the interaction id (a bearer capability)
  std::string client_id;
  std::string request;                                    // JSON of the validated authorization request
  std::string state;                                      // interaction_state::*
  std::optional<std::string> subject;                     // set once the user is known
  std::optional<std::vector<std::string>> granted_scope;  // stored space-separated; nullopt: undecided
  bool remember = false;                                  // remember the consent for next time
  std::optional<std::string> decision;                    // interaction_decision::*
  std::optional<std::string> redirect_to;                 // where the front end sends the browser
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::int64_t expires_at = 0;
};

// The values transition_interaction writes. A field left nullopt keeps the stored value, so each
// step sets only what it decides (login: subject; consent: granted_scope, remember, decision...).
struct InteractionUpdate {
  std::string state;  // the new interaction_state::*
  std::optional<std::string> subject;
  std::optional<std::vector<std::string>> granted_scope;
  std::optional<bool> remember;
  std::optional<std::string> decision;
  std::optional<std::string> redirect_to;
  std::optional<std::int64_t> expires_at;  // e.g. a fresh window for the consent step
};

struct AuthorizationCode {
  std::string code_hash;  // SHA-256 hex of the code
  std::string client_id;
  std::string redirect_uri;
  std::string code_challenge;  // PKCE (RFC 7636)
  std::string code_challenge_method;
  std::string subject;
  std::vector<std::string> scope;  // stored space-separated
  std::string audience;            // space-separated when several, as OAuthToken::audience
  std::string grant_id;            // the grant family every token issued from this code carries
  std::optional<std::string> interaction_id_hash;
  std::optional<std::string> nonce;  // OpenID Connect
  std::int64_t issued_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> used_at;  // set once, by consume_authorization_code
};

// What consume_authorization_code found.
enum class CodeConsumption {
  consumed,      // this caller won: issue tokens
  already_used,  // a replay: revoke the tokens of code->grant_id (RFC 6749 section 4.1.2)
  expired,       // unused but past expires_at: reject, nothing to revoke
  not_found,     // unknown (or already deleted by the janitor)
};

struct CodeConsumeResult {
  CodeConsumption outcome = CodeConsumption::not_found;
  // The row (after the update when consumed); nullopt only for not_found.
  std::optional<AuthorizationCode> code;
};

// RFC 9126 pushed authorization request.
struct ParRequest {
  std::string request_uri_hash;  // SHA-256 hex of the request_uri
  std::string client_id;
  std::string params;  // JSON of the pushed (validated) parameters
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> used_at;  // set once, by consume_par_request
};

// A subject's standing consent to a client. At most one live (unrevoked) consent per
// (subject, client_id); revoked ones are kept as history.
struct OAuthConsent {
  std::string id;
  std::string subject;
  std::string client_id;
  std::vector<std::string> scope;  // stored space-separated
  bool remember = false;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> revoked_at;
};

// oauth_consent_ledger.action: the values the schema accepts (CHECK constraint).
namespace consent_action {
inline constexpr std::string_view granted = "granted";
inline constexpr std::string_view narrowed = "narrowed";
inline constexpr std::string_view widened = "widened";
inline constexpr std::string_view revoked = "revoked";
inline constexpr std::string_view pre_authorized = "pre_authorized";
}  // namespace consent_action

// One append-only entry of a consent's history.
struct ConsentLedgerEntry {
  std::int64_t id = 0;  // assigned by the database on insert; increases
  std::string consent_id;
  std::string subject;
  std::string client_id;
  std::string action;              // consent_action::*
  std::vector<std::string> scope;  // the consent's scope after the action; stored space-separated
  std::string actor;               // who did it: the subject, an admin actor, "system"...
  std::int64_t at = 0;
};

}  // namespace bs::store
