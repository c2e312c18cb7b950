#include "keys/keyring.hpp"

#include "common/log.hpp"
#include "crypto/aead.hpp"
#include "crypto/encoding.hpp"
#include "crypto/random.hpp"
#include "store/repositories.hpp"

namespace bs::keys {

namespace {

constexpr std::int64_t kKeyCreationLock = 0x6b657973;  // "keys"

// Published for tokens: the JWKS and find().
bool published_at(const KeyInfo& k, std::int64_t now) {
  return !k.expires_at || *k.expires_at > now;
}

// Past its expiry, but kept resolvable for credentials it signed.
bool retained_at(const KeyInfo& k, std::int64_t now) {
  return !published_at(k, now) &&
         (k.retain_public_forever || (k.retain_public_until && *k.retain_public_until > now));
}

std::string status_at(const KeyInfo& k, std::int64_t now) {
  if (retained_at(k, now)) return "retained";
  if (k.retired_at && *k.retired_at <= now) return "retired";
  if (k.activates_at > now) return "pending";
  return "active";
}

Result<store::SigningKeyRecord> new_key_record(const KeyringOptions& options, crypto::JwsAlg alg,
                                               std::int64_t now, std::int64_t activates_at) {
  auto key = crypto::Jwk::generate(alg);
  if (!key) return std::unexpected(key.error());
  store::SigningKeyRecord rec;
  // The kid is the RFC 7638 thumbprint: stable, unique, and reveals nothing.
  rec.kid = key->thumbprint();
  rec.alg = std::string(crypto::jws_alg_name(alg));
  auto pem = key->private_pem();
  if (!pem) return std::unexpected(pem.error());
  auto sealed = crypto::aes256gcm_seal(options.key_encryption_key, *pem, rec.kid);
  if (!sealed) return std::unexpected(sealed.error());
  rec.private_key_encrypted = crypto::base64_encode(*sealed);
  key->kid = rec.kid;
  key->alg = alg;
  key->use = "sig";
  rec.public_jwk = key->public_json().dump();
  rec.created_at = now;
  rec.activates_at = activates_at;
  return rec;
}

}  // namespace

Keyring::Keyring(store::Database& db, KeyringOptions options) : db_(db), options_(std::move(options)) {
  if (std::find(options_.required_algs.begin(), options_.required_algs.end(), options_.default_alg) ==
      options_.required_algs.end())
    options_.required_algs.push_back(options_.default_alg);
}

Status Keyring::initialize() {
  Status created = db_.with_exclusive_lock(kKeyCreationLock, [&](store::Connection& conn) -> Status {
    auto rows = store::list_signing_keys(conn);
    if (!rows) return std::unexpected(rows.error());
    const auto now = store::unix_now();
    for (auto alg : options_.required_algs) {
      const auto name = crypto::jws_alg_name(alg);
      bool has_signing_key = false;
      for (const auto& r : *rows)
        has_signing_key = has_signing_key || (r.alg == name && (!r.retired_at || *r.retired_at > now));
      if (has_signing_key) continue;
      // The first key of an algorithm signs at once: nobody can hold an older key set yet.
      auto rec = new_key_record(options_, alg, now, now);
      if (!rec) return std::unexpected(rec.error());
      if (auto st = store::insert_signing_key(conn, *rec); !st) return st;
      log::info("signing key created", {{"kid", rec->kid}, {"alg", rec->alg}});
    }
    return {};
  });
  if (!created) return created;
  return reload();
}

Status Keyring::reload() {
  auto rows = store::list_signing_keys(db_);
  if (!rows) return std::unexpected(rows.error());
  auto snap = std::make_shared<Snapshot>();
  const auto now = store::unix_now();
  auto previous = snapshot();
  for (const auto& r : *rows) {
    auto alg = crypto::parse_jws_alg(r.alg);
    if (!alg) continue;
    KeyInfo info{.kid = r.kid,
                 .alg = *alg,
                 .created_at = r.created_at,
                 .activates_at = r.activates_at,
                 .retired_at = r.retired_at,
                 .expires_at = r.expires_at,
                 .retain_public_until = r.retain_public_until,
                 .retain_public_forever = r.retain_public_forever};
    const bool retained_only = retained_at(info, now);
    if (!published_at(info, now) && !retained_only) continue;
    info.public_jwk = nlohmann::json::parse(r.public_jwk, nullptr, false);
    // Reuse keys already loaded: a reload every few seconds must not parse PEMs again. A key kept
    // only for verifying credentials never signs again, so its private half is not held at all.
    std::shared_ptr<const crypto::Jwk> key;
    if (previous)
      for (const auto& k : previous->keys)
        if (k.info.kid == r.kid && k.key->is_private() != retained_only) key = k.key;
    if (!key && retained_only) {
      auto jwk = crypto::Jwk::from_json(info.public_jwk);
      if (!jwk) return fail(ErrorCode::internal_error, "signing key " + r.kid + ": corrupt public key");
      jwk->kid = r.kid;
      jwk->alg = *alg;
      jwk->use = "sig";
      key = std::make_shared<const crypto::Jwk>(std::move(*jwk));
    }
    if (!key) {
      auto sealed = crypto::base64_decode(r.private_key_encrypted);
      if (!sealed) return fail(ErrorCode::internal_error, "signing key " + r.kid + ": corrupt ciphertext");
      auto pem = crypto::aes256gcm_open(options_.key_encryption_key, *sealed, r.kid);
      if (!pem)
        return fail(ErrorCode::internal_error,
                    "signing key " + r.kid + " cannot be decrypted: wrong key-encryption key?");
      auto jwk = crypto::Jwk::from_private_pem(*pem);
      if (!jwk) return std::unexpected(jwk.error());
      jwk->kid = r.kid;
      jwk->alg = *alg;
      jwk->use = "sig";
      key = std::make_shared<const crypto::Jwk>(std::move(*jwk));
    }
    snap->keys.push_back({std::move(info), std::move(key)});
  }
  snap->loaded_at = now;
  std::lock_guard lock(mutex_);
  snapshot_ = std::move(snap);
  return {};
}

void Keyring::reload_if_stale() {
  auto snap = snapshot();
  if (snap && store::unix_now() - snap->loaded_at < options_.refresh_interval) return;
  if (auto st = reload(); !st) log::warn("signing key reload failed", {{"error", st.error().description}});
}

std::shared_ptr<const Keyring::Snapshot> Keyring::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

Result<std::string> Keyring::sign(nlohmann::json header, std::string_view payload,
                                  std::optional<crypto::JwsAlg> alg) const {
  auto snap = snapshot();
  const auto want = alg.value_or(options_.default_alg);
  const auto now = store::unix_now();
  const LoadedKey* best = nullptr;
  if (snap) {
    for (const auto& k : snap->keys) {
      if (k.info.alg != want || status_at(k.info, now) != "active") continue;
      if (!best || k.info.activates_at > best->info.activates_at) best = &k;
    }
  }
  if (!best)
    return fail(ErrorCode::internal_error,
                "no active signing key for " + std::string(crypto::jws_alg_name(want)));
  header["alg"] = crypto::jws_alg_name(want);
  header["kid"] = best->info.kid;
  return crypto::sign_jws(header, payload, *best->key);
}

Result<crypto::DecodedJws> Keyring::verify(std::string_view token) const {
  auto jws = crypto::decode_jws(token);
  if (!jws) return jws;
  auto kid = jws->header.find("kid");
  if (kid == jws->header.end() || !kid->is_string())
    return fail(ErrorCode::invalid_token, "token has no kid");
  auto key = find(kid->get<std::string>());
  if (!key) return fail(ErrorCode::invalid_token, "token signed by an unknown key");
  if (auto st = crypto::verify_jws(*jws, *key); !st) return std::unexpected(st.error());
  return jws;
}

std::shared_ptr<const crypto::Jwk> Keyring::find(std::string_view kid) const {
  auto snap = snapshot();
  if (!snap) return nullptr;
  const auto now = store::unix_now();
  for (const auto& k : snap->keys)
    if (k.info.kid == kid && published_at(k.info, now)) return k.key;
  return nullptr;
}

std::shared_ptr<const crypto::Jwk> Keyring::find_for_credentials(std::string_view kid) const {
  auto snap = snapshot();
  if (!snap) return nullptr;
  const auto now = store::unix_now();
  for (const auto& k : snap->keys)
    if (k.info.kid == kid && (published_at(k.info, now) || retained_at(k.info, now))) return k.key;
  return nullptr;
}

Status Keyring::retain_public(std::string_view kid, std::optional<std::int64_t> until) {
  auto snap = snapshot();
  const LoadedKey* loaded = nullptr;
  if (snap)
    for (const auto& k : snap->keys)
      if (k.info.kid == kid) loaded = &k;
  if (!loaded)
    return fail(ErrorCode::internal_error, "cannot retain unknown signing key " + std::string(kid));
  // Issuing badges in bulk must not write the key row for each one: skip what is already recorded.
  const auto& info = loaded->info;
  if (info.retain_public_forever) return bs::ok();
  if (until && info.retain_public_until && *info.retain_public_until >= *until) return bs::ok();
  if (auto st = store::retain_signing_key_public(db_, kid, until); !st) return st;
  auto updated = std::make_shared<Snapshot>(*snap);
  for (auto& k : updated->keys) {
    if (k.info.kid != kid) continue;
    if (!until)
      k.info.retain_public_forever = true;
    else
      k.info.retain_public_until = std::max(k.info.retain_public_until.value_or(*until), *until);
  }
  std::lock_guard lock(mutex_);
  // The row holds the retention already; if a reload swapped in meanwhile, keep it (at worst the
  // next call writes again).
  if (snapshot_ == snap) snapshot_ = std::move(updated);
  return bs::ok();
}

nlohmann::json Keyring::jwks() const {
  nlohmann::json keys = nlohmann::json::array();
  auto snap = snapshot();
  const auto now = store::unix_now();
  if (snap)
    for (const auto& k : snap->keys)
      if (published_at(k.info, now)) keys.push_back(k.info.public_jwk);
  return {{"keys", keys}};
}

std::vector<KeyInfo> Keyring::list() const {
  std::vector<KeyInfo> out;
  auto snap = snapshot();
  const auto now = store::unix_now();
  if (snap)
    for (const auto& k : snap->keys) {
      if (!published_at(k.info, now) && !retained_at(k.info, now)) continue;
      out.push_back(k.info);
      out.back().status = status_at(k.info, now);
    }
  return out;
}

Result<KeyInfo> Keyring::rotate(store::Database& db, const KeyringOptions& options, crypto::JwsAlg alg) {
  return db.transaction([&](store::Connection& conn) -> Result<KeyInfo> {
    const auto now = store::unix_now();
    const auto activates_at = now + options.activation_delay;
    auto rec = new_key_record(options, alg, now, activates_at);
    if (!rec) return std::unexpected(rec.error());
    // The keys signing now stop when the new one starts, and stay published until tokens they
    // signed have expired.
    auto existing = store::list_signing_keys(conn);
    if (!existing) return std::unexpected(existing.error());
    for (const auto& k : *existing) {
      if (k.alg != rec->alg || (k.retired_at && *k.retired_at <= activates_at)) continue;
      auto retired = store::update_signing_key_retired(conn, k.kid, activates_at);
      if (!retired) return std::unexpected(retired.error());
      auto expires =
          store::update_signing_key_expires(conn, k.kid, activates_at + options.retired_key_lifetime);
      if (!expires) return std::unexpected(expires.error());
    }
    if (auto st = store::insert_signing_key(conn, *rec); !st) return std::unexpected(st.error());
    KeyInfo info{.kid = rec->kid,
                 .alg = alg,
                 .created_at = rec->created_at,
                 .activates_at = rec->activates_at,
                 .status = "pending",
                 .public_jwk = nlohmann::json::parse(rec->public_jwk)};
    if (options.activation_delay == 0) info.status = "active";
    return info;
  });
}

}  // namespace bs::keys
