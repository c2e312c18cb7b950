// Redirect URI validation at registration (oauth/client_metadata_validation.cpp, RFC 7591 / RFC 8252
// / the Security BCP) and matching at the authorization endpoint (oauth/authorization_request.cpp
// redirect_uri_registered, with_query). Input: a flags byte (native app, Open Badges strict
// profile), then '\n'-separated redirect URIs to register; the last line is the URI a request
// presents. Invariants: errors are invalid_redirect_uri or invalid_client_metadata; an accepted URI
// parses, has no fragment, and is https, loopback http, or (native only) a reverse-domain scheme;
// every registered URI matches itself; a presented URI matches only a registered one byte for byte
// or, for a native app, a loopback one that differs in its port alone; and the redirect we build
// from a matching URI keeps its scheme, host and path, so it cannot point anywhere else.
#include <algorithm>
#include <boost/url/parse.hpp>
#include <cstdint>

#include "common/text.hpp"
#include "fuzz_support.hpp"
#include "oauth/authorization_request.hpp"
#include "oauth/client_metadata_validation.hpp"

namespace {

using bs::ErrorCode;
using bs::fuzz::require;
using bs::fuzz::require_error;

struct UriParts {
  std::string scheme, host, path;
};

std::optional<UriParts> parts_of(std::string_view text) {
  auto uri = boost::urls::parse_uri(text);
  if (!uri) return std::nullopt;
  return UriParts{bs::to_lower(uri->scheme()), bs::to_lower(uri->host_address()),
                  std::string(uri->encoded_path())};
}

bool loopback(std::string_view host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool native = data[0] & 1;
  const bool strict = data[0] & 2;
  const auto rest = bs::fuzz::as_text(data + 1, size - 1);
  if (!bs::valid_utf8(rest)) return 0;  // JSON bodies are UTF-8 before they reach validation
  std::vector<std::string> lines;
  bs::fuzz::Fields fields(rest, '\n');
  do {
    lines.emplace_back(fields.next());
  } while (!fields.empty());
  const std::string presented = lines.back();
  if (lines.size() > 1) lines.pop_back();

  nlohmann::json metadata = {{"client_name", "fuzz"},
                             {"application_type", native ? "native" : "web"},
                             {"grant_types", {"authorization_code"}},
                             {"token_endpoint_auth_method", "none"},
                             {"redirect_uris", lines}};
  if (strict) {
    metadata["client_uri"] = "https://client.example";
    for (const char* uri : {"logo_uri", "tos_uri", "policy_uri"})
      metadata[uri] = std::string("https://client.example/") + uri;
    metadata["software_id"] = "fuzz";
    metadata["software_version"] = "1";
    metadata["scope"] = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly";
  }
  bs::oauth::MetadataPolicy policy;
  policy.strict_ob = strict;
  auto validated = bs::oauth::validate_client_metadata(metadata, policy);
  if (!validated) {
    require_error(validated.error(), ErrorCode::invalid_redirect_uri, ErrorCode::invalid_client_metadata);
    return 0;
  }

  std::vector<UriParts> registered_parts;
  for (const auto& uri : validated->metadata["redirect_uris"]) {
    const auto text = uri.get<std::string>();
    auto parsed = boost::urls::parse_uri(text);
    require(parsed.has_value() && !parsed->has_fragment(), "accepted a relative URI or a fragment");
    auto parts = parts_of(text);
    if (parts->scheme == "https") {
      require(!parts->host.empty(), "accepted https without a host");
    } else if (parts->scheme == "http") {
      require(!strict && loopback(parts->host), "accepted http to a host other than loopback");
    } else {
      require(native && !strict && parts->scheme.find('.') != std::string::npos,
              "accepted a private-use scheme that is not a native app's reverse domain name");
    }
    if (strict) require(parts->host == "client.example", "strict profile accepted another host");
    registered_parts.push_back(*parts);
  }

  bs::store::OAuthClient client;
  client.client_id = "cli_fuzz";
  client.token_endpoint_auth_method = validated->token_endpoint_auth_method;
  client.grant_types = validated->grant_types;
  client.metadata = validated->metadata.dump();
  for (const auto& uri : validated->metadata["redirect_uris"])
    require(bs::oauth::redirect_uri_registered(client, uri.get<std::string>()),
            "a registered URI does not match");

  if (!bs::oauth::redirect_uri_registered(client, presented)) return 0;
  const auto& uris = validated->metadata["redirect_uris"];
  const bool exact = std::find(uris.begin(), uris.end(), presented) != uris.end();
  if (!exact) {
    require(native, "a web client matched a URI it did not register");
    require(presented.starts_with("http://127.0.0.1") || presented.starts_with("http://[::1]"),
            "a non-loopback URI matched without being registered");
  }
  auto parts = parts_of(presented);
  require(parts.has_value(), "matched a URI that does not parse");
  const bool same_place =
      std::any_of(registered_parts.begin(), registered_parts.end(), [&](const UriParts& r) {
        return r.scheme == parts->scheme && r.host == parts->host && r.path == parts->path;
      });
  require(same_place, "matched a URI with another scheme, host or path");

  const auto redirect =
      bs::oauth::with_query(presented, {{"code", "c"}, {"state", "s&x=#y"}, {"iss", "https://as"}});
  auto target = parts_of(redirect);
  require(
      target && target->scheme == parts->scheme && target->host == parts->host && target->path == parts->path,
      "the redirect leaves the registered URI");
  return 0;
}
