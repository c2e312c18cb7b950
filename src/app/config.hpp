// Server configuration: defaults < TOML file (--config) < environment (BADGESERVER_<NAME>) < flags.
// docs/configuration.md lists every option; keep the two in step.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/errors.hpp"

namespace CLI {
class App;
}

namespace bs::app {

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::string issuer;  // default http://HOST:PORT
  std::string database = "sqlite:badgeserver.db";
  int threads = 2;   // network threads
  int workers = 64;  // request-handling threads (database work happens here)
  std::int64_t body_limit = 1 << 20;
  std::string key_encryption_key;  // base64 of 32 bytes; when empty, a key file beside the SQLite db
  bool allow_registration = true;  // POST /auth/register
  std::int64_t session_ttl = 900;
  std::int64_t session_refresh_ttl = 30 * 24 * 3600;
  std::int64_t access_token_ttl = 3600;
  std::string default_audience;  // default: the issuer
  std::string signing_alg = "ES256";
  std::int64_t key_refresh_interval = 30;
  std::int64_t key_activation_delay = 45;
  std::string log_level = "info";
  int login_account_max_failures = 5;
  std::int64_t login_account_window = 900;
  int login_ip_max_failures = 30;
  std::int64_t login_ip_window = 60;
  int db_pool_size = 8;
  std::string sqlite_synchronous = "FULL";
  bool strict_ob_registration = false;
  std::string registration_initial_access_token;  // when set, POST /oauth/register requires it
  std::int64_t revocation_poll_interval = 1;
  std::int64_t janitor_interval = 60;
  std::string frontend_url;
  // Open Badges service description (GET /ims/ob/v3p0/discovery): info.termsOfService and
  // info.x-imssf-privacyPolicyUrl. Default <frontend_url or issuer>/terms and .../privacy.
  std::string terms_of_service_url;
  std::string privacy_policy_url;
  bool require_pkce = true;
  bool require_par = false;
  std::int64_t interaction_ttl = 600;
  std::int64_t authorization_code_ttl = 60;
  std::int64_t par_ttl = 60;
  std::int64_t refresh_token_ttl = 30 * 86400;
  std::int64_t refresh_token_idle_ttl = 14 * 86400;
  std::int64_t refresh_grace_period = 0;
  bool record_client_credentials_tokens = false;
  // [[resource_servers]] tables of the config file: audiences other than the default one.
  struct ResourceServer {
    std::string identifier;
    std::vector<std::string> scopes;
    std::vector<std::string> clients;
  };
  std::vector<ResourceServer> resource_servers;
  // Abuse limits (docs/configuration.md): "N/S" = N requests per S seconds, or "off".
  std::string rate_limit_login_ip = "60/60";
  std::string rate_limit_registration_ip = "60/60";
  std::string rate_limit_token_ip = "off";
  std::string rate_limit_token_client = "off";
  std::string rate_limit_introspect_ip = "off";
  std::string rate_limit_introspect_client = "off";
  std::string rate_limit_par_ip = "off";
  std::string rate_limit_par_client = "off";
  std::int64_t rate_limit_sync_interval = 1;
  std::int64_t login_lockout_base = 30;
  std::int64_t login_lockout_max = 3600;
  std::int64_t max_connections = 10000;
  std::int64_t header_limit = 16384;
  std::int64_t request_timeout = 30;
  std::int64_t idle_timeout = 60;
  std::string metrics_listen;   // HOST:PORT of an unauthenticated /metrics listener; empty: none
  std::string trusted_proxies;  // load balancers whose X-Forwarded-For names the client; empty: none
};

// Registers every option of `serve` (and the shared --database / --config) on a CLI11 (sub)command.
// Call finalize() after parsing to apply the config file and validate.
class ConfigLoader {
 public:
  explicit ConfigLoader(CLI::App& command, bool server_options = true);
  Result<Config> finalize();

 private:
  CLI::App& command_;
  std::map<std::string, std::string> values_;
  std::string config_file_;
  std::vector<Config::ResourceServer> resource_servers_;
};

}  // namespace bs::app
