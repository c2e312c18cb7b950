// The Open Badges 3.0 REST API (OB 3.0 §6, base /ims/ob/v3p0): getCredentials, upsertCredential,
// getProfile, putProfile (bearer access tokens with the operation's OB scope; the resource owner is
// the token's subject) and the public getServiceDescription. Every error is an Imsx_StatusInfo.
#include <charconv>
#include <nlohmann/json.hpp>

#include "badges/credential_store.hpp"
#include "badges/profiles.hpp"
#include "badges/service_description.hpp"
#include "badges/vc_jwt.hpp"
#include "common/time.hpp"
#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "http/handlers/routes.hpp"
#include "oauth/scopes.hpp"

namespace bs::http {
namespace {

constexpr std::string_view kBasePath = "/ims/ob/v3p0";
constexpr std::int64_t kDefaultCredentialPageLimit = 100;

Response imsx_error(const Error& error, std::string_view required_scope = {}) {
  ErrorContext context;
  context.imsx = true;
  context.required_scope = std::string(required_scope);
  return error_response(error, context);
}

// The resource owner of an OB request: a user-bound access token (or session) holding `scope`.
// On a network thread, the error is Response::offload() when authorizing needs the database.
std::expected<std::string, Response> authorize_owner(const Request& request, Services& services,
                                                     std::string_view scope) {
  auto credentials = credentials_of(request);
  auto principal = request.on_network_thread
                       ? services.authenticator.authenticate_without_blocking(credentials)
                       : std::optional(services.authenticator.authenticate(credentials));
  if (!principal) return std::unexpected(Response::offload());
  if (!*principal) return std::unexpected(imsx_error(principal->error()));
  if (auto st = auth::require_scope(**principal, scope); !st) {
    if (request.on_network_thread) return std::unexpected(Response::offload());  // the audit write
    services.audit.record({"authorization.denied",
                           (*principal)->actor(),
                           std::string(scope),
                           request.remote_addr,
                           "denied",
                           {{"path", request.path}}});
    return std::unexpected(imsx_error(st.error(), scope));
  }
  // A client_credentials token has no resource owner, so there is no store or profile to act on.
  if (!(*principal)->is_user()) {
    return std::unexpected(imsx_error(Error(ErrorCode::forbidden, "the token is not bound to a user")));
  }
  return (*principal)->subject;
}

Result<std::int64_t> integer_param(const FormParams& params, std::string_view name, std::int64_t fallback,
                                   std::int64_t min, std::int64_t max) {
  auto value = params.get(name);
  if (!value) return fallback;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(value->data(), value->data() + value->size(), v);
  if (value->empty() || ec != std::errc{} || p != value->data() + value->size() || v < min || v > max) {
    return fail(ErrorCode::invalid_request, std::string(name) + " must be an integer from " +
                                                std::to_string(min) + " to " + std::to_string(max));
  }
  return v;
}

// RFC 3339 date-time; the OpenAPI's "YYYY-MM-DDThh:mm:ss" without a zone is read as UTC.
std::optional<std::int64_t> parse_since(std::string_view text) {
  if (auto t = parse_rfc3339(text)) return t;
  if (text.size() == 19 && text[10] == 'T') return parse_rfc3339(std::string(text) + "Z");
  return std::nullopt;
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// RFC 8288 Link header of getCredentials (OB 3.0 §6.1.1 paging): first and last always, prev when
// the page does not start at 0, next when credentials follow it.
std::string paging_links(const std::string& issuer, std::int64_t limit, std::int64_t offset,
                         std::int64_t total, const std::optional<std::string>& since) {
  auto link = [&](std::int64_t at, std::string_view rel) {
    std::string url = issuer + std::string(kBasePath) + "/credentials?limit=" + std::to_string(limit) +
                      "&offset=" + std::to_string(at);
    if (since) url += "&since=" + percent_encode(*since);
    return "<" + url + ">; rel=\"" + std::string(rel) + "\"";
  };
  const std::int64_t last = total > 0 ? ((total - 1) / limit) * limit : 0;
  std::string out;
  auto add = [&](std::string item) { out += (out.empty() ? "" : ", ") + item; };
  if (offset + limit < total) add(link(offset + limit, "next"));
  if (offset > 0) add(link(std::max<std::int64_t>(0, std::min(offset - limit, last)), "prev"));
  add(link(0, "first"));
  add(link(last, "last"));
  return out;
}

// getCredentials' answer: OB 3.0 GetOpenBadgeCredentialsResponse, JSON credentials in `credential`,
// VC-JWTs (as they were received or issued) in `compactJwsString`; the paging headers.
Response credentials_response(Result<badges::CredentialList> list, const Services& services,
                              const badges::CredentialListQuery& query,
                              const std::optional<std::string>& since_text) {
  if (!list) return imsx_error(list.error());
  nlohmann::json credentials = nlohmann::json::array();
  nlohmann::json compact = nlohmann::json::array();
  for (const auto& item : list->items) {
    if (item.compact_jws) {
      compact.push_back(*item.compact_jws);
    } else {
      credentials.push_back(item.credential);
    }
  }
  Response r = Response::json(200, {{"credential", credentials}, {"compactJwsString", compact}});
  r.set_header("X-Total-Count", std::to_string(list->total));
  r.set_header("Link",
               paging_links(services.settings.issuer, query.limit, query.offset, list->total, since_text));
  return r;
}

Response get_credentials(Request& request, Services& services) {
  auto owner = authorize_owner(request, services, oauth::kScopeCredentialRead);
  if (!owner) return owner.error();
  auto params = query_params(request);
  if (!params) return imsx_error(params.error());
  badges::CredentialListQuery query;
  auto limit =
      integer_param(*params, "limit", kDefaultCredentialPageLimit, 1, badges::kMaxCredentialPageLimit);
  if (!limit) return imsx_error(limit.error());
  auto offset = integer_param(*params, "offset", 0, 0, std::numeric_limits<std::int32_t>::max());
  if (!offset) return imsx_error(offset.error());
  query.limit = *limit;
  query.offset = *offset;
  std::optional<std::string> since_text;
  if (auto since = params->get("since")) {
    query.since = parse_since(*since);
    if (!query.since) {
      return imsx_error(Error(ErrorCode::invalid_request, "since must be an RFC 3339 date-time"));
    }
    since_text = std::string(*since);
  }
  // On a network thread the read runs there: at once on an idle SQLite connection, or sent down this
  // thread's PostgreSQL pipeline with the answer given when the rows arrive. Else on a worker.
  if (!request.on_network_thread) {
    return credentials_response(services.credential_store.list(*owner, query), services, query, since_text);
  }
  if (auto list = services.credential_store.list_without_waiting(*owner, query))
    return credentials_response(std::move(*list), services, query, since_text);
  auto deferred = std::make_shared<DeferredResponse>();
  const bool sent = services.credential_store.list_async(
      *owner, query, [deferred, &services, query, since_text](Result<badges::CredentialList> list) {
        deferred->resolve(credentials_response(std::move(list), services, query, since_text));
      });
  if (!sent) return Response::offload();
  return Response::later(std::move(deferred));
}

Response text_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.set_header("Content-Type", "text/plain; charset=utf-8");
  return r;
}

int status_of(badges::UpsertOutcome outcome) {
  return outcome == badges::UpsertOutcome::created ? 201 : 200;
}

// Compact JWS serialization (RFC 7515 §7.1), the OpenAPI's text/plain pattern.
bool is_compact_jws(std::string_view s) {
  int dots = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return false;
    }
  }
  return dots == 2 && s.front() != '.' && s.back() != '.';
}

Response upsert_credential(Request& request, Services& services) {
  auto owner = authorize_owner(request, services, oauth::kScopeCredentialUpsert);
  if (!owner) return owner.error();
  const std::string media_type = request.media_type();
  if (media_type == "application/json") {
    auto credential = json_object_body(request);
    if (!credential) return imsx_error(credential.error());
    auto outcome = services.credential_store.upsert(*owner, *credential, std::nullopt);
    if (!outcome) return imsx_error(outcome.error());
    // OB 3.0: the response body is the credential in the request.
    return Response::json(status_of(*outcome), *credential);
  }
  if (media_type == "text/plain") {
    std::string_view compact = request.body;
    while (!compact.empty() && std::isspace(static_cast<unsigned char>(compact.back())))
      compact.remove_suffix(1);
    while (!compact.empty() && std::isspace(static_cast<unsigned char>(compact.front())))
      compact.remove_prefix(1);
    if (compact.empty() || !is_compact_jws(compact)) {
      return imsx_error(Error(ErrorCode::invalid_data, "the body is not a compact JWS"));
    }
    // Stored only when the signature verifies against a key we can resolve (an embedded jwk or one of
    // our issuers' keys) and its claims match the credential.
    auto verified = services.vc_jwt.verify(compact);
    if (!verified) {
      const auto code = verified.error().code;
      if (code != ErrorCode::invalid_data && code != ErrorCode::invalid_request)
        return imsx_error(verified.error());
      return imsx_error(Error(ErrorCode::invalid_data, verified.error().description));
    }
    auto outcome = services.credential_store.upsert(*owner, verified->credential, std::string(compact));
    if (!outcome) return imsx_error(outcome.error());
    return text_response(status_of(*outcome), std::string(compact));
  }
  return imsx_error(
      Error(ErrorCode::unsupported_media_type, "Content-Type must be application/json or text/plain"));
}

Response get_profile(Request& request, Services& services) {
  auto owner = authorize_owner(request, services, oauth::kScopeProfileRead);
  if (!owner) return owner.error();
  auto profile = services.profiles.profile_of_user(*owner);
  if (!profile) return imsx_error(profile.error());
  return Response::json(200, *profile);
}

Response put_profile(Request& request, Services& services) {
  auto owner = authorize_owner(request, services, oauth::kScopeProfileUpdate);
  if (!owner) return owner.error();
  auto body = json_object_body(request);
  if (!body) return imsx_error(body.error());
  auto stored = services.profiles.update_profile(*owner, *body);
  if (!stored) return imsx_error(stored.error());
  return Response::json(200, *stored);
}

Response get_service_description(Request& request, Services& services) {
  const auto& description = services.service_description;
  Response r;
  if (auto inm = request.header("if-none-match"); inm && description.matches(*inm)) {
    r.status = 304;
  } else {
    r.status = 200;
    r.body = description.body();
    r.set_header("Content-Type", "application/json");
  }
  r.set_header("ETag", description.etag());
  // Public and unchanging for the life of the process; revalidation is a cheap 304.
  r.set_header("Cache-Control", "public, max-age=300");
  return r;
}

}  // namespace

void add_open_badges_routes(Router& router, Services& services) {
  router.add(
      "GET", "/ims/ob/v3p0/credentials", [&services](Request& r) { return get_credentials(r, services); },
      Runs::inline_first);
  router.add("POST", "/ims/ob/v3p0/credentials",
             [&services](Request& r) { return upsert_credential(r, services); });
  router.add("GET", "/ims/ob/v3p0/profile", [&services](Request& r) { return get_profile(r, services); });
  router.add("PUT", "/ims/ob/v3p0/profile", [&services](Request& r) { return put_profile(r, services); });
  router.add("GET", "/ims/ob/v3p0/discovery",
             [&services](Request& r) { return get_service_description(r, services); });
}

}  // namespace bs::http
