#include "app/server_app.hpp"

#include <condition_variable>
#include <csignal>
#include <functional>
#include <thread>

#include "app/bootstrap.hpp"
#include "auth/api_keys.hpp"
#include "auth/audit.hpp"
#include "auth/authenticator.hpp"
#include "auth/login_throttle.hpp"
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
#include "common/log.hpp"
#include "http/errors.hpp"
#include "http/handlers/routes.hpp"
#include "http/metrics.hpp"
#include "http/pipeline.hpp"
#include "http/server.hpp"
#include "oauth/authorization_request.hpp"
#include "oauth/client_auth.hpp"
#include "oauth/client_registry.hpp"
#include "oauth/consents.hpp"
#include "oauth/interactions.hpp"
#include "oauth/token_service.hpp"
#include "store/authorization_repositories.hpp"
#include "store/janitor.hpp"
#include "store/oauth_repositories.hpp"
#include "store/repositories.hpp"

namespace bs::app {

namespace {

// Runs maintenance work on one background thread: key-set reloads, revocation sync, the janitor.
class PeriodicTasks {
 public:
  struct Task {
    std::string name;
    std::int64_t interval_seconds;
    std::function<void()> run;
    std::int64_t last = 0;
  };
  explicit PeriodicTasks(std::vector<Task> tasks)
      : tasks_(std::move(tasks)), thread_([this] {
          std::unique_lock lock(mutex_);
          while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; })) {
            lock.unlock();
            const auto now = store::unix_now();
            for (auto& t : tasks_) {
              if (now - t.last < t.interval_seconds) continue;
              t.last = now;
              t.run();
            }
            lock.lock();
          }
        }) {}
  ~PeriodicTasks() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::vector<Task> tasks_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// One janitor round; on PostgreSQL only the instance that gets the janitor lock does the work.
void run_janitor(store::Database& db) {
  auto run = store::run_janitor(db, store::unix_now());
  if (!run) {
    log::warn("janitor failed", {{"error", run.error().description}});
    return;
  }
  if (!run->ran) log::write(log::Level::debug, "janitor skipped: another instance holds the janitor lock");
  if (run->deleted_rows > 0) log::info("janitor", {{"deleted_rows", run->deleted_rows}});
}

auth::RateLimitOptions rate_limit_options(const Config& config) {
  auth::RateLimitOptions options;
  // The specs were validated by the configuration loader.
  auto limit = [](const std::string& spec) {
    return auth::parse_rate_limit(spec).value_or(auth::RateLimit{});
  };
  using E = auth::LimitedEndpoint;
  auto at = [](E e) { return static_cast<std::size_t>(e); };
  options.per_ip[at(E::login)] = limit(config.rate_limit_login_ip);
  options.per_ip[at(E::registration)] = limit(config.rate_limit_registration_ip);
  options.per_ip[at(E::token)] = limit(config.rate_limit_token_ip);
  options.per_client[at(E::token)] = limit(config.rate_limit_token_client);
  options.per_ip[at(E::introspect)] = limit(config.rate_limit_introspect_ip);
  options.per_client[at(E::introspect)] = limit(config.rate_limit_introspect_client);
  options.per_ip[at(E::par)] = limit(config.rate_limit_par_ip);
  options.per_client[at(E::par)] = limit(config.rate_limit_par_client);
  return options;
}

}  // namespace

int run_server(const Config& config, const RouteListener& list_routes) {
  log::set_level(config.log_level);
  // Signals go to sigwait below, not to whichever thread happens to run.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto kek = key_encryption_key(config);
  if (!kek) {
    log::error("startup failed", {{"error", kek.error().description}});
    return 2;
  }
  auto db = open_and_migrate(config);
  if (!db) {
    log::error("startup failed", {{"error", db.error().description}});
    return 2;
  }
  auto kr_options = keyring_options(config, *kek);
  keys::Keyring keyring(**db, kr_options);
  if (auto st = keyring.initialize(); !st) {
    log::error("startup failed", {{"error", st.error().description}});
    return 2;
  }
  const std::string hash_key = credential_hash_key(*kek);

  auth::AuditLog audit(**db);
  auth::UserService users(**db);
  auth::LoginThrottle throttle({config.login_account_max_failures, config.login_account_window,
                                config.login_lockout_base, config.login_lockout_max},
                               {config.login_ip_max_failures, config.login_ip_window});
  auth::RateLimiter rate_limits(rate_limit_options(config), db->get());
  if (auto st = rate_limits.reload_quotas(); !st) {
    log::error("startup failed", {{"error", st.error().description}});
    return 2;
  }
  auth::SessionService sessions(**db, keyring, users, throttle, audit,
                                {config.issuer, config.session_ttl, config.session_refresh_ttl, hash_key});
  auth::ApiKeyService api_keys(**db, hash_key);
  auth::Authenticator authenticator(sessions, api_keys);

  oauth::ClientSecrets client_secrets(hash_key, *kek);
  oauth::ClientRegistry clients(**db, client_secrets,
                                {config.issuer, config.strict_ob_registration,
                                 config.registration_initial_access_token.empty()
                                     ? std::nullopt
                                     : std::optional<std::string>(config.registration_initial_access_token)});
  oauth::TokenOptions token_options{
      config.issuer, config.default_audience, config.access_token_ttl, {}, config.revocation_poll_interval};
  token_options.refresh_hash_key = hash_key;
  token_options.refresh_token_ttl = config.refresh_token_ttl;
  token_options.refresh_token_idle_ttl = config.refresh_token_idle_ttl;
  token_options.refresh_grace_period = config.refresh_grace_period;
  token_options.record_client_credentials_tokens = config.record_client_credentials_tokens;
  for (const auto& rs : config.resource_servers)
    token_options.resource_servers.push_back({rs.identifier, rs.scopes, rs.clients});
  oauth::TokenService tokens(**db, keyring, token_options);
  oauth::ConsentService consents(**db, tokens, audit);
  oauth::AuthorizationRequestParser authorization_requests(
      **db, clients, tokens, {config.issuer, config.require_pkce, config.require_par, config.par_ttl});
  oauth::InteractionService interactions(
      **db, clients, consents, client_secrets,
      {config.issuer, config.interaction_ttl, config.authorization_code_ttl});
  if (auto st = tokens.sync_revocations(); !st)
    log::warn("revocation sync failed", {{"error", st.error().description}});
  oauth::ClientAuthenticator client_auth(**db, clients, client_secrets, audit, config.issuer,
                                         config.issuer + "/oauth/token");
  auto access_token_principal = [](const oauth::AccessTokenClaims& claims) {
    auth::Principal p;
    p.kind = auth::PrincipalKind::access_token;
    p.credential_id = claims.jti;
    p.subject = claims.subject;
    p.client_id = claims.client_id;
    p.scopes = claims.scope;
    return p;
  };
  const std::vector<std::string> resource_audiences{config.default_audience};
  authenticator.set_access_token_verifier(
      [&tokens, resource_audiences,
       access_token_principal](std::string_view token) -> Result<auth::Principal> {
        auto claims = tokens.verify_access_token(token, resource_audiences);
        if (!claims) return std::unexpected(claims.error());
        return access_token_principal(*claims);
      },
      [&tokens, resource_audiences,
       access_token_principal](std::string_view token) -> std::optional<Result<auth::Principal>> {
        auto claims = tokens.verify_cached_access_token(token, resource_audiences);
        if (!claims) return std::nullopt;
        if (!*claims) return Result<auth::Principal>(std::unexpected(claims->error()));
        return Result<auth::Principal>(access_token_principal(**claims));
      });

  // Open Badges: the host side (profiles, credential stores) and the issuer, which delivers to it.
  badges::ProfileService profiles(**db, config.issuer);
  badges::CredentialStore credential_store(**db);
  badges::VcJwt vc_jwt(keyring, {.base_url = config.issuer});
  badges::IssuerService badge_issuers(**db, config.issuer);
  badges::AchievementService achievements(**db, config.issuer, badge_issuers);
  badges::CredentialStatusService credential_status(**db, config.issuer);
  badges::IssuanceService issuance(**db, badge_issuers, achievements, vc_jwt, credential_status,
                                   credential_store, profiles);
  badges::VerificationService verification(**db, vc_jwt, credential_status);
  auto service_description = badges::ServiceDescription::create(
      {config.issuer, config.terms_of_service_url, config.privacy_policy_url, "badgeserver"});
  if (!service_description) {
    log::error("startup failed", {{"error", service_description.error().description}});
    return 2;
  }

  http::Services services{{config.issuer, config.allow_registration, config.frontend_url, config.require_par},
                          **db,
                          keyring,
                          kr_options,
                          audit,
                          users,
                          sessions,
                          api_keys,
                          authenticator,
                          client_secrets,
                          clients,
                          tokens,
                          client_auth,
                          consents,
                          authorization_requests,
                          interactions,
                          vc_jwt,
                          badge_issuers,
                          achievements,
                          credential_status,
                          issuance,
                          verification,
                          profiles,
                          credential_store,
                          *service_description,
                          rate_limits};
  http::Router router;
  http::add_all_routes(router, services);
  if (list_routes) {
    list_routes(router.routes());
    return 0;
  }
  http::HttpMetrics http_metrics(router.routes());
  services.metrics = &http_metrics;
  http::Pipeline pipeline(router, &http_metrics);

  http::ServerOptions options;
  options.host = config.listen_host;
  options.port = config.listen_port;
  options.io_threads = config.threads;
  options.worker_threads = config.workers;
  options.body_limit = static_cast<std::size_t>(config.body_limit);
  options.header_limit = static_cast<std::size_t>(config.header_limit);
  options.read_timeout = std::chrono::seconds(config.request_timeout);
  options.idle_timeout = std::chrono::seconds(config.idle_timeout);
  options.max_connections = static_cast<std::size_t>(config.max_connections);
  if (auto proxies = http::TrustedProxies::parse(config.trusted_proxies)) options.trusted_proxies = *proxies;
  http::Server server(options, [&pipeline](http::Request& r) { return pipeline.handle(r); });
  if (auto st = server.start(); !st) {
    log::error("startup failed", {{"error", st.error().description}});
    return 2;
  }
  // The separate metrics listener answers GET /metrics without credentials: it is meant for a
  // private interface that only the scraper reaches.
  std::unique_ptr<http::Server> metrics_server;
  if (!config.metrics_listen.empty()) {
    http::ServerOptions metrics_options;
    const auto colon = config.metrics_listen.rfind(':');
    metrics_options.host = config.metrics_listen.substr(0, colon);
    if (metrics_options.host.size() > 2 && metrics_options.host.front() == '[')
      metrics_options.host = metrics_options.host.substr(1, metrics_options.host.size() - 2);
    metrics_options.port = static_cast<std::uint16_t>(std::stoi(config.metrics_listen.substr(colon + 1)));
    metrics_options.io_threads = 1;
    metrics_options.worker_threads = 2;
    metrics_options.max_connections = 64;
    metrics_server = std::make_unique<http::Server>(metrics_options, [&http_metrics, &db](http::Request& r) {
      if (r.path != "/metrics") return http::error_response(Error(ErrorCode::not_found, "no such endpoint"));
      if (r.method != "GET") {
        auto answer =
            http::error_response(Error(ErrorCode::method_not_allowed, "method not allowed on this path"));
        answer.set_header("Allow", "GET");
        return answer;
      }
      return http::metrics_response(http_metrics, **db);
    });
    if (auto st = metrics_server->start(); !st) {
      log::error("startup failed", {{"error", st.error().description}});
      return 2;
    }
    log::info("metrics listening",
              {{"address", metrics_options.host + ":" + std::to_string(metrics_server->port())}});
  }
  PeriodicTasks background({
      {"keys", 1, [&keyring] { keyring.reload_if_stale(); }},
      {"client cache", 1, [&clients] { clients.refresh_hot_entries(); }},
      {"revocations", config.revocation_poll_interval,
       [&tokens] {
         if (auto st = tokens.sync_revocations(); !st)
           log::warn("revocation sync failed", {{"error", st.error().description}});
       }},
      {"janitor", config.janitor_interval, [&db] { run_janitor(**db); }},
      {"rate_limits", config.rate_limit_sync_interval,
       [&rate_limits] {
         if (auto st = rate_limits.sync(); !st)
           log::warn("rate limit sync failed", {{"error", st.error().description}});
         if (auto st = rate_limits.reload_quotas(); !st)
           log::warn("quota reload failed", {{"error", st.error().description}});
       }},
  });
  log::info("listening",
            {{"address", config.listen_host + ":" + std::to_string(server.port())},
             {"issuer", config.issuer},
             {"database", (*db)->dialect() == store::Dialect::sqlite ? "sqlite" : "postgresql"}});

  int signal = 0;
  sigwait(&signals, &signal);
  log::info("shutting down", {{"signal", signal}});
  if (metrics_server) metrics_server->stop();
  server.stop();
  log::info("stopped");
  return 0;
}

}  // namespace bs::app
