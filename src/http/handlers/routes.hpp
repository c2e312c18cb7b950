// Every endpoint group registers its routes here; one file per group under src/http/handlers.
#pragma once

#include "http/router.hpp"
#include "http/services.hpp"

namespace bs::http {

void add_health_routes(Router& router, Services& services);
void add_jwks_routes(Router& router, Services& services);
void add_session_routes(Router& router, Services& services);
void add_api_key_routes(Router& router, Services& services);
void add_user_routes(Router& router, Services& services);
void add_key_admin_routes(Router& router, Services& services);
void add_audit_routes(Router& router, Services& services);
void add_oauth_routes(Router& router, Services& services);
void add_oauth_registration_routes(Router& router, Services& services);
void add_client_admin_routes(Router& router, Services& services);
void add_token_admin_routes(Router& router, Services& services);
void add_authorization_routes(Router& router, Services& services);
void add_consent_routes(Router& router, Services& services);
void add_badge_issuing_routes(Router& router, Services& services);
void add_open_badges_routes(Router& router, Services& services);
void add_metrics_routes(Router& router, Services& services);
void add_client_quota_routes(Router& router, Services& services);

inline void add_all_routes(Router& router, Services& services) {
  add_health_routes(router, services);
  add_jwks_routes(router, services);
  add_session_routes(router, services);
  add_api_key_routes(router, services);
  add_user_routes(router, services);
  add_key_admin_routes(router, services);
  add_audit_routes(router, services);
  add_oauth_routes(router, services);
  add_oauth_registration_routes(router, services);
  add_client_admin_routes(router, services);
  add_token_admin_routes(router, services);
  add_authorization_routes(router, services);
  add_consent_routes(router, services);
  add_badge_issuing_routes(router, services);
  add_open_badges_routes(router, services);
  add_metrics_routes(router, services);
  add_client_quota_routes(router, services);
}

}  // namespace bs::http
