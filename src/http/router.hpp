// Method + path-pattern routing. Patterns are literal segments and {name} placeholders, each
// matching one non-empty segment ("/api/v1/clients/{id}/disable").
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace bs::http {

using Handler = std::function<Response(Request&)>;

// Where a route's handler runs. on_worker: the worker pool, where it may block (database work).
// inline_first: first on the network thread that read the request, which saves two thread
// hand-offs; the handler must then never block and answers Response::offload() for any request it
// cannot finish without blocking, which is then run again on a worker.
enum class Runs { on_worker, inline_first };

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler, Runs runs = Runs::on_worker);

  // Runs the matching handler; 404 when no pattern matches, 405 with Allow when only the method is wrong.
  Response dispatch(Request& request) const;

  struct RouteInfo {
    std::string method;
    std::string pattern;
  };
  std::vector<RouteInfo> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    Runs runs = Runs::on_worker;
  };
  std::vector<Route> routes_;
};

// Percent-decodes a path segment; nullopt when an escape is malformed.
std::optional<std::string> percent_decode_segment(std::string_view s);

}  // namespace bs::http
