// OAuth clients: dynamic registration (RFC 7591), its management protocol (RFC 7592), and the
// admin operations behind /api/v1/clients. Validation errors are invalid_client_metadata or
// invalid_redirect_uri (RFC 7591 §3.2.2).
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/errors.hpp"
#include "oauth/client_secrets.hpp"
#include "store/database.hpp"
#include "store/oauth_models.hpp"
#include "store/oauth_repositories.hpp"

namespace bs::oauth {

struct RegistrationOptions {
  std::string issuer;                   // registration_client_uri = issuer + "/oauth/register/" + client_id
  bool strict_ob_registration = false;  // enforce the Open Badges 3.0 registration profile
  std::optional<std::string> initial_access_token;  // when set, POST /oauth/register requires it
};

// Who is registering: the open endpoint (dynamic) or an admin (may set service_account).
struct RegistrationActor {
  bool admin = false;
  std::string actor;  // for audit and created_by
};

struct RegisteredClient {
  store::OAuthClient record;
  std::optional<std::string> client_secret;              // only when just created or rotated
  std::optional<std::string> registration_access_token;  // only when just created (dynamic)
};

class ClientRegistry {
 public:
  ClientRegistry(store::Database& db, const ClientSecrets& secrets, RegistrationOptions options);

  const RegistrationOptions& options() const { return options_; }

  // RFC 7591 §3.1: validates the metadata and creates the client.
  Result<RegisteredClient> register_client(const nlohmann::json& metadata, const RegistrationActor& actor);
  // RFC 7591 §3.2.1 / RFC 7592 §3: the client information response (metadata echoed plus
  // client_id, client_id_issued_at, client_secret(+_expires_at) when given, registration_* fields).
  nlohmann::json client_information(const RegisteredClient& client) const;

  // RFC 7592: the client whose registration access token this is; invalid_token otherwise.
  Result<store::OAuthClient> authenticate_registration(std::string_view client_id, std::string_view token);
  // RFC 7592 §2.2 / admin PATCH: replaces (or, with merge, patches) the metadata; client_id,
  // secret and registration token are kept.
  Result<RegisteredClient> update_client(std::string_view client_id, const nlohmann::json& metadata,
                                         const RegistrationActor& actor, bool merge);
  Status delete_client(std::string_view client_id);
  Status set_enabled(std::string_view client_id, bool enabled);
  Result<RegisteredClient> rotate_secret(std::string_view client_id);

  // Lookups for the token endpoint: cached for a few seconds (changes made here invalidate at once;
  // changes made by another instance are seen within kCacheSeconds).
  Result<std::optional<store::OAuthClient>> find(std::string_view client_id);
  // The cached lookup only, never the database: nullopt when the cache does not know the id (or
  // knows it is unknown). For callers that must not block.
  std::optional<store::OAuthClient> find_cached(std::string_view client_id);
  // Re-reads the cached clients used since their last read whose entries expire within
  // kRefreshAheadSeconds; the server calls it every second from its background thread. A busy
  // client's entry then never expires under its requests: a miss sends every request that meets it
  // to the workers and the database, and a slow database (a checkpoint) stalled them all.
  void refresh_hot_entries();
  // The stored client read from the database, bypassing the cache (admin views).
  Result<std::optional<store::OAuthClient>> find_fresh(std::string_view client_id);
  Result<store::Page<store::OAuthClient, std::string>> list(const store::ClientQuery& query);

  // All-or-nothing bulk admin action: "disable" | "enable" | "delete" | "revoke_tokens".
  Result<nlohmann::json> bulk(std::string_view action, const std::vector<std::string>& client_ids);

  static constexpr int kCacheSeconds = 5;
  static constexpr int kRefreshAheadSeconds = 2;

 private:
  void invalidate(std::string_view client_id);

  store::Database& db_;
  const ClientSecrets& secrets_;
  RegistrationOptions options_;
  struct CacheEntry {
    std::int64_t expires_at = 0;
    std::optional<store::OAuthClient> client;  // nullopt: known not to exist
    bool used = false;                         // looked up since it was read
  };
  void remember(const std::string& client_id, std::optional<store::OAuthClient> client, std::int64_t now);
  std::mutex cache_mutex_;
  std::unordered_map<std::string, CacheEntry> cache_;
  // Bumped by invalidate(): a lookup that raced with a change does not put its stale read back.
  std::uint64_t cache_generation_ = 0;
};

// Reads the registered metadata of a stored client.
nlohmann::json client_metadata(const store::OAuthClient& client);

}  // namespace bs::oauth
