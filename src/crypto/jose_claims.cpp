#include <algorithm>
#include <cmath>
#include <limits>

#include "crypto/jose.hpp"

namespace bs::crypto {

using nlohmann::json;
namespace {

std::unexpected<Error> claim_error(std::string what) {
  return fail(ErrorCode::invalid_token, std::move(what));
}

// RFC 7519 NumericDate: any JSON number, possibly fractional. Clamped so arithmetic with leeway
// cannot overflow.
std::optional<std::int64_t> numeric_date(const json& v) {
  constexpr std::int64_t kLimit = std::int64_t{1} << 52;
  if (v.is_number_unsigned())
    return static_cast<std::int64_t>(std::min<std::uint64_t>(v.get<std::uint64_t>(), kLimit));
  if (v.is_number_integer()) return std::clamp<std::int64_t>(v.get<std::int64_t>(), -kLimit, kLimit);
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d)) return std::nullopt;
    return static_cast<std::int64_t>(std::floor(std::clamp<double>(d, -double(kLimit), double(kLimit))));
  }
  return std::nullopt;
}

// Result<optional<date>>: absent → nullopt; present but not a number → error.
Result<std::optional<std::int64_t>> date_claim(const json& payload, const char* name) {
  auto it = payload.find(name);
  if (it == payload.end()) return std::optional<std::int64_t>{};
  auto v = numeric_date(*it);
  if (!v) return claim_error(std::string(name) + " claim is not a number");
  return v;
}

// RFC 7515 §4.1.9: "application/" may be omitted; media types compare case-insensitively.
std::string normalize_typ(std::string_view typ) {
  std::string s(typ);
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  constexpr std::string_view kPrefix = "application/";
  if (s.starts_with(kPrefix)) s.erase(0, kPrefix.size());
  return s;
}

}  // namespace

Status validate_jwt_claims(const DecodedJws& jws, const JwtExpectations& e) {
  if (e.typ) {
    auto it = jws.header.find("typ");
    if (it == jws.header.end() || !it->is_string()) return claim_error("token has no typ header");
    if (normalize_typ(it->get_ref<const std::string&>()) != normalize_typ(*e.typ)) {
      return claim_error("unexpected token type");
    }
  }
  const json& claims = jws.payload;
  if (!claims.is_object()) return claim_error("token claims are not an object");

  if (!e.issuer.empty()) {
    auto it = claims.find("iss");
    if (it == claims.end() || !it->is_string() || it->get_ref<const std::string&>() != e.issuer) {
      return claim_error("invalid token issuer");
    }
  }

  if (!e.audiences.empty()) {
    auto it = claims.find("aud");
    if (it == claims.end()) return claim_error("token has no audience");
    auto expected = [&](const json& v) {
      return v.is_string() && std::find(e.audiences.begin(), e.audiences.end(),
                                        v.get_ref<const std::string&>()) != e.audiences.end();
    };
    bool match = false;
    if (it->is_string()) {
      match = expected(*it);
    } else if (it->is_array()) {
      for (const auto& v : *it) {
        if (!v.is_string()) return claim_error("aud claim is malformed");
        match = match || expected(v);
      }
    } else {
      return claim_error("aud claim is malformed");
    }
    if (!match) return claim_error("invalid token audience");
  }

  auto exp = date_claim(claims, "exp");
  if (!exp) return std::unexpected(exp.error());
  auto nbf = date_claim(claims, "nbf");
  if (!nbf) return std::unexpected(nbf.error());
  auto iat = date_claim(claims, "iat");
  if (!iat) return std::unexpected(iat.error());

  const std::int64_t leeway = std::max<std::int64_t>(e.leeway_seconds, 0);
  if (!*exp && e.require_exp) return claim_error("token has no expiry");
  // RFC 7519 §4.1.4: the token must not be accepted on or after exp.
  if (*exp && e.now >= **exp + leeway) return claim_error("token expired");
  if (*nbf && e.now + leeway < **nbf) return claim_error("token not yet valid");
  if (*iat && **iat > e.now + leeway) return claim_error("token issued in the future");

  if (e.max_lifetime_seconds) {
    const std::int64_t max = *e.max_lifetime_seconds;
    if (*exp && *iat && **exp - **iat > max) return claim_error("token lifetime too long");
    if (*exp && **exp - e.now > max + leeway) return claim_error("token lifetime too long");
    if (!*exp && *iat && e.now - **iat > max + leeway) return claim_error("token too old");
  }
  return ok();
}

}  // namespace bs::crypto
