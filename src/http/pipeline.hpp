// What happens to every request around its handler: a request id, routing, the security headers,
// and one JSON log line (method, path without query, status, duration: never credentials).
#pragma once

#include "http/router.hpp"

namespace bs::http {

class Pipeline {
 public:
  explicit Pipeline(const Router& router) : router_(router) {}
  Response handle(Request& request) const;

 private:
  const Router& router_;
};

}  // namespace bs::http
