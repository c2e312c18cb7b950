// /api/v1/clients/{id}/quota (scope admin:clients): a client's own rate limits at the token,
// introspection and PAR endpoints, which override the configured defaults for it.
#include <nlohmann/json.hpp>

#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "http/handlers/routes.hpp"

namespace bs::http {

namespace {

constexpr std::string_view kScope = "admin:clients";
constexpr auth::LimitedEndpoint kQuotaEndpoints[] = {
    auth::LimitedEndpoint::token, auth::LimitedEndpoint::introspect, auth::LimitedEndpoint::par};

nlohmann::json limit_view(const auth::RateLimit& limit) {
  if (!limit.enabled()) return "unlimited";
  return {{"requests", limit.requests}, {"per_seconds", limit.per_seconds}};
}

// {"client_id", "quota": {endpoint: {requests, per_seconds} | "unlimited" | null},
//  "effective": {endpoint: the limit that applies, quota or default}}
nlohmann::json quota_view(const std::string& client_id, const auth::ClientQuota& quota,
                          auth::RateLimiter& limiter) {
  nlohmann::json own = nlohmann::json::object();
  nlohmann::json effective = nlohmann::json::object();
  for (auto endpoint : kQuotaEndpoints) {
    const std::string name(auth::endpoint_name(endpoint));
    auto it = quota.find(endpoint);
    own[name] = it == quota.end() ? nlohmann::json(nullptr) : limit_view(it->second);
    effective[name] = limit_view(
        it == quota.end() ? limiter.options().per_client[static_cast<std::size_t>(endpoint)] : it->second);
  }
  return {{"client_id", client_id}, {"quota", own}, {"effective", effective}};
}

Result<auth::ClientQuota> parse_quota(const nlohmann::json& body) {
  auth::ClientQuota quota;
  for (const auto& [name, value] : body.items()) {
    auto endpoint = auth::quota_endpoint(name);
    if (!endpoint)
      return fail(ErrorCode::invalid_request,
                  "unknown quota endpoint '" + name + "' (token, introspect, par)");
    if (value.is_null()) continue;
    if (value == "unlimited") {
      quota[*endpoint] = auth::RateLimit{0, 60};
      continue;
    }
    if (!value.is_object())
      return fail(ErrorCode::invalid_request,
                  "a quota is {\"requests\": N, \"per_seconds\": S}, \"unlimited\" or null");
    if (auto st = reject_unknown_members(value, {"requests", "per_seconds"}); !st)
      return std::unexpected(st.error());
    auto requests = value.find("requests");
    auto per_seconds = value.find("per_seconds");
    if (requests == value.end() || per_seconds == value.end() || !requests->is_number_integer() ||
        !per_seconds->is_number_integer())
      return fail(ErrorCode::invalid_request, "requests and per_seconds must be integers");
    auth::RateLimit limit{requests->get<std::int64_t>(), per_seconds->get<std::int64_t>()};
    if (limit.requests < 1 || limit.requests > 1'000'000 || limit.per_seconds < 1 ||
        limit.per_seconds > 86400)
      return fail(ErrorCode::invalid_data, "requests must be in 1..1000000 and per_seconds in 1..86400");
    quota[*endpoint] = limit;
  }
  return quota;
}

// The client must exist: a quota of no client would be a dangling row.
std::optional<Response> missing_client(Services& services, const std::string& client_id) {
  auto client = services.clients.find_fresh(client_id);
  if (!client) return error_response(client.error());
  if (!*client) return error_response(Error(ErrorCode::not_found, "no client with this client_id"));
  return std::nullopt;
}

}  // namespace

void add_client_quota_routes(Router& router, Services& services) {
  router.add("GET", "/api/v1/clients/{id}/quota", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    const auto& client_id = req.path_params["id"];
    if (auto missing = missing_client(services, client_id)) return *missing;
    auto quota = services.rate_limits.quota_of(client_id);
    if (!quota) return error_response(quota.error());
    return Response::json(200, quota_view(client_id, *quota, services.rate_limits));
  });

  router.add("PUT", "/api/v1/clients/{id}/quota", [&services](Request& req) {
    auto principal = authorize(req, services, kScope);
    if (!principal) return principal.error();
    const auto& client_id = req.path_params["id"];
    auto body = json_object_body(req);
    if (!body) return error_response(body.error());
    auto quota = parse_quota(*body);
    if (!quota) return error_response(quota.error());
    if (auto missing = missing_client(services, client_id)) return *missing;
    if (auto st = services.rate_limits.set_quota(client_id, *quota); !st) return error_response(st.error());
    auto view = quota_view(client_id, *quota, services.rate_limits);
    services.audit.record({"client.quota_updated",
                           principal->actor(),
                           client_id,
                           req.remote_addr,
                           "success",
                           {{"quota", view["quota"]}}});
    return Response::json(200, view);
  });
}

}  // namespace bs::http
