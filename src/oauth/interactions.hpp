// Interactions: the headless login and consent API. A valid authorization request parks here
// until the host's front end (or a trusted back end) reports who the user is and what they
// decided; then the interaction completes with a redirect carrying a code (or access_denied).
// The interaction id is a 256-bit capability; only its hash is stored.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "auth/principal.hpp"
#include "common/errors.hpp"
#include "oauth/authorization_request.hpp"
#include "oauth/client_registry.hpp"
#include "oauth/client_secrets.hpp"
#include "oauth/consents.hpp"
#include "store/authorization_models.hpp"
#include "store/database.hpp"

namespace bs::oauth {

struct InteractionOptions {
  std::string issuer;
  std::int64_t interaction_ttl = 600;
  std::int64_t code_ttl = 60;
};

struct ConsentDecision {
  std::string decision;  // "accept" | "reject"
  std::optional<std::vector<std::string>> grant_scope;
  bool remember = false;
};

// A conflict answer carries the interaction as it stands (409 with the current state).
struct InteractionConflict {
  Error error;
  nlohmann::json interaction;
};

using InteractionResult = std::expected<nlohmann::json, InteractionConflict>;

class InteractionService {
 public:
  InteractionService(store::Database& db, ClientRegistry& clients, ConsentService& consents,
                     const ClientSecrets& secrets, InteractionOptions options);

  // Creates the interaction for a validated request. With the subject already known (the request
  // carried the user's session) login is satisfied; a remembered consent completes it at once.
  InteractionResult start(const AuthorizationRequest& request, const std::optional<std::string>& subject);
  InteractionResult get(const std::string& id);
  // The user (subject = their id) or a trusted back end (admin:consents) names the subject.
  InteractionResult login(const std::string& id, const std::string& subject, const std::string& actor);
  // By the logged-in subject or a trusted back end (admin:consents).
  InteractionResult consent(const std::string& id, const ConsentDecision& decision,
                            const auth::Principal& by);

 private:
  struct Loaded {
    store::OAuthInteraction row;
    AuthorizationRequest request;
  };
  Result<std::optional<Loaded>> load(const std::string& id_hash);
  nlohmann::json view(const std::string& id, const Loaded& loaded);
  InteractionConflict conflict(const std::string& id, const std::string& why);
  // Issues the code and answers the redirect for an accepted request.
  Result<std::string> complete_redirect(const std::string& id_hash, const AuthorizationRequest& request,
                                        const std::string& subject, const std::vector<std::string>& scope);
  std::string reject_redirect(const AuthorizationRequest& request) const;
  Result<std::string> seal(const std::string& redirect, const std::string& id_hash) const;
  std::optional<std::string> unseal(const std::optional<std::string>& sealed,
                                    const std::string& id_hash) const;
  // Completes an interaction in consent_required whose consent is remembered; false otherwise.
  Result<bool> complete_if_consented(const std::string& id_hash, const Loaded& loaded,
                                     const std::string& subject);

  store::Database& db_;
  ClientRegistry& clients_;
  ConsentService& consents_;
  const ClientSecrets& secrets_;
  InteractionOptions options_;
};

}  // namespace bs::oauth
