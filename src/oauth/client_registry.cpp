#include "oauth/client_registry.hpp"

#include <algorithm>

#include "crypto/random.hpp"
#include "oauth/client_metadata_validation.hpp"
#include "oauth/scopes.hpp"
#include "oauth/token_service.hpp"

namespace bs::oauth {

namespace {

// Unknown client_ids are cached too (the token endpoint sees many), so the map needs a bound.
constexpr std::size_t kMaxCacheEntries = 10000;
constexpr std::size_t kMaxBulkClients = 1000;

// Server-assigned members a client may send back in an RFC 7592 update (it echoes its last
// response); they never change anything, so they are dropped rather than refused.
const std::vector<std::string> kEchoedMembers = {"client_id_issued_at", "client_secret_expires_at",
                                                 "registration_access_token", "registration_client_uri"};

std::vector<std::string> admin_scopes_of(const std::vector<std::string>& scope) {
  std::vector<std::string> out;
  for (const auto& s : scope)
    if (is_admin_scope(s)) out.push_back(s);
  return out;
}

void apply(store::OAuthClient& record, ValidatedMetadata&& v) {
  record.token_endpoint_auth_method = std::move(v.token_endpoint_auth_method);
  record.grant_types = std::move(v.grant_types);
  record.scope = std::move(v.scope);
  record.service_account = v.service_account;
  record.metadata = v.metadata.dump();
}

}  // namespace

nlohmann::json client_metadata(const store::OAuthClient& client) {
  auto j = nlohmann::json::parse(client.metadata, nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

ClientRegistry::ClientRegistry(store::Database& db, const ClientSecrets& secrets, RegistrationOptions options)
    : db_(db), secrets_(secrets), options_(std::move(options)) {}

Result<RegisteredClient> ClientRegistry::register_client(const nlohmann::json& metadata,
                                                         const RegistrationActor& actor) {
  MetadataPolicy policy;
  // The Open Badges profile governs the open endpoint; administrators create service accounts too.
  policy.strict_ob = options_.strict_ob_registration && !actor.admin;
  policy.admin = actor.admin;
  auto v = validate_client_metadata(metadata, policy);
  if (!v) return std::unexpected(v.error());

  RegisteredClient out;
  auto& r = out.record;
  r.client_id = "cli_" + crypto::random_token(16);
  apply(r, std::move(*v));
  if (uses_client_secret(r.token_endpoint_auth_method)) {
    out.client_secret = secrets_.generate();
    r.client_secret_hash = secrets_.hash(*out.client_secret);
    if (r.token_endpoint_auth_method == "client_secret_jwt") {
      auto sealed = secrets_.encrypt(*out.client_secret, r.client_id);
      if (!sealed) return std::unexpected(sealed.error());
      r.client_secret_encrypted = std::move(*sealed);
    }
  }
  r.client_secret_expires_at = 0;
  out.registration_access_token = secrets_.generate();
  r.registration_token_hash = secrets_.hash(*out.registration_access_token);
  r.enabled = true;
  r.created_by = actor.admin ? actor.actor : "registration";
  r.created_at = store::unix_now();
  r.updated_at = r.created_at;
  if (auto st = store::insert_client(db_, r); !st) return std::unexpected(st.error());
  invalidate(r.client_id);  // a negative lookup of this id may be cached
  return out;
}

nlohmann::json ClientRegistry::client_information(const RegisteredClient& client) const {
  const auto& r = client.record;
  auto info = client_metadata(r);
  info["client_id"] = r.client_id;
  info["client_id_issued_at"] = r.created_at;
  if (r.client_secret_hash) {
    if (client.client_secret) info["client_secret"] = *client.client_secret;
    info["client_secret_expires_at"] = r.client_secret_expires_at;
  }
  if (client.registration_access_token) info["registration_access_token"] = *client.registration_access_token;
  info["registration_client_uri"] = options_.issuer + "/oauth/register/" + r.client_id;
  return info;
}

Result<store::OAuthClient> ClientRegistry::authenticate_registration(std::string_view client_id,
                                                                     std::string_view token) {
  auto found = store::find_client(db_, client_id);
  if (!found) return std::unexpected(found.error());
  const bool has_token = *found && (*found)->registration_token_hash;
  // Compare even for an unknown client, so that the answer takes as long either way.
  const bool matches =
      secrets_.matches(token, has_token ? *(*found)->registration_token_hash : std::string(64, '0'));
  if (!has_token || !matches) return fail(ErrorCode::invalid_token, "invalid registration access token");
  // An administrator disabled it: the client may not change or remove its registration meanwhile.
  if (!(*found)->enabled) return fail(ErrorCode::invalid_token, "the client is disabled");
  return std::move(**found);
}

Result<RegisteredClient> ClientRegistry::update_client(std::string_view client_id,
                                                       const nlohmann::json& metadata,
                                                       const RegistrationActor& actor, bool merge) {
  if (!metadata.is_object())
    return fail(ErrorCode::invalid_client_metadata, "client metadata must be a JSON object");
  auto found = store::find_client(db_, client_id);
  if (!found) return std::unexpected(found.error());
  if (!*found) return fail(ErrorCode::not_found, "no client with this client_id");
  store::OAuthClient record = std::move(**found);

  nlohmann::json request = metadata;
  // RFC 7592 §2.2: the request names the client it updates (a replacement must; a patch may).
  if (auto id = request.find("client_id"); id != request.end() && !id->is_null()) {
    if (!id->is_string() || id->get_ref<const std::string&>() != client_id)
      return fail(ErrorCode::invalid_request,
                  "client_id in the request differs from the client being updated");
  } else if (!merge) {
    return fail(ErrorCode::invalid_request,
                "the update request must include client_id (RFC 7592 section 2.2)");
  }
  request.erase("client_id");
  // A client may repeat its secret but never choose one (RFC 7592 §2.2).
  if (auto secret = request.find("client_secret"); secret != request.end() && !secret->is_null()) {
    if (!secret->is_string() || !record.client_secret_hash ||
        !secrets_.matches(secret->get_ref<const std::string&>(), *record.client_secret_hash))
      return fail(ErrorCode::invalid_client_metadata, "client_secret differs from the current secret");
  }
  request.erase("client_secret");
  for (const auto& name : kEchoedMembers) request.erase(name);

  nlohmann::json next = request;
  if (merge) {
    next = client_metadata(record);
    next.merge_patch(request);  // RFC 7396: members replace, null removes
  }

  MetadataPolicy policy;
  policy.strict_ob = options_.strict_ob_registration && !actor.admin && record.created_by == "registration";
  policy.admin = actor.admin;
  policy.service_account = record.service_account;
  policy.kept_admin_scopes = admin_scopes_of(record.scope);
  auto v = validate_client_metadata(next, policy);
  if (!v) return std::unexpected(v.error());

  RegisteredClient out;
  const std::string old_method = record.token_endpoint_auth_method;
  apply(record, std::move(*v));
  const std::string& method = record.token_endpoint_auth_method;
  if (!uses_client_secret(method)) {
    record.client_secret_hash.reset();
    record.client_secret_encrypted.reset();
    record.client_secret_expires_at = 0;
  } else if (!uses_client_secret(old_method) || !record.client_secret_hash ||
             (method == "client_secret_jwt" && !record.client_secret_encrypted)) {
    // The new method needs a secret we do not have (only its hash is kept): issue one.
    out.client_secret = secrets_.generate();
    record.client_secret_hash = secrets_.hash(*out.client_secret);
    record.client_secret_encrypted.reset();
    record.client_secret_expires_at = 0;
    if (method == "client_secret_jwt") {
      auto sealed = secrets_.encrypt(*out.client_secret, record.client_id);
      if (!sealed) return std::unexpected(sealed.error());
      record.client_secret_encrypted = std::move(*sealed);
    }
  } else if (method != "client_secret_jwt") {
    record.client_secret_encrypted.reset();  // only HS256 assertions need the secret itself
  }
  record.updated_at = store::unix_now();
  auto updated = store::update_client(db_, record);
  invalidate(record.client_id);
  if (!updated) return std::unexpected(updated.error());
  if (!*updated) return fail(ErrorCode::not_found, "no client with this client_id");
  out.record = std::move(record);
  return out;
}

Status ClientRegistry::delete_client(std::string_view client_id) {
  const auto cutoff = client_cutoff_now(std::string(client_id));
  auto deleted =
      db_.transaction([&](store::Connection& c) -> Result<bool> { return store::delete_client(c, cutoff); });
  invalidate(client_id);
  if (!deleted) return std::unexpected(deleted.error());
  if (!*deleted) return fail(ErrorCode::not_found, "no client with this client_id");
  return ok();
}

Status ClientRegistry::set_enabled(std::string_view client_id, bool enabled) {
  auto changed = store::set_client_enabled(db_, client_id, enabled, store::unix_now());
  invalidate(client_id);
  if (!changed) return std::unexpected(changed.error());
  if (!*changed) return fail(ErrorCode::not_found, "no client with this client_id");
  return ok();
}

Result<RegisteredClient> ClientRegistry::rotate_secret(std::string_view client_id) {
  auto found = store::find_client(db_, client_id);
  if (!found) return std::unexpected(found.error());
  if (!*found) return fail(ErrorCode::not_found, "no client with this client_id");
  RegisteredClient out;
  out.record = std::move(**found);
  auto& r = out.record;
  if (!uses_client_secret(r.token_endpoint_auth_method))
    return fail(ErrorCode::invalid_request, "token_endpoint_auth_method " + r.token_endpoint_auth_method +
                                                " has no client secret to rotate");
  out.client_secret = secrets_.generate();
  r.client_secret_hash = secrets_.hash(*out.client_secret);
  r.client_secret_encrypted.reset();
  if (r.token_endpoint_auth_method == "client_secret_jwt") {
    auto sealed = secrets_.encrypt(*out.client_secret, r.client_id);
    if (!sealed) return std::unexpected(sealed.error());
    r.client_secret_encrypted = std::move(*sealed);
  }
  r.client_secret_expires_at = 0;
  r.updated_at = store::unix_now();
  auto updated = store::update_client(db_, r);
  invalidate(r.client_id);
  if (!updated) return std::unexpected(updated.error());
  if (!*updated) return fail(ErrorCode::not_found, "no client with this client_id");
  return out;
}

Result<std::optional<store::OAuthClient>> ClientRegistry::find(std::string_view client_id) {
  const std::int64_t now = store::unix_now();
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = cache_.find(std::string(client_id)); it != cache_.end() && it->second.expires_at > now) {
      it->second.used = true;
      return it->second.client;
    }
    generation = cache_generation_;
  }
  auto found = store::find_client(db_, client_id);
  if (!found) return found;
  std::lock_guard lock(cache_mutex_);
  if (generation == cache_generation_) remember(std::string(client_id), *found, now);
  return found;
}

// Called with cache_mutex_ held.
void ClientRegistry::remember(const std::string& client_id, std::optional<store::OAuthClient> client,
                              std::int64_t now) {
  if (cache_.size() >= kMaxCacheEntries && !cache_.contains(client_id)) {
    std::erase_if(cache_, [now](const auto& entry) { return entry.second.expires_at <= now; });
    if (cache_.size() >= kMaxCacheEntries) cache_.clear();
  }
  cache_[client_id] = {.expires_at = now + kCacheSeconds, .client = std::move(client), .used = false};
}

std::optional<store::OAuthClient> ClientRegistry::find_cached(std::string_view client_id) {
  const std::int64_t now = store::unix_now();
  std::lock_guard lock(cache_mutex_);
  if (auto it = cache_.find(std::string(client_id)); it != cache_.end() && it->second.expires_at > now) {
    it->second.used = true;
    return it->second.client;
  }
  return std::nullopt;
}

void ClientRegistry::refresh_hot_entries() {
  std::vector<std::string> due;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(cache_mutex_);
    const std::int64_t now = store::unix_now();
    for (const auto& [id, entry] : cache_)
      if (entry.used && entry.expires_at > now && entry.expires_at - now <= kRefreshAheadSeconds)
        due.push_back(id);
    generation = cache_generation_;
  }
  for (const auto& id : due) {
    auto found = store::find_client(db_, id);
    if (!found) return;  // the database is in trouble: the entries expire as they would have
    std::lock_guard lock(cache_mutex_);
    if (generation != cache_generation_) return;  // changed meanwhile: the next lookup reads it
    remember(id, *found, store::unix_now());
  }
}

Result<std::optional<store::OAuthClient>> ClientRegistry::find_fresh(std::string_view client_id) {
  return store::find_client(db_, client_id);
}

Result<store::Page<store::OAuthClient, std::string>> ClientRegistry::list(const store::ClientQuery& query) {
  return store::list_clients(db_, query);
}

Result<nlohmann::json> ClientRegistry::bulk(std::string_view action,
                                            const std::vector<std::string>& client_ids) {
  if (action != "disable" && action != "enable" && action != "delete" && action != "revoke_tokens")
    return fail(ErrorCode::invalid_request, "action must be disable, enable, delete or revoke_tokens");
  if (client_ids.empty()) return fail(ErrorCode::invalid_request, "client_ids must not be empty");
  if (client_ids.size() > kMaxBulkClients)
    return fail(ErrorCode::invalid_request,
                "at most " + std::to_string(kMaxBulkClients) + " client_ids at once");
  std::vector<std::string> ids;
  for (const auto& id : client_ids)
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);

  const std::int64_t now = store::unix_now();
  auto affected = db_.transaction([&](store::Connection& c) -> Result<std::int64_t> {
    // Every id is checked before anything changes, so a bad id leaves no partial work behind
    // (the transaction would roll it back anyway; this also gives the clearer error).
    for (const auto& id : ids) {
      auto found = store::find_client(c, id);
      if (!found) return std::unexpected(found.error());
      if (!*found) return fail(ErrorCode::not_found, "no client with client_id " + id);
    }
    std::int64_t n = 0;
    for (const auto& id : ids) {
      if (action == "revoke_tokens") {
        auto revoked = store::revoke_tokens_of_client(c, client_cutoff_now(id));
        if (!revoked) return std::unexpected(revoked.error());
        n += *revoked;
        continue;
      }
      auto changed = action == "delete" ? store::delete_client(c, client_cutoff_now(id))
                                        : store::set_client_enabled(c, id, action == "enable", now);
      if (!changed) return std::unexpected(changed.error());
      if (!*changed) return fail(ErrorCode::not_found, "no client with client_id " + id);
      ++n;
    }
    return n;
  });
  for (const auto& id : ids) invalidate(id);
  if (!affected) return std::unexpected(affected.error());
  return nlohmann::json{{"action", action}, {"client_ids", ids}, {"affected", *affected}};
}

void ClientRegistry::invalidate(std::string_view client_id) {
  std::lock_guard lock(cache_mutex_);
  cache_.erase(std::string(client_id));
  ++cache_generation_;
}

}  // namespace bs::oauth
