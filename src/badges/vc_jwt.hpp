// VC-JWT (Open Badges 3.0 §8.2): an OpenBadgeCredential secured as a compact JWS whose payload IS
// the credential (VC 2.0 form, no "vc" claim) plus the registered claims derived from it:
//   iss = issuer.id (or issuer when a string), jti = id, nbf = validFrom, sub = credentialSubject.id
//   (when the subject has an id), exp = validUntil (when present).
// JOSE header: alg (RS256 by default, the spec's interoperability floor), typ "JWT", and kid.
//
// Key ids: the keyring names a key by its RFC 7638 thumbprint T (that is the kid of session and
// access tokens, unchanged). A badge's header kid is the URL "<base_url>/keys/<T>": GET on it answers
// the public JWK, and the JWKS (/.well-known/jwks.json) lists every badge-signing key a second time
// under that same URL kid, so the header kid is found verbatim in both places.
//
// A badge lives for years (forever without validUntil), far longer than the key ring publishes a
// retired key for tokens. So signing a badge retains its key's public half (Keyring::retain_public)
// until the badge's validUntil (+ leeway), or for good; such a key stays resolvable at its URL kid,
// in the JWKS under the URL kid only (a token naming its bare thumbprint must not verify), and
// here, long after its private half stopped signing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/errors.hpp"
#include "crypto/jose.hpp"
#include "keys/keyring.hpp"

namespace bs::badges {

struct VcJwtOptions {
  std::string base_url;                        // the server's issuer URL, without a trailing '/'
  crypto::JwsAlg alg = crypto::JwsAlg::RS256;  // must be one of the keyring's required algs
  std::int64_t leeway_seconds = 60;            // clock skew tolerated for nbf / exp
};

// Where the key that verified a VC-JWT came from.
enum class KeySource { ours, embedded_jwk };

struct VerifiedVcJwt {
  nlohmann::json header;
  nlohmann::json credential;  // the payload without the registered JWT claims
  KeySource key_source = KeySource::ours;
  std::string kid;  // header kid as received (may be empty for an embedded jwk)
};

// One named check of a VC-JWT: what the verify report shows. name is one of "format", "key",
// "signature", "typ", "iss", "jti", "nbf", "sub", "exp", "validFrom", "validUntil".
struct VcJwtCheck {
  std::string name;
  bool passed = false;
  std::string detail;  // why it failed (empty when passed)
};

struct VcJwtInspection {
  std::optional<VerifiedVcJwt> decoded;  // set when the JWS could be parsed (even if checks failed)
  std::vector<VcJwtCheck> checks;
  bool ok() const;
  // The first failed check as invalid_data "<name>: <detail>"; ok() when every check passed.
  Status first_failure() const;
};

class VcJwt {
 public:
  VcJwt(keys::Keyring& keyring, VcJwtOptions options);

  // Signs the credential with the active key of options.alg. The payload is the credential plus
  // iss/jti/nbf/sub/exp; members of the credential named like those claims are replaced. The key
  // is retained for as long as the credential is valid before the signature is returned.
  // invalid_data when the credential lacks id, issuer or validFrom, or a date is not RFC 3339.
  Result<std::string> sign(const nlohmann::json& credential) const;

  // Verifies signature (kid naming one of our keys, by URL or thumbprint, or an embedded public
  // "jwk" header), typ, the claim equalities and the dates at `now` (0: the current time). Errors
  // are invalid_data "<check>: <what failed>", "key: key not resolvable" when no key is found.
  Result<VerifiedVcJwt> verify(std::string_view compact, std::int64_t now = 0) const;

  // Every check run (not only the first failure), for the verify report.
  VcJwtInspection inspect(std::string_view compact, std::int64_t now = 0) const;

  // "<base_url>/keys/<thumbprint>".
  std::string key_url(std::string_view thumbprint) const;
  // The public JWK of a published or retained key of ours with kid = key_url(thumbprint); nullopt
  // when unknown.
  std::optional<nlohmann::json> public_jwk(std::string_view thumbprint) const;
  // The published and retained keys of options.alg, each with its URL kid (merged into the JWKS).
  std::vector<nlohmann::json> published_badge_keys() const;

  const VcJwtOptions& options() const { return options_; }

 private:
  keys::Keyring& keyring_;
  VcJwtOptions options_;
};

}  // namespace bs::badges
