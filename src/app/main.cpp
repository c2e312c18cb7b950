// badgeserver: serve | migrate | routes | admin (create-api-key, create-user, rotate-keys).
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/bootstrap.hpp"
#include "app/config.hpp"
#include "app/server_app.hpp"
#include "auth/api_keys.hpp"
#include "auth/users.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "crypto/encoding.hpp"
#include "crypto/random.hpp"
#include "store/migrations.hpp"

namespace {

int fail_with(const bs::Error& e) {
  std::cerr << "error: " << e.description << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"badgeserver: Open Badges 3.0 host with a headless OAuth 2.0 authorization server"};
  app.require_subcommand(1);

  auto* serve = app.add_subcommand("serve", "run the HTTP server");
  bs::app::ConfigLoader serve_config(*serve);

  auto* migrate = app.add_subcommand("migrate", "apply database migrations and exit");
  bs::app::ConfigLoader migrate_config(*migrate, false);

  auto* routes = app.add_subcommand(
      "routes",
      "print the registered routes as JSON [{\"method\", \"pattern\"}] (the OpenAPI contract check)");

  auto* admin = app.add_subcommand("admin", "administration commands");
  admin->require_subcommand(1);

  auto* create_key = admin->add_subcommand("create-api-key", "create an API key; prints {id, api_key}");
  bs::app::ConfigLoader create_key_config(*create_key, false);
  std::string key_name, key_scopes, key_expires;
  create_key->add_option("--name", key_name, "a label for the key")->required();
  create_key->add_option("--scopes", key_scopes, "space-separated scopes, e.g. \"admin\"")->required();
  create_key->add_option("--expires-at", key_expires, "RFC 3339 expiry");

  auto* create_user = admin->add_subcommand("create-user", "create a user; prints it as JSON");
  bs::app::ConfigLoader create_user_config(*create_user, false);
  std::string user_email, user_name, user_role = "user";
  bool password_stdin = false;
  create_user->add_option("--email", user_email)->required();
  create_user->add_option("--name", user_name, "display name (default: the email's local part)");
  create_user->add_option("--role", user_role, "user or admin")->check(CLI::IsMember({"user", "admin"}));
  create_user->add_flag("--password-stdin", password_stdin, "read the password from standard input")
      ->required();

  auto* rotate = admin->add_subcommand("rotate-keys", "create a new signing key and retire the current one");
  bs::app::ConfigLoader rotate_config(*rotate, false);
  std::string rotate_alg;
  rotate->add_option("--alg", rotate_alg, "ES256, RS256 or EdDSA (default: signing_alg)");

  CLI11_PARSE(app, argc, argv);
  bs::log::set_level("warn");

  if (serve->parsed()) {
    auto config = serve_config.finalize();
    if (!config) return fail_with(config.error());
    return bs::app::run_server(*config);
  }
  if (routes->parsed()) {
    // The server wired as `serve` wires it, over a throwaway in-memory database and key, so that the
    // list is exactly what a running server dispatches on.
    bs::app::Config config;
    config.database = "sqlite::memory:";
    config.key_encryption_key = bs::crypto::base64_encode(bs::crypto::random_bytes(32));
    config.log_level = "error";
    config.issuer = "http://" + config.listen;
    config.default_audience = config.issuer;
    nlohmann::json out = nlohmann::json::array();
    const int rc = bs::app::run_server(config, [&out](const std::vector<bs::http::Router::RouteInfo>& list) {
      for (const auto& r : list) out.push_back({{"method", r.method}, {"pattern", r.pattern}});
    });
    if (rc != 0) return rc;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (migrate->parsed()) {
    bs::log::set_level("info");
    auto config = migrate_config.finalize();
    if (!config) return fail_with(config.error());
    auto db = bs::app::open_and_migrate(*config);
    if (!db) return fail_with(db.error());
    std::cout << nlohmann::json{{"status", "migrated"}}.dump() << "\n";
    return 0;
  }
  if (create_key->parsed()) {
    auto config = create_key_config.finalize();
    if (!config) return fail_with(config.error());
    auto kek = bs::app::key_encryption_key(*config);
    if (!kek) return fail_with(kek.error());
    auto db = bs::app::open_and_migrate(*config);
    if (!db) return fail_with(db.error());
    std::optional<std::int64_t> expires;
    if (!key_expires.empty()) {
      expires = bs::parse_rfc3339(key_expires);
      if (!expires)
        return fail_with(bs::Error(bs::ErrorCode::invalid_request, "--expires-at: RFC 3339 expected"));
    }
    bs::auth::ApiKeyService keys(**db, bs::app::credential_hash_key(*kek));
    auto created = keys.create(key_name, bs::split_spaces(key_scopes), expires, "cli");
    if (!created) return fail_with(created.error());
    std::cout << nlohmann::json{{"id", created->record.id}, {"api_key", created->api_key}}.dump() << "\n";
    return 0;
  }
  if (create_user->parsed()) {
    auto config = create_user_config.finalize();
    if (!config) return fail_with(config.error());
    auto db = bs::app::open_and_migrate(*config);
    if (!db) return fail_with(db.error());
    std::string password;
    std::getline(std::cin, password);
    if (user_name.empty()) user_name = user_email.substr(0, user_email.find('@'));
    bs::auth::UserService users(**db);
    auto user = users.create({user_email, password, user_name, user_role});
    if (!user) return fail_with(user.error());
    std::cout << nlohmann::json{{"id", user->id},
                                {"email", user->email},
                                {"name", user->name},
                                {"role", user->role},
                                {"created_at", bs::format_rfc3339(user->created_at)}}
                     .dump()
              << "\n";
    return 0;
  }
  if (rotate->parsed()) {
    auto config = rotate_config.finalize();
    if (!config) return fail_with(config.error());
    auto kek = bs::app::key_encryption_key(*config);
    if (!kek) return fail_with(kek.error());
    auto db = bs::app::open_and_migrate(*config);
    if (!db) return fail_with(db.error());
    auto options = bs::app::keyring_options(*config, *kek);
    auto alg = rotate_alg.empty() ? options.default_alg
                                  : bs::crypto::parse_jws_alg(rotate_alg).value_or(options.default_alg);
    auto key = bs::keys::Keyring::rotate(**db, options, alg);
    if (!key) return fail_with(key.error());
    std::cout << nlohmann::json{{"kid", key->kid},
                                {"alg", bs::crypto::jws_alg_name(key->alg)},
                                {"activates_at", bs::format_rfc3339(key->activates_at)}}
                     .dump()
              << "\n";
    return 0;
  }
  return 0;
}
