#include "oauth/client_metadata_validation.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <optional>

#include "common/text.hpp"
#include "crypto/jose.hpp"
#include "oauth/scopes.hpp"

namespace bs::oauth {

namespace {

using nlohmann::json;

const std::vector<std::string> kGrantTypes = {"authorization_code", "refresh_token", "client_credentials"};
const std::vector<std::string> kAuthMethods = {"none", "client_secret_basic", "client_secret_post",
                                               "client_secret_jwt", "private_key_jwt"};
// Members whose value is one string; the URI ones are checked further below.
const std::vector<std::string> kStringMembers = {"client_name",
                                                 "client_uri",
                                                 "logo_uri",
                                                 "tos_uri",
                                                 "policy_uri",
                                                 "software_id",
                                                 "software_version",
                                                 "scope",
                                                 "token_endpoint_auth_method",
                                                 "token_endpoint_auth_signing_alg",
                                                 "application_type"};
const std::vector<std::string> kStringArrayMembers = {"redirect_uris", "grant_types", "response_types",
                                                      "contacts"};
// RFC 7591 §2.2: human-readable members may carry a language tag ("client_name#fr").
const std::vector<std::string> kLocalizable = {"client_name", "client_uri", "logo_uri", "tos_uri",
                                               "policy_uri"};
const std::vector<std::string> kInformationUris = {"client_uri", "logo_uri", "tos_uri", "policy_uri"};
// The Open Badges 3.0 registration request requires all of these.
const std::vector<std::string> kStrictRequired = {"client_name",      "client_uri",    "logo_uri",
                                                  "tos_uri",          "policy_uri",    "software_id",
                                                  "software_version", "redirect_uris", "scope"};
// Members the API shows beside the metadata; storing them as metadata would make views ambiguous.
const std::vector<std::string> kReservedMembers = {"enabled", "created_at", "updated_at"};

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::unexpected<Error> bad_metadata(std::string description) {
  return fail(ErrorCode::invalid_client_metadata, std::move(description));
}
std::unexpected<Error> bad_redirect(std::string description) {
  return fail(ErrorCode::invalid_redirect_uri, std::move(description));
}

// The base name of a possibly language-tagged member ("client_name#en" -> "client_name").
std::string_view base_name(std::string_view member) {
  return member.substr(0, member.find('#'));
}

std::vector<std::string> strings_of(const json& array) {
  std::vector<std::string> out;
  for (const auto& v : array) {
    auto s = v.get<std::string>();
    if (!contains(out, s)) out.push_back(std::move(s));
  }
  return out;
}

struct ParsedUri {
  std::string scheme;  // lower-case
  std::string host;    // lower-case, without IPv6 brackets; empty without authority
  bool has_fragment = false;
};

std::optional<ParsedUri> parse_absolute_uri(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return std::nullopt;
  ParsedUri out;
  out.scheme = to_lower(parsed->scheme());
  if (parsed->has_authority()) {
    // A percent-encoded host hides what it names from anyone reading the registration.
    if (parsed->encoded_host().find('%') != std::string_view::npos) return std::nullopt;
    out.host = to_lower(parsed->host_address());
  }
  out.has_fragment = parsed->has_fragment();
  return out;
}

bool is_loopback_host(std::string_view host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost";
}

// RFC 8252 §7.1: a private-use scheme is a reverse domain name ("com.example.app").
bool is_reverse_domain_scheme(std::string_view scheme) {
  if (scheme.find('.') == std::string_view::npos || scheme.front() == '.' || scheme.back() == '.')
    return false;
  return std::all_of(scheme.begin(), scheme.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
  });
}

// client_uri, logo_uri, tos_uri, policy_uri: web pages, so absolute http(s) URLs with a host.
Result<ParsedUri> check_information_uri(const std::string& member, const std::string& value, bool strict) {
  auto uri = parse_absolute_uri(value);
  if (!uri || (uri->scheme != "http" && uri->scheme != "https") || uri->host.empty())
    return bad_metadata(member + " must be an absolute http or https URL");
  if (strict && uri->scheme != "https") return bad_metadata(member + " must be an https URL");
  return *uri;
}

Result<ParsedUri> check_redirect_uri(const std::string& value, bool native, bool strict) {
  auto uri = parse_absolute_uri(value);
  if (!uri) return bad_redirect("redirect_uris must be absolute URIs: " + value);
  if (uri->has_fragment) return bad_redirect("redirect_uris must not contain a fragment: " + value);
  if (uri->scheme == "https") {
    if (uri->host.empty()) return bad_redirect("redirect URI without a host: " + value);
    return *uri;
  }
  if (strict) return bad_redirect("redirect_uris must use https: " + value);
  if (uri->scheme == "http") {
    // RFC 8252 §7.3 / OAuth 2.0 Security BCP: plain http only to the user's own machine.
    if (!is_loopback_host(uri->host))
      return bad_redirect("http redirect URIs are only allowed for loopback hosts: " + value);
    return *uri;
  }
  if (!native)
    return bad_redirect("private-use URI schemes are only allowed for application_type native: " + value);
  if (!is_reverse_domain_scheme(uri->scheme))
    return bad_redirect("a private-use URI scheme must be a reverse domain name (com.example.app): " + value);
  return *uri;
}

Status check_jwks(const json& jwks, const std::string& method, const std::optional<crypto::JwsAlg>& alg) {
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array() || jwks["keys"].empty())
    return bad_metadata("jwks must be a JWK Set: an object with a non-empty keys array");
  bool usable = false;
  std::size_t index = 0;
  for (const auto& member : jwks["keys"]) {
    const std::string which = "jwks key " + std::to_string(index++);
    if (!member.is_object()) return bad_metadata(which + " is not an object");
    auto key = crypto::Jwk::from_json(member);
    if (!key) return bad_metadata(which + " is not a valid public key: " + key.error().description);
    // Secrets or private halves would be stored and echoed: refuse them outright.
    if (key->is_private()) return bad_metadata(which + " holds private or symmetric key material");
    if (!alg || (key->compatible_with(*alg) && (!key->alg || *key->alg == *alg))) usable = true;
  }
  if (method == "private_key_jwt" && alg && !usable)
    return bad_metadata("no key in jwks can verify token_endpoint_auth_signing_alg " +
                        std::string(crypto::jws_alg_name(*alg)));
  return ok();
}

}  // namespace

bool uses_client_secret(std::string_view method) {
  return method == "client_secret_basic" || method == "client_secret_post" || method == "client_secret_jwt";
}

const std::vector<std::string>& server_assigned_members() {
  static const std::vector<std::string> members = {"client_id",
                                                   "client_secret",
                                                   "client_id_issued_at",
                                                   "client_secret_expires_at",
                                                   "registration_access_token",
                                                   "registration_client_uri"};
  return members;
}

Result<ValidatedMetadata> validate_client_metadata(const json& input, const MetadataPolicy& policy) {
  if (!input.is_object()) return bad_metadata("client metadata must be a JSON object");
  if (input.dump().size() > kMaxClientMetadataBytes)
    return bad_metadata("client metadata may not exceed " + std::to_string(kMaxClientMetadataBytes / 1024) +
                        " KiB");

  // RFC 7592 §2.2: an omitted member and a null one mean the same.
  json m = json::object();
  for (const auto& [name, value] : input.items())
    if (!value.is_null()) m[name] = value;

  for (const auto& name : server_assigned_members())
    if (m.contains(name)) return bad_metadata(name + " is assigned by the server");
  for (const auto& name : kReservedMembers)
    if (m.contains(name)) return bad_metadata(name + " is not client metadata");
  // jwks_uri would make the server fetch URLs a registrant chooses (SSRF) on every assertion.
  if (m.contains("jwks_uri"))
    return bad_metadata("jwks_uri is not supported: register the public keys inline as jwks");
  if (m.contains("software_statement")) return bad_metadata("software_statement is not supported");

  ValidatedMetadata out;
  out.service_account = policy.service_account;
  if (auto sa = m.find("service_account"); sa != m.end()) {
    if (!sa->is_boolean()) return bad_metadata("service_account must be a boolean");
    if (!policy.admin) return bad_metadata("service_account can only be set by an administrator");
    out.service_account = sa->get<bool>();
    m.erase(sa);
  }

  // Types first, so that every later rule can read values without checking them again.
  for (const auto& [name, value] : m.items()) {
    const std::string_view base = base_name(name);
    const bool localized = base.size() != name.size();
    if (localized && (!contains(kLocalizable, base) || base.size() + 1 == name.size()))
      continue;  // an extension member that merely contains '#': stored as it is
    if (contains(kStringMembers, base)) {
      if (!value.is_string() || value.get_ref<const std::string&>().empty())
        return bad_metadata(name + " must be a non-empty string");
    } else if (contains(kStringArrayMembers, name)) {
      if (!value.is_array()) return bad_metadata(name + " must be an array of strings");
      for (const auto& item : value)
        if (!item.is_string() || item.get_ref<const std::string&>().empty())
          return bad_metadata(name + " must be an array of non-empty strings");
    } else if (name == "jwks") {
      if (!value.is_object()) return bad_metadata("jwks must be a JSON object (a JWK Set)");
    }
  }

  if (policy.strict_ob) {
    for (const auto& name : kStrictRequired) {
      if (m.contains(name)) continue;
      std::string description = name + " is required by the Open Badges 3.0 registration profile";
      if (name == "redirect_uris") return bad_redirect(description);
      return bad_metadata(description);
    }
  }

  const std::string application_type = m.value("application_type", "web");
  if (application_type != "web" && application_type != "native")
    return bad_metadata("application_type must be web or native");
  m["application_type"] = application_type;

  out.token_endpoint_auth_method = m.value("token_endpoint_auth_method", "client_secret_basic");
  if (!contains(kAuthMethods, out.token_endpoint_auth_method))
    return bad_metadata("unsupported token_endpoint_auth_method: " + out.token_endpoint_auth_method);
  m["token_endpoint_auth_method"] = out.token_endpoint_auth_method;

  out.grant_types = m.contains("grant_types") ? strings_of(m["grant_types"])
                                              : std::vector<std::string>{"authorization_code"};
  if (out.grant_types.empty()) return bad_metadata("grant_types must not be empty");
  for (const auto& g : out.grant_types)
    if (!contains(kGrantTypes, g)) return bad_metadata("unsupported grant type: " + g);
  m["grant_types"] = out.grant_types;
  const bool authorization_code = contains(out.grant_types, "authorization_code");

  // RFC 7591 §2.1: the default "code" only makes sense for a client of the authorization_code grant.
  std::vector<std::string> response_types =
      m.contains("response_types")
          ? strings_of(m["response_types"])
          : (authorization_code ? std::vector<std::string>{"code"} : std::vector<std::string>{});
  for (const auto& r : response_types)
    if (r != "code") return bad_metadata("unsupported response type: " + r);
  m["response_types"] = response_types;
  const bool code = contains(response_types, "code");
  if (authorization_code && !code)
    return bad_metadata("grant type authorization_code needs response type code (RFC 7591 section 2.1)");
  if (code && !authorization_code)
    return bad_metadata("response type code needs grant type authorization_code (RFC 7591 section 2.1)");
  if (contains(out.grant_types, "client_credentials") && out.token_endpoint_auth_method == "none")
    return bad_metadata(
        "client_credentials needs client authentication: token_endpoint_auth_method none is not allowed");

  // Informational URIs, including language-tagged ones. The strict profile pins every URI to the
  // host of client_uri, so a registration cannot borrow another site's name, logo or policies.
  std::optional<std::string> client_host;
  if (auto cu = m.find("client_uri"); cu != m.end()) {
    auto uri = check_information_uri("client_uri", cu->get<std::string>(), policy.strict_ob);
    if (!uri) return std::unexpected(uri.error());
    client_host = uri->host;
  }
  for (const auto& [name, value] : m.items()) {
    const std::string_view base = base_name(name);
    if (!contains(kInformationUris, base) || name == "client_uri" ||
        (base.size() != name.size() && base.size() + 1 == name.size()))
      continue;
    auto uri = check_information_uri(name, value.get<std::string>(), policy.strict_ob);
    if (!uri) return std::unexpected(uri.error());
    if (policy.strict_ob && client_host && uri->host != *client_host)
      return bad_metadata(name + " must be on the host of client_uri (" + *client_host + ")");
  }

  const bool native = application_type == "native";
  if (auto ru = m.find("redirect_uris"); ru != m.end()) {
    for (const auto& value : *ru) {
      auto uri = check_redirect_uri(value.get<std::string>(), native, policy.strict_ob);
      if (!uri) return std::unexpected(uri.error());
      if (policy.strict_ob && client_host && uri->host != *client_host)
        return bad_redirect("redirect URI " + value.get<std::string>() +
                            " is not on the host of client_uri (" + *client_host + ")");
    }
    m["redirect_uris"] = strings_of(*ru);
  }
  if (authorization_code && (!m.contains("redirect_uris") || m["redirect_uris"].empty()))
    return bad_redirect("grant type authorization_code needs at least one redirect URI");

  std::optional<crypto::JwsAlg> signing_alg;
  if (auto a = m.find("token_endpoint_auth_signing_alg"); a != m.end()) {
    const auto& name = a->get_ref<const std::string&>();
    signing_alg = crypto::parse_jws_alg(name);
    const auto& method = out.token_endpoint_auth_method;
    if (method == "client_secret_jwt") {
      if (signing_alg != crypto::JwsAlg::HS256)
        return bad_metadata("client_secret_jwt needs token_endpoint_auth_signing_alg HS256");
    } else if (method == "private_key_jwt") {
      if (!signing_alg || *signing_alg == crypto::JwsAlg::HS256)
        return bad_metadata("private_key_jwt needs token_endpoint_auth_signing_alg RS256, ES256 or EdDSA");
    } else {
      return bad_metadata(
          "token_endpoint_auth_signing_alg is only for client_secret_jwt and private_key_jwt");
    }
  }
  if (auto jwks = m.find("jwks"); jwks != m.end()) {
    if (auto st = check_jwks(*jwks, out.token_endpoint_auth_method, signing_alg); !st)
      return std::unexpected(st.error());
  } else if (out.token_endpoint_auth_method == "private_key_jwt") {
    return bad_metadata("private_key_jwt needs jwks with at least one public key");
  }

  if (auto s = m.find("scope"); s != m.end()) {
    auto scope = parse_scope(s->get_ref<const std::string&>());
    if (!scope) return bad_metadata("scope: " + scope.error().description);
    for (const auto& one : *scope) {
      if (!is_admin_scope(one)) continue;
      const bool grantable = policy.admin && out.service_account;
      const bool kept = out.service_account && contains(policy.kept_admin_scopes, one);
      if (!grantable && !kept)
        return bad_metadata("scope " + one + " is only for service accounts created by an administrator");
    }
    out.scope = std::move(*scope);
    if (out.scope.empty()) {
      m.erase("scope");
    } else {
      m["scope"] = join(out.scope, " ");
    }
  }
  if (policy.strict_ob && out.scope.empty()) return bad_metadata("scope must name at least one scope");

  out.metadata = std::move(m);
  return out;
}

}  // namespace bs::oauth
