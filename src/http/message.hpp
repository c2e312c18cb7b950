// The server's own request/response types. Handlers and middleware see only these, so that no
// translation unit outside server.cpp includes Beast (compile time, and the domain stays HTTP-free).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/errors.hpp"
#include "common/pending_writes.hpp"

namespace bs::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;  // names lower-case

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target, path plus query
  std::string path;    // target without the query
  std::string query;   // raw query string, without '?'
  HeaderList headers;
  std::string body;
  std::string remote_addr;
  std::string request_id;
  std::map<std::string, std::string> path_params;  // filled by the router, percent-decoded
  int route_index = -1;                            // the matched route (metrics); -1: none
  // The pattern of the matched route ("/oauth/interactions/{id}/login"), empty when none matched.
  // Logs use it rather than the path, whose segments can be bearer capabilities.
  std::string route;
  // Set while the handler runs on a network thread (routes added with Runs::inline_first): it must
  // not block there, and answers Response::offload() to be run again on a worker instead.
  bool on_network_thread = false;

  // First value of a header (name compared case-insensitively); nullopt when absent.
  std::optional<std::string_view> header(std::string_view name) const;
  // How many times a header appears.
  std::size_t header_count(std::string_view name) const;
  // The media type of Content-Type, lower-case, without parameters ("application/json").
  std::string media_type() const;
  // Does the Accept header list this media type?
  bool accepts(std::string_view media_type) const;
};

class DeferredResponse;

struct Response {
  int status = 200;
  HeaderList headers;
  std::string body;
  std::optional<ErrorCode> error;  // set by error_response(), for the metrics
  // Not an answer: "run this request again on a worker", from a handler on a network thread.
  bool offloaded = false;
  // Writes that must be durable before this answer may be sent (a token's record); if one fails,
  // the client gets that error instead.
  std::shared_ptr<PendingWrites> durable_after;
  // Not an answer yet: the handler started work that finishes later on this network thread without
  // blocking it (a PostgreSQL read in flight) and gives the answer through this.
  std::shared_ptr<DeferredResponse> deferred;

  Response& set_header(std::string name, std::string value);
  std::optional<std::string_view> header(std::string_view name) const;

  static Response json(int status, const nlohmann::json& body);
  static Response no_content();
  static Response redirect(std::string location);
  static Response offload();
  static Response later(std::shared_ptr<DeferredResponse> deferred);
};

// An answer given after the handler returned, on the network thread that ran it. The pipeline adds
// its finishing steps (security headers, metrics, the access log) with finish_with; the server
// receives the finished answer with on_answer. Each of resolve and on_answer is called once.
class DeferredResponse {
 public:
  void finish_with(std::function<void(Response&)> step);
  void resolve(Response response);
  // Runs sink with the answer: at once when it is there already, else on resolve.
  void on_answer(std::function<void(Response&&)> sink);

 private:
  std::vector<std::function<void(Response&)>> steps_;
  std::optional<Response> answer_;
  std::function<void(Response&&)> sink_;
};

bool iequals(std::string_view a, std::string_view b);

}  // namespace bs::http
