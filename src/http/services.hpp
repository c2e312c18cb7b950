// What the handlers reach: the domain services, wired once by src/app/server_app.cpp.
#pragma once

#include <string>

#include "auth/api_keys.hpp"
#include "auth/audit.hpp"
#include "auth/authenticator.hpp"
#include "auth/rate_limits.hpp"
#include "auth/sessions.hpp"
#include "auth/users.hpp"
#include "badges/achievements.hpp"
#include "badges/credential_status.hpp"
#include "badges/credential_store.hpp"
#include "badges/issuance.hpp"
#include "badges/issuers.hpp"
#include "badges/profiles.hpp"
#include "badges/service_description.hpp"
#include "badges/vc_jwt.hpp"
#include "badges/verification.hpp"
#include "keys/keyring.hpp"
#include "oauth/authorization_request.hpp"
#include "oauth/client_auth.hpp"
#include "oauth/client_registry.hpp"
#include "oauth/client_secrets.hpp"
#include "oauth/consents.hpp"
#include "oauth/interactions.hpp"
#include "oauth/token_service.hpp"
#include "store/database.hpp"

namespace bs::http {

class HttpMetrics;

struct Settings {
  std::string issuer;
  bool allow_registration = true;
  std::string frontend_url;
  bool require_par = false;  // where /oauth/authorize sends browsers with ?interaction=<id>
};

struct Services {
  Settings settings;
  store::Database& db;
  keys::Keyring& keyring;
  keys::KeyringOptions keyring_options;
  auth::AuditLog& audit;
  auth::UserService& users;
  auth::SessionService& sessions;
  auth::ApiKeyService& api_keys;
  auth::Authenticator& authenticator;
  oauth::ClientSecrets& client_secrets;
  oauth::ClientRegistry& clients;
  oauth::TokenService& tokens;
  oauth::ClientAuthenticator& client_auth;
  oauth::ConsentService& consents;
  oauth::AuthorizationRequestParser& authorization_requests;
  oauth::InteractionService& interactions;
  // Open Badges issuer (badge_issuing.cpp)
  badges::VcJwt& vc_jwt;
  badges::IssuerService& issuers;
  badges::AchievementService& achievements;
  badges::CredentialStatusService& credential_status;
  badges::IssuanceService& issuance;
  badges::VerificationService& verification;
  // Open Badges host (open_badges.cpp)
  badges::ProfileService& profiles;
  badges::CredentialStore& credential_store;
  const badges::ServiceDescription& service_description;
  auth::RateLimiter& rate_limits;
  HttpMetrics* metrics = nullptr;  // set once the routes exist (they size it)
};

}  // namespace bs::http
