#include "http/router.hpp"

#include "common/errors.hpp"
#include "http/errors.hpp"

namespace bs::http {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode_segment(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

void Router::add(std::string method, std::string pattern, Handler handler, Runs runs) {
  Route r{std::move(method), pattern, {}, std::move(handler), runs};
  for (auto seg : split_path(pattern)) r.segments.emplace_back(seg);
  routes_.push_back(std::move(r));
}

Response Router::dispatch(Request& request) const {
  auto segments = split_path(request.path);
  std::string allowed;
  for (std::size_t index = 0; index < routes_.size(); ++index) {
    const auto& route = routes_[index];
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool matched = true;
    for (std::size_t i = 0; i < segments.size() && matched; ++i) {
      const auto& want = route.segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        auto decoded = percent_decode_segment(segments[i]);
        if (segments[i].empty() || !decoded) {
          matched = false;
        } else {
          params[want.substr(1, want.size() - 2)] = std::move(*decoded);
        }
      } else if (want != segments[i]) {
        matched = false;
      }
    }
    if (!matched) continue;
    if (route.method != request.method) {
      request.route = route.pattern;
      if (allowed.find(route.method) == std::string::npos)
        allowed += (allowed.empty() ? "" : ", ") + route.method;
      continue;
    }
    request.path_params = std::move(params);
    request.route_index = static_cast<int>(index);
    request.route = route.pattern;
    if (request.on_network_thread && route.runs != Runs::inline_first) return Response::offload();
    return route.handler(request);
  }
  if (!allowed.empty()) {
    auto r = error_response(Error(ErrorCode::method_not_allowed, "method not allowed on this path"),
                            error_context_for_path(request.path));
    r.set_header("Allow", allowed);
    return r;
  }
  return error_response(Error(ErrorCode::not_found, "no such endpoint"),
                        error_context_for_path(request.path));
}

std::vector<Router::RouteInfo> Router::routes() const {
  std::vector<RouteInfo> out;
  for (const auto& r : routes_) out.push_back({r.method, r.pattern});
  return out;
}

}  // namespace bs::http
