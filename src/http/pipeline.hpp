// What happens to every request around its handler: a request id, routing, the security headers,
// one JSON log line (method, path without query, status, duration: never credentials), metrics.
// Every log line written while the request runs carries its request id.
#pragma once

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
  const Router& router_;
  HttpMetrics* metrics_;
};

}  // namespace bs::http
