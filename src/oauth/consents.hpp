// Programmatic consent: a subject's standing consent to a client, with an append-only ledger of
// every grant, narrowing, widening, pre-authorization and revocation (actor and time). Revoking a
// consent revokes the refresh and access tokens the subject holds for that client.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "auth/audit.hpp"
#include "common/errors.hpp"
#include "oauth/token_service.hpp"
#include "store/authorization_models.hpp"
#include "store/authorization_repositories.hpp"
#include "store/database.hpp"
#include "store/repositories.hpp"

namespace bs::oauth {

class ConsentService {
 public:
  ConsentService(store::Database& db, TokenService& tokens, auth::AuditLog& audit);

  // Does a remembered, live consent of subject to client_id cover every scope in `scope`?
  Result<bool> covers(const std::string& subject, const std::string& client_id,
                      const std::vector<std::string>& scope);

  // Records a consent decision from the interaction API: creates the consent, or widens/narrows an
  // existing one (ledger: granted | widened | narrowed). remember=false still records the consent
  // (so it can be listed and revoked) but covers() ignores it.
  Result<store::OAuthConsent> record_grant(const std::string& subject, const std::string& client_id,
                                           const std::vector<std::string>& scope, bool remember,
                                           const std::string& actor);

  // Admin pre-authorization (ledger: pre_authorized): a remembered consent so that the interaction
  // completes without asking. not_found for an unknown client or subject; invalid_scope for a scope
  // the client did not register.
  Result<store::OAuthConsent> pre_authorize(const std::string& subject, const std::string& client_id,
                                            const std::vector<std::string>& scope, const std::string& actor);

  // Revokes one consent and the subject's tokens for that client (ledger: revoked). With
  // only_subject set, the consent must belong to that subject (a user revoking their own):
  // not_found otherwise, so ids of others' consents are not confirmed.
  Status revoke(const std::string& consent_id, const std::string& actor,
                const std::optional<std::string>& only_subject = std::nullopt);
  // Revokes every live consent of a subject or of a client; returns how many.
  Result<std::int64_t> revoke_all_of_subject(const std::string& subject, const std::string& actor);
  Result<std::int64_t> revoke_all_of_client(const std::string& client_id, const std::string& actor);

  Result<std::optional<store::OAuthConsent>> find(const std::string& consent_id);
  Result<store::Page<store::OAuthConsent, std::string>> list(const store::ConsentQuery& query);
  Result<store::Page<store::ConsentLedgerEntry, std::int64_t>> ledger(
      const std::string& consent_id, const std::optional<std::int64_t>& after_id, std::int64_t limit);

 private:
  // Revokes the consents `revoke` returns (in one transaction with their ledger entries), then
  // their tokens; returns how many.
  Result<std::int64_t> revoke_many(
      const std::function<Result<std::vector<store::OAuthConsent>>(store::Connection&, std::int64_t)>& revoke,
      const std::string& actor);
  // After the commit: the tokens each revoked consent's subject holds for its client, and the audit.
  Status revoke_tokens_of(const std::vector<store::OAuthConsent>& revoked, const std::string& actor);

  store::Database& db_;
  TokenService& tokens_;
  auth::AuditLog& audit_;
};

}  // namespace bs::oauth
