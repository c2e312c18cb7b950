#include "app/bootstrap.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "common/log.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "store/migrations.hpp"

namespace bs::app {

Result<std::unique_ptr<store::Database>> open_and_migrate(const Config& config) {
  store::DatabaseOptions options;
  options.pool_size = config.db_pool_size;
  options.sqlite_synchronous = config.sqlite_synchronous;
  auto db = store::open_database(config.database, options);
  if (!db) return std::unexpected(db.error());
  auto applied = store::migrate(**db);
  if (!applied) return std::unexpected(applied.error());
  if (!applied->empty()) log::info("migrations applied", {{"versions", *applied}});
  return db;
}

Result<std::string> key_encryption_key(const Config& config) {
  if (!config.key_encryption_key.empty()) {
    auto raw = crypto::base64_decode(config.key_encryption_key);
    if (!raw || raw->size() != 32)
      return fail(ErrorCode::invalid_request, "key_encryption_key must be the base64 encoding of 32 bytes");
    return *raw;
  }
  if (!config.database.starts_with("sqlite:") || config.database == "sqlite::memory:")
    return fail(
        ErrorCode::invalid_request,
        "set BADGESERVER_KEY_ENCRYPTION_KEY (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)");
  const std::string path = config.database.substr(7) + ".key";
  std::ifstream in(path);
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    auto raw = crypto::base64_decode(text);
    if (!raw || raw->size() != 32)
      return fail(ErrorCode::invalid_request, "key file " + path + " is corrupt");
    return *raw;
  }
  const std::string raw = crypto::random_bytes(32);
  const std::string encoded = crypto::base64_encode(raw) + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return fail(ErrorCode::internal_error, "cannot create key file " + path);
  bool written = ::write(fd, encoded.data(), encoded.size()) == static_cast<ssize_t>(encoded.size());
  written = ::fsync(fd) == 0 && written;
  ::close(fd);
  if (!written) return fail(ErrorCode::internal_error, "cannot write key file " + path);
  log::warn("BADGESERVER_KEY_ENCRYPTION_KEY is not set: created a key file; set the variable in production",
            {{"key_file", path}});
  return raw;
}

std::string credential_hash_key(const std::string& kek) {
  return crypto::hkdf_sha256(kek, "badgeserver", "credential-hash-v1", 32);
}

keys::KeyringOptions keyring_options(const Config& config, const std::string& kek) {
  keys::KeyringOptions o;
  o.key_encryption_key = kek;
  o.default_alg = crypto::parse_jws_alg(config.signing_alg).value_or(crypto::JwsAlg::ES256);
  o.required_algs = {o.default_alg};
  // Open Badges VC-JWTs are signed with RS256, the OB 3.0 interoperability floor (badges/vc_jwt.hpp).
  if (o.default_alg != crypto::JwsAlg::RS256) o.required_algs.push_back(crypto::JwsAlg::RS256);
  o.activation_delay = config.key_activation_delay;
  o.refresh_interval = config.key_refresh_interval;
  // Retired keys stay published past the longest lifetime of anything they signed.
  o.retired_key_lifetime = std::max({config.access_token_ttl, config.session_ttl}) + 3600;
  return o;
}

}  // namespace bs::app
