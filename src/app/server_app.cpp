#include "app/server_app.hpp"

#include <condition_variable>
#include <csignal>
#include <thread>

#include "app/bootstrap.hpp"
#include "auth/api_keys.hpp"
#include "auth/audit.hpp"
#include "auth/authenticator.hpp"
#include "auth/login_throttle.hpp"
#include "auth/sessions.hpp"
#include "auth/users.hpp"
#include "common/log.hpp"
#include "http/handlers/routes.hpp"
#include "http/pipeline.hpp"
#include "http/server.hpp"

namespace bs::app {

namespace {

// Reloads the key set periodically so keys rotated elsewhere are published here in time.
class KeyRefresher {
 public:
  explicit KeyRefresher(keys::Keyring& keyring)
      : thread_([this, &keyring] {
          std::unique_lock lock(mutex_);
          while (!cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; })) {
            lock.unlock();
            keyring.reload_if_stale();
            lock.lock();
          }
        }) {}
  ~KeyRefresher() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

int run_server(const Config& config) {
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
  auth::LoginThrottle throttle({config.login_account_max_failures, config.login_account_window},
                               {config.login_ip_max_failures, config.login_ip_window});
  auth::SessionService sessions(**db, keyring, users, throttle, audit,
                                {config.issuer, config.session_ttl, config.session_refresh_ttl, hash_key});
  auth::ApiKeyService api_keys(**db, hash_key);
  auth::Authenticator authenticator(sessions, api_keys);

  http::Services services{{config.issuer, config.allow_registration},
                          **db,
                          keyring,
                          kr_options,
                          audit,
                          users,
                          sessions,
                          api_keys,
                          authenticator};
  http::Router router;
  http::add_all_routes(router, services);
  http::Pipeline pipeline(router);

  http::ServerOptions options;
  options.host = config.listen_host;
  options.port = config.listen_port;
  options.io_threads = config.threads;
  options.worker_threads = config.workers;
  options.body_limit = static_cast<std::size_t>(config.body_limit);
  http::Server server(options, [&pipeline](http::Request& r) { return pipeline.handle(r); });
  if (auto st = server.start(); !st) {
    log::error("startup failed", {{"error", st.error().description}});
    return 2;
  }
  KeyRefresher refresher(keyring);
  log::info("listening",
            {{"address", config.listen_host + ":" + std::to_string(server.port())},
             {"issuer", config.issuer},
             {"database", (*db)->dialect() == store::Dialect::sqlite ? "sqlite" : "postgresql"}});

  int signal = 0;
  sigwait(&signals, &signal);
  log::info("shutting down", {{"signal", signal}});
  server.stop();
  log::info("stopped");
  return 0;
}

}  // namespace bs::app
