#include "http/authenticate.hpp"

#include <charconv>

#include "http/body.hpp"

namespace bs::http {

auth::Credentials credentials_of(const Request& request) {
  auth::Credentials c;
  if (request.header_count("authorization") > 1 || request.header_count("x-api-key") > 1) {
    c.malformed_authorization = true;
    return c;
  }
  if (auto h = request.header("authorization")) {
    std::string_view v = *h;
    if (v.size() > 7 && iequals(v.substr(0, 7), "Bearer ")) {
      v.remove_prefix(7);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      if (v.empty() || v.find(' ') != std::string_view::npos) {
        c.malformed_authorization = true;
      } else {
        c.bearer = std::string(v);
      }
    } else {
      c.malformed_authorization = true;
    }
  }
  if (auto k = request.header("x-api-key")) c.api_key = std::string(*k);
  return c;
}

std::expected<auth::Principal, Response> authorize(const Request& request, Services& services,
                                                   std::string_view required_scope) {
  auto principal = services.authenticator.authenticate(credentials_of(request));
  if (!principal) {
    // A bad API key answers like a bad bearer token: 401 invalid_token.
    return std::unexpected(error_response(principal.error()));
  }
  if (!required_scope.empty()) {
    if (auto st = auth::require_scope(*principal, required_scope); !st) {
      ErrorContext ctx;
      ctx.required_scope = std::string(required_scope);
      services.audit.record({"authorization.denied",
                             principal->actor(),
                             std::string(required_scope),
                             request.remote_addr,
                             "denied",
                             {{"path", request.path}}});
      return std::unexpected(error_response(st.error(), ctx));
    }
  }
  return *principal;
}

std::expected<PageRequest, Response> page_of(const Request& request) {
  auto params = query_params(request);
  if (!params) return std::unexpected(error_response(params.error()));
  PageRequest page;
  if (auto c = params->get("cursor"); c && !c->empty()) page.cursor = *c;
  if (auto l = params->get("limit")) {
    int v = 0;
    auto [p, ec] = std::from_chars(l->data(), l->data() + l->size(), v);
    if (ec != std::errc{} || p != l->data() + l->size() || v < 1 || v > 200)
      return std::unexpected(error_response(Error(ErrorCode::invalid_request, "limit must be 1 to 200")));
    page.limit = v;
  }
  return page;
}

}  // namespace bs::http
