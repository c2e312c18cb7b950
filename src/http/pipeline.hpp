// What happens to every request around its handler: a request id, routing, the security headers,
// one JSON log line (method, path without query, status, duration: never credentials), metrics.
// Every log line written while the request runs carries its request id.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "http/metrics.hpp"
#include "http/router.hpp"

namespace bs::http {

class Pipeline {
 public:
  // metrics, when given, records every request (GET /metrics).
  explicit Pipeline(const Router& router, HttpMetrics* metrics = nullptr)
      : router_(router), metrics_(metrics) {}
  Response handle(Request& request) const;

 private:
  // What the finishing steps need of a request.
  struct Finishing {
    std::chrono::steady_clock::time_point started;
    std::string_view request_id;
    int route_index;
    std::string_view method;
    std::string_view route;
    std::string_view remote;
  };
  // The steps every answer takes: security headers, the request id, metrics, the access log.
  void finish(Response& response, const Finishing& request) const;

  const Router& router_;
  HttpMetrics* metrics_;
};

}  // namespace bs::http
