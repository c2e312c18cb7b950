// The HTTP/1.1 server (Boost.Beast). Network threads only parse and write; every request is handed
// to a separate worker pool, so database work never blocks a network thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/errors.hpp"
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
};

using RequestHandler = std::function<Response(Request&)>;

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
