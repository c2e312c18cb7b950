#include "oauth/authorization_request.hpp"

#include <algorithm>

#include "common/text.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/jose.hpp"
#include "crypto/random.hpp"
#include "oauth/scopes.hpp"
#include "store/authorization_repositories.hpp"

namespace bs::oauth {

namespace {

using Outcome = std::expected<AuthorizationRequest, AuthorizationError>;

std::unexpected<AuthorizationError> direct(ErrorCode code, std::string description) {
  return std::unexpected(AuthorizationError{Error(code, std::move(description)), std::nullopt, std::nullopt});
}

std::unexpected<AuthorizationError> redirected(ErrorCode code, std::string description,
                                               const std::string& redirect_uri,
                                               std::optional<std::string> state) {
  return std::unexpected(
      AuthorizationError{Error(code, std::move(description)), redirect_uri, std::move(state)});
}

const std::initializer_list<std::string_view> kSingleValued = {
    "client_id",      "redirect_uri",          "response_type", "response_mode", "scope", "state",
    "code_challenge", "code_challenge_method", "request",       "request_uri",   "nonce", "prompt"};

std::string sha256_hex(std::string_view s) {
  return crypto::hex_encode(crypto::sha256(s));
}

bool is_loopback_host(std::string_view host) {
  return host == "127.0.0.1" || host == "[::1]";
}

// Splits "http://127.0.0.1:8080/cb" into scheme+host and the rest after the port.
struct LoopbackParts {
  std::string prefix;  // "http://127.0.0.1"
  std::string rest;    // "/cb?x"
};
std::optional<LoopbackParts> loopback_parts(const std::string& uri) {
  if (!uri.starts_with("http://")) return std::nullopt;
  auto host_start = uri.begin() + 7;
  auto host_end =
      std::find_if(host_start, uri.end(), [](char c) { return c == ':' || c == '/' || c == '?'; });
  if (host_start != uri.end() && *host_start == '[') {
    // An unclosed IPv6 literal names no host; never step past the end looking for its ']'.
    host_end = std::find(host_start, uri.end(), ']');
    if (host_end == uri.end()) return std::nullopt;
    ++host_end;
  }
  std::string host(host_start, host_end);
  if (!is_loopback_host(host)) return std::nullopt;
  auto rest = host_end;
  if (rest != uri.end() && *rest == ':')
    rest = std::find_if(rest + 1, uri.end(), [](char c) { return c < '0' || c > '9'; });
  return LoopbackParts{"http://" + host, std::string(rest, uri.end())};
}

Params params_from_json(const nlohmann::json& object) {
  Params p;
  for (const auto& [k, v] : object.items()) {
    if (v.is_string()) {
      p.items.emplace_back(k, v.get<std::string>());
    } else if (v.is_array()) {
      for (const auto& e : v)
        if (e.is_string()) p.items.emplace_back(k, e.get<std::string>());
    } else if (v.is_number_integer()) {
      p.items.emplace_back(k, std::to_string(v.get<std::int64_t>()));
    }
  }
  return p;
}

nlohmann::json params_to_json(const Params& p) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : p.items) {
    if (k == "resource") {
      if (!out.contains(k)) out[k] = nlohmann::json::array();
      out[k].push_back(v);
    } else {
      out[k] = v;
    }
  }
  return out;
}

}  // namespace

nlohmann::json AuthorizationRequest::to_json() const {
  nlohmann::json j = {{"client_id", client_id},
                      {"redirect_uri", redirect_uri},
                      {"scope", scope},
                      {"code_challenge", code_challenge},
                      {"code_challenge_method", code_challenge_method},
                      {"resources", resources},
                      {"audience", audience}};
  if (state) j["state"] = *state;
  if (nonce) j["nonce"] = *nonce;
  if (prompt) j["prompt"] = *prompt;
  return j;
}

Result<AuthorizationRequest> AuthorizationRequest::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return fail(ErrorCode::internal_error, "stored authorization request is corrupt");
  AuthorizationRequest r;
  try {
    r.client_id = j.at("client_id").get<std::string>();
    r.redirect_uri = j.at("redirect_uri").get<std::string>();
    r.scope = j.at("scope").get<std::vector<std::string>>();
    r.code_challenge = j.at("code_challenge").get<std::string>();
    r.code_challenge_method = j.at("code_challenge_method").get<std::string>();
    r.resources = j.at("resources").get<std::vector<std::string>>();
    r.audience = j.at("audience").get<std::vector<std::string>>();
    if (j.contains("state")) r.state = j["state"].get<std::string>();
    if (j.contains("nonce")) r.nonce = j["nonce"].get<std::string>();
    if (j.contains("prompt")) r.prompt = j["prompt"].get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return fail(ErrorCode::internal_error, "stored authorization request is corrupt");
  }
  return r;
}

bool redirect_uri_registered(const store::OAuthClient& client, const std::string& redirect_uri) {
  auto metadata = client_metadata(client);
  auto uris = metadata.find("redirect_uris");
  if (uris == metadata.end() || !uris->is_array()) return false;
  const bool native = metadata.value("application_type", "web") == "native";
  auto candidate = native ? loopback_parts(redirect_uri) : std::nullopt;
  for (const auto& u : *uris) {
    if (!u.is_string()) continue;
    const auto registered = u.get<std::string>();
    if (registered == redirect_uri) return true;
    // RFC 8252 §7.3: a native app's loopback redirect may use whatever port it could bind.
    if (candidate) {
      auto reg = loopback_parts(registered);
      if (reg && reg->prefix == candidate->prefix && reg->rest == candidate->rest) return true;
    }
  }
  return false;
}

std::string with_query(const std::string& uri,
                       const std::vector<std::pair<std::string, std::string>>& params) {
  static const char* hex = "0123456789ABCDEF";
  std::string out = uri;
  char sep = uri.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : params) {
    out.push_back(sep);
    sep = '&';
    for (const auto* part : {&k, &v}) {
      for (unsigned char c : *part) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
          out.push_back(static_cast<char>(c));
        } else {
          out.push_back('%');
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        }
      }
      if (part == &k) out.push_back('=');
    }
  }
  return out;
}

bool pkce_value_well_formed(const std::string& value) {
  if (value.size() < 43 || value.size() > 128) return false;
  return std::all_of(value.begin(), value.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
  });
}

bool pkce_verifies(const std::string& verifier, const std::string& challenge) {
  return crypto::constant_time_equal(crypto::base64url_encode(crypto::sha256(verifier)), challenge);
}

AuthorizationRequestParser::AuthorizationRequestParser(store::Database& db, ClientRegistry& clients,
                                                       TokenService& tokens,
                                                       AuthorizationRequestOptions options)
    : db_(db), clients_(clients), tokens_(tokens), options_(std::move(options)) {}

std::string AuthorizationRequestParser::error_redirect(const AuthorizationError& e) const {
  std::vector<std::pair<std::string, std::string>> q = {
      {"error", std::string(error_code_name(e.error.code))}};
  if (!e.error.description.empty()) q.emplace_back("error_description", e.error.description);
  if (e.state) q.emplace_back("state", *e.state);
  q.emplace_back("iss", options_.issuer);  // RFC 9207
  return with_query(e.redirect_uri.value_or(""), q);
}

Result<Params> AuthorizationRequestParser::request_object_params(const store::OAuthClient& client,
                                                                 const std::string& request_object) {
  auto jws = crypto::decode_jws(request_object);
  if (!jws) return fail(ErrorCode::invalid_request_object, "request object: " + jws.error().description);
  if (auto typ = jws->header.find("typ"); typ != jws->header.end()) {
    const auto t = typ->is_string() ? to_lower(typ->get<std::string>()) : "";
    if (t != "oauth-authz-req+jwt" && t != "application/oauth-authz-req+jwt" && t != "jwt")
      return fail(ErrorCode::invalid_request_object, "request object typ must be oauth-authz-req+jwt");
  }
  if (jws->alg == crypto::JwsAlg::HS256)
    return fail(ErrorCode::invalid_request_object, "request objects must be signed with the client's key");
  auto metadata = client_metadata(client);
  auto keys = metadata.find("jwks");
  if (keys == metadata.end() || !keys->is_object() || !(*keys)["keys"].is_array())
    return fail(ErrorCode::invalid_request_object, "the client registered no jwks to verify request objects");
  const std::string kid =
      jws->header.value("kid", nlohmann::json()).is_string() ? jws->header["kid"].get<std::string>() : "";
  bool verified = false;
  for (const auto& candidate : (*keys)["keys"]) {
    auto jwk = crypto::Jwk::from_json(candidate);
    if (!jwk || !jwk->compatible_with(jws->alg) || (!kid.empty() && jwk->kid != kid)) continue;
    if (crypto::verify_jws(*jws, *jwk)) {
      verified = true;
      break;
    }
  }
  if (!verified) return fail(ErrorCode::invalid_request_object, "request object signature does not verify");
  crypto::JwtExpectations expect;
  expect.issuer = client.client_id;
  expect.audiences = {options_.issuer};
  expect.now = store::unix_now();
  if (auto st = crypto::validate_jwt_claims(*jws, expect); !st)
    return fail(ErrorCode::invalid_request_object, "request object: " + st.error().description);
  if (auto cid = jws->payload.find("client_id");
      cid != jws->payload.end() && (!cid->is_string() || *cid != client.client_id))
    return fail(ErrorCode::invalid_request_object, "request object client_id differs");
  Params p = params_from_json(jws->payload);
  std::erase_if(p.items, [](const auto& kv) {
    return kv.first == "iss" || kv.first == "aud" || kv.first == "exp" || kv.first == "iat" ||
           kv.first == "nbf" || kv.first == "jti" || kv.first == "request" || kv.first == "request_uri";
  });
  return p;
}

std::expected<AuthorizationRequest, AuthorizationError> AuthorizationRequestParser::parse(
    const Params& outer) {
  if (outer.count("client_id") > 1) return direct(ErrorCode::invalid_request, "client_id repeated");
  auto client_id = outer.get("client_id");
  if (!client_id || client_id->empty()) return direct(ErrorCode::invalid_request, "client_id is required");
  auto found = clients_.find(*client_id);
  if (!found) return direct(found.error().code, found.error().description);
  if (!*found || !(*found)->enabled) return direct(ErrorCode::invalid_request, "unknown client");
  const auto& client = **found;

  // Where an error can go before the request itself is understood: the outer redirect_uri when
  // registered, or the client's only one.
  if (outer.count("redirect_uri") > 1) return direct(ErrorCode::invalid_request, "redirect_uri repeated");
  std::optional<std::string> fallback;
  if (auto r = outer.get("redirect_uri")) {
    if (!redirect_uri_registered(client, *r))
      return direct(ErrorCode::invalid_request, "redirect_uri does not match a registered one");
    fallback = *r;
  } else {
    auto uris = client_metadata(client).value("redirect_uris", nlohmann::json::array());
    if (uris.size() == 1 && uris[0].is_string()) fallback = uris[0].get<std::string>();
  }
  auto fail_early = [&](ErrorCode code, std::string why) -> Outcome {
    if (!fallback) return direct(code, std::move(why));
    return redirected(code, std::move(why), *fallback, outer.get("state"));
  };

  Params merged = outer;
  if (outer.get("request") && outer.get("request_uri"))
    return fail_early(ErrorCode::invalid_request, "use request or request_uri, not both");
  if (auto request_uri = outer.get("request_uri")) {
    if (outer.count("request_uri") > 1 || !request_uri->starts_with(kRequestUriPrefix))
      return fail_early(ErrorCode::invalid_request_uri, "request_uri must come from the PAR endpoint");
    auto pushed =
        store::consume_par_request(db_, sha256_hex(*request_uri), client.client_id, store::unix_now());
    if (!pushed) return direct(pushed.error().code, pushed.error().description);
    if (!*pushed)
      return fail_early(ErrorCode::invalid_request_uri, "request_uri is unknown, used or expired");
    auto stored = nlohmann::json::parse((*pushed)->params, nullptr, false);
    if (!stored.is_object()) return direct(ErrorCode::internal_error, "stored pushed request is corrupt");
    // RFC 9126 §4: the pushed parameters are the request; client_id is all that may come outside.
    merged = params_from_json(stored);
  } else if (options_.require_par) {
    return fail_early(ErrorCode::invalid_request, "this server requires pushed authorization requests (PAR)");
  } else if (auto request = outer.get("request")) {
    if (outer.count("request") > 1) return fail_early(ErrorCode::invalid_request, "request repeated");
    auto inner = request_object_params(client, *request);
    if (!inner) return fail_early(inner.error().code, inner.error().description);
    // Parameters inside the signed request object win over the outer ones.
    for (const auto& [k, v] : inner->items)
      std::erase_if(merged.items, [&](const auto& kv) { return kv.first == k; });
    for (const auto& kv : inner->items) merged.items.push_back(kv);
    std::erase_if(merged.items, [](const auto& kv) { return kv.first == "request"; });
  }

  if (auto dup = merged.reject_duplicates(kSingleValued); !dup)
    return fail_early(dup.error().code, dup.error().description);
  std::string redirect_uri;
  if (auto r = merged.get("redirect_uri")) {
    if (!redirect_uri_registered(client, *r))
      return direct(ErrorCode::invalid_request, "redirect_uri does not match a registered one");
    redirect_uri = *r;
  } else if (fallback) {
    redirect_uri = *fallback;
  } else {
    return direct(ErrorCode::invalid_request, "redirect_uri is required");
  }
  return validate(client, merged, redirect_uri);
}

std::expected<AuthorizationRequest, AuthorizationError> AuthorizationRequestParser::validate(
    const store::OAuthClient& client, const Params& p, const std::string& redirect_uri) {
  const auto state = p.get("state");
  auto bad = [&](ErrorCode code, std::string why) {
    return redirected(code, std::move(why), redirect_uri, state);
  };

  AuthorizationRequest r;
  r.client_id = client.client_id;
  r.redirect_uri = redirect_uri;
  r.state = state;
  r.nonce = p.get("nonce");
  r.prompt = p.get("prompt");

  auto response_type = p.get("response_type");
  if (!response_type) return bad(ErrorCode::invalid_request, "response_type is required");
  if (*response_type != "code")
    return bad(ErrorCode::unsupported_response_type, "only response_type=code is supported");
  if (auto mode = p.get("response_mode"); mode && *mode != "query")
    return bad(ErrorCode::invalid_request, "only response_mode=query is supported");
  if (std::find(client.grant_types.begin(), client.grant_types.end(), "authorization_code") ==
      client.grant_types.end())
    return bad(ErrorCode::unauthorized_client,
               "the client is not registered for the authorization code grant");

  if (auto raw = p.get("scope"); raw && !split_spaces(*raw).empty()) {
    auto scope = parse_scope(*raw);
    if (!scope) return bad(ErrorCode::invalid_scope, scope.error().description);
    if (!scope_subset(*scope, client.scope))
      return bad(ErrorCode::invalid_scope, "the requested scope exceeds what the client registered");
    r.scope = std::move(*scope);
  } else {
    r.scope = client.scope;
  }
  for (const auto& s : r.scope)
    if (is_admin_scope(s)) return bad(ErrorCode::invalid_scope, "admin scopes cannot be delegated by users");

  const bool public_client = client.token_endpoint_auth_method == "none";
  if (auto challenge = p.get("code_challenge")) {
    r.code_challenge_method = p.get("code_challenge_method").value_or("plain");
    if (r.code_challenge_method != "S256")
      return bad(ErrorCode::invalid_request, "code_challenge_method must be S256");
    if (!pkce_value_well_formed(*challenge))
      return bad(ErrorCode::invalid_request, "malformed code_challenge");
    r.code_challenge = *challenge;
  } else if (public_client || options_.require_pkce) {
    return bad(ErrorCode::invalid_request, "code_challenge (PKCE, S256) is required");
  } else if (p.get("code_challenge_method")) {
    return bad(ErrorCode::invalid_request, "code_challenge_method without code_challenge");
  }

  r.resources = p.all("resource");
  auto audience = tokens_.resolve_audience(r.resources, r.scope);
  if (!audience) return bad(ErrorCode::invalid_target, audience.error().description);
  r.audience = std::move(*audience);
  return r;
}

Result<nlohmann::json> AuthorizationRequestParser::push(const store::OAuthClient& client,
                                                        const Params& params) {
  if (params.get("request_uri"))
    return fail(ErrorCode::invalid_request, "request_uri is not allowed at the PAR endpoint");
  if (auto id = params.get("client_id"); id && *id != client.client_id)
    return fail(ErrorCode::invalid_request, "client_id differs from the authenticated client");
  Params merged = params;
  std::erase_if(merged.items, [](const auto& kv) {
    return kv.first == "client_secret" || kv.first == "client_assertion" ||
           kv.first == "client_assertion_type";
  });
  if (auto request = params.get("request")) {
    auto inner = request_object_params(client, *request);
    if (!inner) return std::unexpected(inner.error());
    for (const auto& [k, v] : inner->items)
      std::erase_if(merged.items, [&](const auto& kv) { return kv.first == k; });
    for (const auto& kv : inner->items) merged.items.push_back(kv);
    std::erase_if(merged.items, [](const auto& kv) { return kv.first == "request"; });
  }
  if (auto dup = merged.reject_duplicates(kSingleValued); !dup) return std::unexpected(dup.error());
  std::string redirect_uri;
  if (auto r = merged.get("redirect_uri")) {
    if (!redirect_uri_registered(client, *r))
      return fail(ErrorCode::invalid_request, "redirect_uri does not match a registered one");
    redirect_uri = *r;
  } else {
    auto uris = client_metadata(client).value("redirect_uris", nlohmann::json::array());
    if (uris.size() != 1 || !uris[0].is_string())
      return fail(ErrorCode::invalid_request, "redirect_uri is required");
    redirect_uri = uris[0].get<std::string>();
  }
  auto validated = validate(client, merged, redirect_uri);
  if (!validated) return std::unexpected(validated.error().error);

  merged.items.emplace_back("client_id", client.client_id);
  std::erase_if(merged.items, [&, seen = false](const auto& kv) mutable {
    if (kv.first != "client_id") return false;
    if (seen) return true;
    seen = true;
    return false;
  });
  const std::string request_uri = std::string(kRequestUriPrefix) + crypto::random_token(32);
  store::ParRequest row;
  row.request_uri_hash = sha256_hex(request_uri);
  row.client_id = client.client_id;
  row.params = params_to_json(merged).dump();
  row.created_at = store::unix_now();
  row.expires_at = row.created_at + options_.par_ttl;
  if (auto st = store::insert_par_request(db_, row); !st) return std::unexpected(st.error());
  return nlohmann::json{{"request_uri", request_uri}, {"expires_in", options_.par_ttl}};
}

}  // namespace bs::oauth
