#include "app/config.hpp"

#include <toml++/toml.h>
#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdlib>

#include "auth/rate_limits.hpp"
#include "http/client_address.hpp"

namespace bs::app {

namespace {

struct OptionSpec {
  const char* name;  // underscores; the flag uses dashes, the env var upper case
  const char* default_value;
  const char* help;
  bool server_only;
};

// Every option, once. Defaults here are the documented defaults.
constexpr OptionSpec kOptions[] = {
    {"database", "sqlite:badgeserver.db", "sqlite:PATH or postgresql://user:pass@host:port/db", false},
    {"key_encryption_key", "", "base64 of 32 bytes encrypting signing keys at rest", false},
    {"listen", "127.0.0.1:8080", "HOST:PORT to listen on", true},
    {"issuer", "", "issuer URL (default http://HOST:PORT)", true},
    {"threads", "2", "network threads", true},
    {"workers", "64", "request-handling threads", true},
    {"body_limit", "1048576", "largest request body in bytes (413 beyond)", true},
    {"allow_registration", "true", "allow POST /auth/register", true},
    {"session_ttl", "900", "session token lifetime, seconds", true},
    {"session_refresh_ttl", "2592000", "session refresh token lifetime, seconds", true},
    {"access_token_ttl", "3600", "OAuth access token lifetime, seconds", true},
    {"record_client_credentials_tokens", "false",
     "keep a row per client_credentials access token (admin listing) instead of issuing them without one",
     true},
    {"default_audience", "", "audience of access tokens without a resource (default: the issuer)", true},
    {"signing_alg", "ES256", "algorithm of new signing keys: ES256, RS256 or EdDSA", false},
    {"key_refresh_interval", "30", "how often a server reloads the key set, seconds", true},
    {"key_activation_delay", "45", "a rotated key is published this long before it signs, seconds", false},
    {"log_level", "info", "trace, debug, info, warn, error", true},
    {"login_account_max_failures", "5", "failed logins per account per window before 429", true},
    {"login_account_window", "900", "account throttle window, seconds", true},
    {"login_ip_max_failures", "30", "failed logins per IP per window before 429", true},
    {"login_ip_window", "60", "IP throttle window, seconds", true},
    {"db_pool_size", "8", "database connections", false},
    {"sqlite_synchronous", "FULL", "SQLite synchronous pragma: FULL or NORMAL", false},
    {"strict_ob_registration", "false", "enforce the Open Badges 3.0 client registration profile", true},
    {"registration_initial_access_token", "", "when set, POST /oauth/register requires it as a Bearer token",
     true},
    {"revocation_poll_interval", "1", "how often an instance pulls revocations made elsewhere, seconds",
     true},
    {"janitor_interval", "60", "how often expired token rows are deleted, seconds", true},
    {"frontend_url", "",
     "login/consent front end: /oauth/authorize redirects browsers there with ?interaction=ID", true},
    {"terms_of_service_url", "",
     "terms of service in the Open Badges service description (default <frontend_url or issuer>/terms)",
     true},
    {"privacy_policy_url", "",
     "privacy policy in the Open Badges service description (default <frontend_url or issuer>/privacy)",
     true},
    {"require_pkce", "true", "require PKCE (S256) from every client, not only public ones", true},
    {"require_par", "false", "require pushed authorization requests (RFC 9126) from every client", true},
    {"interaction_ttl", "600", "how long an interaction waits for login and consent, seconds", true},
    {"authorization_code_ttl", "60", "authorization code lifetime, seconds", true},
    {"par_ttl", "60", "lifetime of a pushed authorization request, seconds", true},
    {"refresh_token_ttl", "2592000", "absolute lifetime of a refresh token family, seconds", true},
    {"refresh_token_idle_ttl", "1209600", "a refresh token unused this long is dead, seconds", true},
    {"refresh_grace_period", "0", "seconds in which reuse of a rotated refresh token is not treated as theft",
     true},
    {"rate_limit_login_ip", "60/60", "POST /auth/login per client IP: N/S (N requests per S seconds) or off",
     true},
    {"rate_limit_registration_ip", "60/60",
     "POST /oauth/register and /auth/register per client IP: N/S or off", true},
    {"rate_limit_token_ip", "off", "POST /oauth/token per client IP: N/S or off", true},
    {"rate_limit_token_client", "off",
     "POST /oauth/token per client (default of the client quotas): N/S or off", true},
    {"rate_limit_introspect_ip", "off", "POST /oauth/introspect per client IP: N/S or off", true},
    {"rate_limit_introspect_client", "off", "POST /oauth/introspect per client (quota default): N/S or off",
     true},
    {"rate_limit_par_ip", "off", "POST /oauth/par per client IP: N/S or off", true},
    {"rate_limit_par_client", "off", "POST /oauth/par per client (quota default): N/S or off", true},
    {"rate_limit_sync_interval", "1",
     "how often an instance reconciles its rate limits with the others (PostgreSQL) and reloads quotas, "
     "seconds",
     true},
    {"login_lockout_base", "30", "first account lockout after login_account_max_failures failures, seconds",
     true},
    {"login_lockout_max", "3600", "longest account lockout (each further failure doubles it), seconds", true},
    {"max_connections", "10000", "open connections; beyond, new ones get 503 and are closed", true},
    {"header_limit", "16384", "largest request header in bytes (431 beyond)", true},
    {"request_timeout", "30", "time to read a whole request, header and body, seconds (slowloris)", true},
    {"idle_timeout", "60", "a keep-alive connection idle this long is closed, seconds", true},
    {"metrics_listen", "", "HOST:PORT of a separate listener serving GET /metrics without credentials", true},
    {"trusted_proxies", "",
     "addresses and CIDR networks of load balancers whose X-Forwarded-For names the client IP (default: "
     "none)",
     true},
};

std::string flag_name(std::string name) {
  for (auto& c : name)
    if (c == '_') c = '-';
  return "--" + name;
}

std::string env_name(std::string name) {
  for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "BADGESERVER_" + name;
}

template <class T>
Status parse_int(const std::map<std::string, std::string>& v, const char* name, T& out, T min, T max) {
  const std::string& s = v.at(name);
  T value{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || p != s.data() + s.size() || value < min || value > max)
    return fail(ErrorCode::invalid_request, std::string("option ") + name + ": expected an integer in [" +
                                                std::to_string(min) + ", " + std::to_string(max) +
                                                "], got '" + s + "'");
  out = value;
  return {};
}

Status parse_bool(const std::map<std::string, std::string>& v, const char* name, bool& out) {
  const std::string& s = v.at(name);
  if (s == "true" || s == "1" || s == "yes") {
    out = true;
  } else if (s == "false" || s == "0" || s == "no") {
    out = false;
  } else {
    return fail(ErrorCode::invalid_request, std::string("option ") + name + ": expected true or false");
  }
  return {};
}

}  // namespace

ConfigLoader::ConfigLoader(CLI::App& command, bool server_options) : command_(command) {
  command.add_option("--config", config_file_, "TOML configuration file")->envname("BADGESERVER_CONFIG");
  for (const auto& spec : kOptions) {
    values_[spec.name] = spec.default_value;
    if (spec.server_only && !server_options) continue;
    command.add_option(flag_name(spec.name), values_[spec.name], spec.help)
        ->envname(env_name(spec.name))
        ->default_str(spec.default_value);
  }
}

Result<Config> ConfigLoader::finalize() {
  if (!config_file_.empty()) {
    toml::table table;
    try {
      table = toml::parse_file(config_file_);
    } catch (const toml::parse_error& e) {
      return fail(ErrorCode::invalid_request,
                  "config file " + config_file_ + ": " + std::string(e.description()));
    }
    for (const auto& spec : kOptions) {
      // A flag or environment variable wins over the file.
      auto* opt = command_.get_option_no_throw(flag_name(spec.name));
      bool from_env = std::getenv(env_name(spec.name).c_str()) != nullptr;
      if ((opt && opt->count() > 0) || from_env) continue;
      if (auto node = table.get(spec.name)) {
        if (auto s = node->value<std::string>()) {
          values_[spec.name] = *s;
        } else if (auto i = node->value<std::int64_t>()) {
          values_[spec.name] = std::to_string(*i);
        } else if (auto b = node->value<bool>()) {
          values_[spec.name] = *b ? "true" : "false";
        } else {
          return fail(ErrorCode::invalid_request, std::string("config file: bad value for ") + spec.name);
        }
      }
    }
    if (auto servers = table.get("resource_servers")) {
      auto* array = servers->as_array();
      if (!array)
        return fail(ErrorCode::invalid_request, "config file: resource_servers must be an array of tables");
      for (auto& node : *array) {
        auto* t = node.as_table();
        if (!t)
          return fail(ErrorCode::invalid_request, "config file: resource_servers must be an array of tables");
        Config::ResourceServer rs;
        rs.identifier = t->get("identifier") ? t->get("identifier")->value_or(std::string()) : "";
        if (rs.identifier.empty())
          return fail(ErrorCode::invalid_request, "config file: every resource server needs an identifier");
        for (const char* list : {"scopes", "clients"}) {
          if (auto* items = t->get(list) ? t->get(list)->as_array() : nullptr) {
            for (auto& item : *items) {
              auto v = item.value<std::string>();
              if (!v)
                return fail(ErrorCode::invalid_request,
                            std::string("config file: ") + list + " must be strings");
              (std::string_view(list) == "scopes" ? rs.scopes : rs.clients).push_back(*v);
            }
          }
        }
        resource_servers_.push_back(std::move(rs));
      }
    }
    for (const auto& [key, _] : table) {
      if (key.str() == "resource_servers") continue;
      bool known = false;
      for (const auto& spec : kOptions) known = known || key.str() == spec.name;
      if (!known)
        return fail(ErrorCode::invalid_request, "config file: unknown key " + std::string(key.str()));
    }
  }

  Config c;
  c.database = values_["database"];
  c.key_encryption_key = values_["key_encryption_key"];
  c.listen = values_["listen"];
  auto colon = c.listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return fail(ErrorCode::invalid_request, "option listen: expected HOST:PORT, got '" + c.listen + "'");
  c.listen_host = c.listen.substr(0, colon);
  if (c.listen_host.size() > 2 && c.listen_host.front() == '[' && c.listen_host.back() == ']')
    c.listen_host = c.listen_host.substr(1, c.listen_host.size() - 2);
  values_["listen_port"] = c.listen.substr(colon + 1);
  if (auto s = parse_int<std::uint16_t>(values_, "listen_port", c.listen_port, 0, 65535); !s)
    return std::unexpected(s.error());
  c.issuer = values_["issuer"];
  if (c.issuer.empty()) c.issuer = "http://" + c.listen;
  while (c.issuer.size() > 1 && c.issuer.back() == '/') c.issuer.pop_back();
  c.default_audience = values_["default_audience"];
  if (c.default_audience.empty()) c.default_audience = c.issuer;
  c.signing_alg = values_["signing_alg"];
  if (c.signing_alg != "ES256" && c.signing_alg != "RS256" && c.signing_alg != "EdDSA")
    return fail(ErrorCode::invalid_request, "option signing_alg: ES256, RS256 or EdDSA");
  c.log_level = values_["log_level"];
  c.sqlite_synchronous = values_["sqlite_synchronous"];
  if (c.sqlite_synchronous != "FULL" && c.sqlite_synchronous != "NORMAL")
    return fail(ErrorCode::invalid_request, "option sqlite_synchronous: FULL or NORMAL");

  Status st;
  const std::int64_t day = 86400;
  if (st = parse_int(values_, "threads", c.threads, 1, 256); !st) return std::unexpected(st.error());
  if (st = parse_int(values_, "workers", c.workers, 1, 1024); !st) return std::unexpected(st.error());
  if (st = parse_int<std::int64_t>(values_, "body_limit", c.body_limit, 1024, 1LL << 30); !st)
    return std::unexpected(st.error());
  if (st = parse_bool(values_, "allow_registration", c.allow_registration); !st)
    return std::unexpected(st.error());
  if (st = parse_int<std::int64_t>(values_, "session_ttl", c.session_ttl, 10, day); !st)
    return std::unexpected(st.error());
  if (st = parse_int<std::int64_t>(values_, "session_refresh_ttl", c.session_refresh_ttl, 60, 365 * day); !st)
    return std::unexpected(st.error());
  // At most oauth::kMaxAccessTokenTtl: cut-offs and jti revocations are kept that long.
  if (st = parse_int<std::int64_t>(values_, "access_token_ttl", c.access_token_ttl, 10, day); !st)
    return std::unexpected(st.error());
  if (st = parse_int<std::int64_t>(values_, "key_refresh_interval", c.key_refresh_interval, 1, 3600); !st)
    return std::unexpected(st.error());
  if (st = parse_int<std::int64_t>(values_, "key_activation_delay", c.key_activation_delay, 0, day); !st)
    return std::unexpected(st.error());
  if (st = parse_int(values_, "login_account_max_failures", c.login_account_max_failures, 1, 1000000); !st)
    return std::unexpected(st.error());
  if (st = parse_int<std::int64_t>(values_, "login_account_window", c.login_account_window, 1, day); !st)
    return std::unexpected(st.error());
  if (st = parse_int(values_, "login_ip_max_failures", c.login_ip_max_failures, 1, 1000000); !st)
    return std::unexpected(st.error());
  if (st = parse_int<std::int64_t>(values_, "login_ip_window", c.login_ip_window, 1, day); !st)
    return std::unexpected(st.error());
  if (st = parse_int(values_, "db_pool_size", c.db_pool_size, 1, 256); !st)
    return std::unexpected(st.error());
  if (st = parse_bool(values_, "strict_ob_registration", c.strict_ob_registration); !st)
    return std::unexpected(st.error());
  c.registration_initial_access_token = values_["registration_initial_access_token"];
  if (st = parse_int<std::int64_t>(values_, "revocation_poll_interval", c.revocation_poll_interval, 1, 3600);
      !st)
    return std::unexpected(st.error());
  if (st = parse_int<std::int64_t>(values_, "janitor_interval", c.janitor_interval, 1, day); !st)
    return std::unexpected(st.error());
  c.resource_servers = resource_servers_;
  c.frontend_url = values_["frontend_url"];
  {
    std::string site = c.frontend_url.empty() ? c.issuer : c.frontend_url;
    while (!site.empty() && site.back() == '/') site.pop_back();
    c.terms_of_service_url = values_["terms_of_service_url"];
    if (c.terms_of_service_url.empty()) c.terms_of_service_url = site + "/terms";
    c.privacy_policy_url = values_["privacy_policy_url"];
    if (c.privacy_policy_url.empty()) c.privacy_policy_url = site + "/privacy";
  }
  if (st = parse_bool(values_, "require_pkce", c.require_pkce); !st) return std::unexpected(st.error());
  if (st = parse_bool(values_, "require_par", c.require_par); !st) return std::unexpected(st.error());
  for (auto [name, out, max] : {std::tuple{"interaction_ttl", &c.interaction_ttl, day},
                                {"authorization_code_ttl", &c.authorization_code_ttl, std::int64_t{600}},
                                {"par_ttl", &c.par_ttl, std::int64_t{600}},
                                {"refresh_token_ttl", &c.refresh_token_ttl, 365 * day},
                                {"refresh_token_idle_ttl", &c.refresh_token_idle_ttl, 365 * day}}) {
    if (st = parse_int<std::int64_t>(values_, name, *out, 1, max); !st) return std::unexpected(st.error());
  }
  if (st = parse_int<std::int64_t>(values_, "refresh_grace_period", c.refresh_grace_period, 0, 300); !st)
    return std::unexpected(st.error());
  if (st = parse_bool(values_, "record_client_credentials_tokens", c.record_client_credentials_tokens); !st)
    return std::unexpected(st.error());
  for (auto [name, out] : {std::pair{"rate_limit_login_ip", &c.rate_limit_login_ip},
                           {"rate_limit_registration_ip", &c.rate_limit_registration_ip},
                           {"rate_limit_token_ip", &c.rate_limit_token_ip},
                           {"rate_limit_token_client", &c.rate_limit_token_client},
                           {"rate_limit_introspect_ip", &c.rate_limit_introspect_ip},
                           {"rate_limit_introspect_client", &c.rate_limit_introspect_client},
                           {"rate_limit_par_ip", &c.rate_limit_par_ip},
                           {"rate_limit_par_client", &c.rate_limit_par_client}}) {
    *out = values_[name];
    if (auto parsed = auth::parse_rate_limit(*out); !parsed)
      return fail(ErrorCode::invalid_request,
                  std::string("option ") + name + ": " + parsed.error().description);
  }
  for (auto [name, out, min, max] :
       {std::tuple{"rate_limit_sync_interval", &c.rate_limit_sync_interval, std::int64_t{1},
                   std::int64_t{60}},
        {"login_lockout_base", &c.login_lockout_base, std::int64_t{1}, day},
        {"login_lockout_max", &c.login_lockout_max, std::int64_t{1}, 30 * day},
        {"max_connections", &c.max_connections, std::int64_t{1}, std::int64_t{1000000}},
        {"header_limit", &c.header_limit, std::int64_t{1024}, std::int64_t{1} << 20},
        {"request_timeout", &c.request_timeout, std::int64_t{1}, std::int64_t{3600}},
        {"idle_timeout", &c.idle_timeout, std::int64_t{1}, day}}) {
    if (st = parse_int<std::int64_t>(values_, name, *out, min, max); !st) return std::unexpected(st.error());
  }
  if (c.login_lockout_max < c.login_lockout_base)
    return fail(ErrorCode::invalid_request, "option login_lockout_max: must be at least login_lockout_base");
  c.metrics_listen = values_["metrics_listen"];
  if (!c.metrics_listen.empty()) {
    auto colon = c.metrics_listen.rfind(':');
    if (colon == std::string::npos || colon == 0)
      return fail(ErrorCode::invalid_request,
                  "option metrics_listen: expected HOST:PORT, got '" + c.metrics_listen + "'");
    values_["metrics_listen_port"] = c.metrics_listen.substr(colon + 1);
    std::uint16_t port = 0;
    if (st = parse_int<std::uint16_t>(values_, "metrics_listen_port", port, 0, 65535); !st)
      return std::unexpected(st.error());
  }
  c.trusted_proxies = values_["trusted_proxies"];
  if (auto proxies = http::TrustedProxies::parse(c.trusted_proxies); !proxies)
    return fail(ErrorCode::invalid_request, "option " + proxies.error().description);
  return c;
}

}  // namespace bs::app
