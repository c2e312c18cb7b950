// The HTTP/1.1 server (Boost.Beast). Network threads only parse and write; every request is handed
// to a separate worker pool, so database work never blocks a network thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/errors.hpp"
#include "http/client_address.hpp"
#include "http/message.hpp"

namespace bs::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (tests)
  int io_threads = 2;
  int worker_threads = 32;
  std::size_t body_limit = 1 << 20;       // 413 beyond
  std::size_t header_limit = 16 << 10;    // 431 beyond
  std::chrono::seconds read_timeout{30};  // whole request, against slowloris
  std::chrono::seconds idle_timeout{60};  // keep-alive between requests
  std::size_t max_connections = 10000;
  TrustedProxies trusted_proxies;  // peers whose X-Forwarded-For names the client (none by default)
};

using RequestHandler = std::function<Response(Request&)>;

// The network boundary as a pure function, for fuzzing and tests: parses one request from raw bytes
// with the parser configuration and error answers of a live connection (body_limit, header_limit
// of options), as if the bytes arrived in pieces of at most segment_size bytes and then the peer
// closed. A live connection runs the same code on what it reads.
struct RawRequestParse {
  enum class Outcome {
    complete,  // request is set; consumed bytes made it up, the rest belongs to the next request
    closed,    // the bytes ended before a request began: the connection closes without an answer
    rejected,  // rejection is the 400 / 413 / 431 answered before closing
  };
  Outcome outcome = Outcome::closed;
  Request request;
  Response rejection;
  std::size_t consumed = 0;
  bool keep_alive = false;
};
RawRequestParse parse_raw_request(std::string_view bytes, const ServerOptions& options,
                                  std::size_t segment_size = static_cast<std::size_t>(-1));

// The bytes of an answer on the wire: status line, the response's headers (framing headers and
// any name or value holding a line break are dropped), Server, Connection as keep_alive requires
// for the request's HTTP version (10 or 11), Content-Length and the body (neither for 1xx, 204,
// 304).
std::string serialize_response(const Response& response, unsigned version, bool keep_alive);

class Server {
 public:
  Server(ServerOptions options, RequestHandler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; starts the network and worker threads.
  Status start();
  std::uint16_t port() const;
  // Stops accepting, lets in-flight requests finish, joins the threads.
  void stop();
  // Blocks until stop() has completed.
  void wait();

  struct Impl;  // Beast/Asio state, kept out of this header; shared with live connections

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace bs::http
