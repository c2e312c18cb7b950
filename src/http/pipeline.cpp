#include "http/pipeline.hpp"

#include <charconv>
#include <chrono>
#include <cstdint>

#include "common/log.hpp"
#include "crypto/random.hpp"

namespace bs::http {

namespace {

bool safe_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

// A fresh request id: unique, not secret (it is echoed and logged), so not drawn from the CSPRNG
// per request: a random prefix per thread (drawn once) and that thread's request counter.
std::string new_request_id() {
  thread_local const std::string prefix = crypto::random_token(9) + "-";
  thread_local std::uint64_t counter = 0;
  char digits[17];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, ++counter, 16);
  return prefix + std::string(digits, end);
}

void add_security_headers(Response& r) {
  r.set_header("X-Content-Type-Options", "nosniff");
  r.set_header("Referrer-Policy", "no-referrer");
  r.set_header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  r.set_header("X-Frame-Options", "DENY");
  // Public, cacheable documents (JWKS, metadata) set their own Cache-Control; everything else may
  // carry credentials or personal data.
  if (!r.header("Cache-Control")) {
    r.set_header("Cache-Control", "no-store");
    r.set_header("Pragma", "no-cache");
  }
}

}  // namespace

Response Pipeline::handle(Request& request) const {
  auto started = std::chrono::steady_clock::now();
  if (request.request_id.empty()) {  // set already when a network thread offloaded the request
    auto incoming = request.header("x-request-id");
    request.request_id = incoming && safe_request_id(*incoming) ? std::string(*incoming) : new_request_id();
  }

  log::ScopedRequestId scoped_id(request.request_id);
  Response response = router_.dispatch(request);
  if (response.offloaded) return response;  // not an answer yet: counted when a worker gives one
  if (response.deferred) {
    // Finished when it is given, after this Request is gone: what the steps need of it is copied.
    response.deferred->finish_with([this, started, request_id = request.request_id,
                                    route_index = request.route_index, method = request.method,
                                    route = request.route, remote = request.remote_addr](Response& r) {
      log::ScopedRequestId scoped(request_id);
      finish(r, {started, request_id, route_index, method, route, remote});
    });
    return response;
  }
  finish(response, {started, request.request_id, request.route_index, request.method, request.route,
                    request.remote_addr});
  return response;
}

void Pipeline::finish(Response& response, const Finishing& request) const {
  add_security_headers(response);
  response.set_header("X-Request-Id", std::string(request.request_id));

  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                      request.started)
                    .count();
  if (metrics_) metrics_->record(request.route_index, response.status, response.error, micros);
  if (log::enabled(log::Level::info)) {
    log::info("request",
              {{"method", std::string(request.method)},
               // The pattern, never the raw path: ids in paths can be capabilities.
               {"route", request.route.empty() ? std::string("(no route)") : std::string(request.route)},
               {"status", response.status},
               {"duration_ms", static_cast<double>(micros) / 1000.0},
               {"remote", std::string(request.remote)}});
  }
}

}  // namespace bs::http
