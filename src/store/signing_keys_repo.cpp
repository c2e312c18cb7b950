#include "store/repo_util.hpp"

namespace bs::store {
namespace {

using namespace detail;

SigningKeyRecord to_signing_key(const Row& r) {
  SigningKeyRecord k;
  k.kid = r.text(0);
  k.alg = r.text(1);
  k.private_key_encrypted = r.text(2);
  k.public_jwk = r.text(3);
  k.created_at = r.integer(4);
  k.activates_at = r.integer(5);
  k.retired_at = r.opt_integer(6);
  k.expires_at = r.opt_integer(7);
  k.retain_public_until = r.opt_integer(8);
  k.retain_public_forever = r.integer(9) != 0;
  return k;
}

}  // namespace

Status insert_signing_key(Executor ex, const SigningKeyRecord& k) {
  const Value p[] = {text(k.kid),
                     text(k.alg),
                     text(k.private_key_encrypted),
                     text(k.public_jwk),
                     integer(k.created_at),
                     integer(k.activates_at),
                     opt(k.retired_at),
                     opt(k.expires_at),
                     opt(k.retain_public_until),
                     boolean(k.retain_public_forever)};
  auto r = ex.exec(
      "INSERT INTO signing_keys (kid, alg, private_key_encrypted, public_jwk, created_at, activates_at,"
      " retired_at, expires_at, retain_public_until, retain_public_forever)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      p);
  if (!r) return error_of(r);
  return ok();
}

Result<std::vector<SigningKeyRecord>> list_signing_keys(Executor ex) {
  auto rows = ex.query(
      "SELECT kid, alg, private_key_encrypted, public_jwk, created_at, activates_at, retired_at, expires_at,"
      " retain_public_until, retain_public_forever FROM signing_keys ORDER BY activates_at, kid");
  if (!rows) return error_of(rows);
  std::vector<SigningKeyRecord> out;
  out.reserve(rows->size());
  for (const Row& r : *rows) out.push_back(to_signing_key(r));
  return out;
}

Result<bool> update_signing_key_retired(Executor ex, std::string_view kid,
                                        std::optional<std::int64_t> retired_at) {
  const Value p[] = {text(kid), opt(retired_at)};
  auto r = ex.exec("UPDATE signing_keys SET retired_at = $2 WHERE kid = $1", p);
  if (!r) return error_of(r);
  return *r > 0;
}

Result<bool> update_signing_key_expires(Executor ex, std::string_view kid,
                                        std::optional<std::int64_t> expires_at) {
  const Value p[] = {text(kid), opt(expires_at)};
  auto r = ex.exec("UPDATE signing_keys SET expires_at = $2 WHERE kid = $1", p);
  if (!r) return error_of(r);
  return *r > 0;
}

Status retain_signing_key_public(Executor ex, std::string_view kid, std::optional<std::int64_t> until) {
  if (!until) {
    const Value p[] = {text(kid)};
    auto r = ex.exec(
        "UPDATE signing_keys SET retain_public_forever = 1 WHERE kid = $1 AND retain_public_forever = 0", p);
    if (!r) return error_of(r);
    return ok();
  }
  // One conditional statement, so two issuers extending at once cannot move the horizon back.
  const Value p[] = {text(kid), integer(*until)};
  auto r = ex.exec(
      "UPDATE signing_keys SET retain_public_until = $2"
      " WHERE kid = $1 AND (retain_public_until IS NULL OR retain_public_until < $2)",
      p);
  if (!r) return error_of(r);
  return ok();
}

}  // namespace bs::store
