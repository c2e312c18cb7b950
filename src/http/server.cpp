#include "http/server.hpp"

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/asio_event_loop.hpp"
#include "http/errors.hpp"
#include "http/metrics.hpp"

namespace bs::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  ServerOptions options;
  RequestHandler handler;
  // One event loop per network thread, run by that thread alone: no contention in Asio's
  // scheduler and no wake-ups passed between network threads. Accepted connections are dealt to
  // the loops in turn; a connection stays on its loop.
  std::vector<std::unique_ptr<asio::io_context>> loops = make_loops(options.io_threads);
  // The same loops as lower layers see them (common/event_loop.hpp), each installed on its thread;
  // destroyed before the io_contexts they wrap.
  std::vector<std::unique_ptr<EventLoop>> event_loops = wrap(loops);
  std::atomic<std::size_t> next_loop{0};
  // Keep each loop's run() going until stop() ends it. During a graceful stop the acceptor is
  // closed while requests are still in the worker pool: without this, the network threads would
  // find no work left and return, and the answers the workers post back would never be written.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running = guard(loops);
  asio::thread_pool workers{static_cast<std::size_t>(options.worker_threads)};
  tcp::acceptor acceptor{*loops.front()};
  std::vector<std::thread> threads;
  std::atomic<std::size_t> connections{0};
  std::atomic<int> in_flight{0};  // requests read and not yet fully answered
  std::atomic<bool> stopping{false};
  std::mutex done_mutex;
  std::condition_variable done_cv;
  bool done = false;
  std::uint16_t bound_port = 0;
  // How to close each open connection, so that a stop can end idle keep-alive reads: their pending
  // handlers own the sessions, which own this Impl, a cycle only completing them breaks.
  std::mutex sessions_mutex;
  std::unordered_map<const void*, std::function<void()>> session_closers;

  Impl(ServerOptions o, RequestHandler h) : options(std::move(o)), handler(std::move(h)) {}
  static std::vector<std::unique_ptr<asio::io_context>> make_loops(int count) {
    std::vector<std::unique_ptr<asio::io_context>> out;
    for (int i = 0; i < std::max(count, 1); ++i) out.push_back(std::make_unique<asio::io_context>(1));
    return out;
  }
  static std::vector<std::unique_ptr<EventLoop>> wrap(
      const std::vector<std::unique_ptr<asio::io_context>>& loops) {
    std::vector<std::unique_ptr<EventLoop>> out;
    for (const auto& loop : loops) out.push_back(make_asio_event_loop(*loop));
    return out;
  }
  static std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guard(
      const std::vector<std::unique_ptr<asio::io_context>>& loops) {
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> out;
    for (const auto& loop : loops) out.push_back(asio::make_work_guard(*loop));
    return out;
  }
  asio::io_context& next_connection_loop() { return *loops[next_loop.fetch_add(1) % loops.size()]; }
  void accept();
  void close_sessions() {
    // The closers run outside the lock: one may drop the last reference to a session, whose
    // destructor takes the lock.
    std::vector<std::function<void()>> closers;
    {
      std::lock_guard lock(sessions_mutex);
      for (auto& [_, close] : session_closers) closers.push_back(close);
    }
    for (auto& close : closers) close();
  }
};

namespace {

// The answer when a response's durable writes failed: the error, keeping the headers the pipeline
// gave the response (request id, security headers, Cache-Control: no-store).
Response failed_instead(const Response& response, const Error& error) {
  Response failed = error_response(error);
  for (const auto& [name, value] : response.headers)
    if (!failed.header(name)) failed.headers.emplace_back(name, value);
  return failed;
}

using RequestParser = bhttp::request_parser<bhttp::string_body>;

// The one parser configuration of every connection (and of parse_raw_request).
void configure(RequestParser& parser, const ServerOptions& options) {
  parser.body_limit(options.body_limit);
  parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
  parser.eager(true);  // what http::async_read sets: parse the body as it arrives
}

// Errors after which the connection just closes: the peer left, went quiet, or we are stopping.
bool closes_silently(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted;
}

// The answer to a request that could not be read; the connection closes after it.
// target: the request target when the header was read (it picks the API's error shape), else empty.
Response read_error_response(const beast::error_code& ec, const ServerOptions& options,
                             std::string_view target) {
  Error err(ErrorCode::invalid_request, "malformed HTTP request");
  int status = 400;
  if (ec == bhttp::error::body_limit) {
    err = Error(ErrorCode::payload_too_large,
                "request body exceeds " + std::to_string(options.body_limit) + " bytes");
    status = 413;
  } else if (ec == bhttp::error::header_limit) {
    err = Error(ErrorCode::invalid_request, "request header fields too large");
    status = 431;
  }
  Response r = error_response(err, error_context_for_path(target.substr(0, target.find('?'))));
  r.status = status;
  return r;
}

Request to_request(bhttp::request<bhttp::string_body>&& in, const std::string& remote) {
  Request r;
  r.method = std::string(in.method_string());
  r.target = std::string(in.target());
  auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  for (const auto& field : in) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  r.body = std::move(in.body());
  r.remote_addr = remote;
  return r;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Server::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }
  ~Session() {
    {
      std::lock_guard lock(server_->sessions_mutex);
      server_->session_closers.erase(this);
    }
    server_->connections.fetch_sub(1);
    server_counters().connections_active.fetch_sub(1);
  }

  void start() {
    {
      std::lock_guard lock(server_->sessions_mutex);
      server_->session_closers[this] = [weak = weak_from_this()] {
        if (auto self = weak.lock()) asio::post(self->stream_.get_executor(), [self] { self->close(); });
      };
    }
    read();
  }

 private:
  void read() {
    parser_.emplace();
    configure(*parser_, server_->options);
    // Between the requests of a keep-alive connection, the next one may take idle_timeout to start;
    // from its first byte on, the whole request must arrive within read_timeout (slowloris).
    if (first_request_ || buffer_.size() > 0) return read_request();
    stream_.expires_after(server_->options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->close();  // idle too long, or gone: nothing to answer
                              self->buffer_.commit(n);
                              self->read_request();
                            });
  }

  void read_request() {
    stream_.expires_after(server_->options.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    const bool was_first = first_request_;
    first_request_ = false;
    // A timeout with part of a request read (or on a fresh connection) is a request too slow to
    // arrive: the slowloris pattern. An idle keep-alive connection timing out is not.
    if (ec == beast::error::timeout && (was_first || parser_->got_some()))
      metrics::increment(server_counters().request_read_timeouts);
    if (closes_silently(ec)) return close();
    if (ec) {
      // The request could not be read: answer once, then close (the stream is out of sync).
      // The header was read when the body overflowed: its target says which API's error shape to use.
      std::string_view target =
          ec == bhttp::error::body_limit ? std::string_view(parser_->get().target()) : "";
      metrics::increment(server_counters().malformed_requests);
      keep_alive_ = false;
      linger_ = true;
      return write(read_error_response(ec, server_->options, target));
    }
    auto in = parser_->release();
    keep_alive_ = in.keep_alive() && !server_->stopping.load();
    version_ = in.version();
    Request request = to_request(std::move(in), remote_);
    if (!server_->options.trusted_proxies.empty()) {
      std::vector<std::string_view> forwarded_for;
      for (const auto& [name, value] : request.headers)
        if (name == "x-forwarded-for") forwarded_for.push_back(value);
      request.remote_addr = server_->options.trusted_proxies.client_address(remote_, forwarded_for);
    }
    stream_.expires_never();
    server_->in_flight.fetch_add(1);
    // Routes that never block answer right here; the others (and requests such a route cannot
    // finish without blocking) go to the worker pool, and their answer comes back to this connection's loop.
    request.on_network_thread = true;
    Response response = run_handler(request);
    if (!response.offloaded) return answer(std::move(response));
    request.on_network_thread = false;
    asio::post(server_->workers, [self = shared_from_this(), request = std::move(request)]() mutable {
      Response response = self->run_handler(request);
      asio::post(self->stream_.get_executor(),
                 [self, response = std::move(response)]() mutable { self->answer(std::move(response)); });
    });
  }

  Response run_handler(Request& request) {
    try {
      return server_->handler(request);
    } catch (const std::exception&) {
      return error_response(Error(ErrorCode::internal_error, "internal error"));
    }
  }

  // On this connection's network thread. An answer that waits for durable writes is written when they are
  // settled (the continuation runs on the writing thread and only posts back here); a deferred one
  // when its handler's work gives it.
  void answer(Response&& response) {
    counted_ = true;
    if (response.deferred) {
      // Given later on this thread (the work it waits for is in this loop), or at once if it is there.
      auto deferred = std::move(response.deferred);
      return deferred->on_answer([self = shared_from_this()](Response&& r) { self->answer(std::move(r)); });
    }
    if (!response.durable_after) return write(std::move(response));
    auto pending = std::move(response.durable_after);
    pending->when_settled([self = shared_from_this(), response = std::move(response)](Status st) mutable {
      asio::post(self->stream_.get_executor(),
                 [self, st = std::move(st), response = std::move(response)]() mutable {
                   self->write(st ? std::move(response) : failed_instead(response, st.error()));
                 });
    });
  }

  void write(Response&& r) {
    auto out = std::make_shared<std::string>(serialize_response(r, version_, keep_alive_));
    stream_.expires_after(server_->options.read_timeout);
    const bool counted = counted_;
    counted_ = false;
    asio::async_write(stream_, asio::buffer(*out),
                      [self = shared_from_this(), out, counted](beast::error_code ec, std::size_t) {
                        if (counted) self->server_->in_flight.fetch_sub(1);
                        if (!ec && self->linger_) return self->linger_close();
                        if (ec || !self->keep_alive_) return self->close();
                        self->read();
                      });
  }

  // After rejecting a request mid-body, closing at once would reset the connection while the client
  // is still sending, and it would never read our answer. Stop sending, drain what arrives for a
  // short while, then close (what servers call a lingering close).
  void linger_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(2));
    drain_ = std::make_shared<std::array<char, 16384>>();
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(*drain_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > (64u << 20)) return self->close();
                              self->drain();
                            });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<Server::Impl> server_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::string remote_;
  bool keep_alive_ = true;
  bool first_request_ = true;
  bool counted_ = false;  // the response being written belongs to an in_flight request
  bool linger_ = false;   // close with a drain (the request was rejected mid-read)
  std::shared_ptr<std::array<char, 16384>> drain_;
  std::size_t drained_ = 0;
  unsigned version_ = 11;
};

// A connection over max_connections: answered 503 at once, without reading its request, then
// closed after a short drain so the client sees the answer rather than a reset.
class RejectedConnection : public std::enable_shared_from_this<RejectedConnection> {
 public:
  explicit RejectedConnection(tcp::socket socket) : stream_(std::move(socket)) {}

  void start() {
    stream_.expires_after(std::chrono::seconds(2));
    asio::async_write(stream_, asio::buffer(kAnswer),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        beast::error_code ignored;
                        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                        self->drain();
                      });
  }

 private:
  static constexpr std::string_view kAnswer =
      "HTTP/1.1 503 Service Unavailable\r\nServer: badgeserver\r\nContent-Type: application/json\r\n"
      "Retry-After: 1\r\nConnection: close\r\nCache-Control: no-store\r\nContent-Length: 84\r\n\r\n"
      "{\"error\":\"temporarily_unavailable\",\"error_description\":\"too many open connections\"}\n";

  void drain() {
    stream_.async_read_some(asio::buffer(buffer_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->close();
                              self->drain();
                            });
  }
  void close() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  std::array<char, 4096> buffer_{};
};

}  // namespace

std::string serialize_response(const Response& r, unsigned version, bool keep_alive) {
  // RFC 9110 §15: no body (and so no Content-Length) for 1xx, 204 and 304.
  const bool bodyless = r.status < 200 || r.status == 204 || r.status == 304;
  const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
  std::string out;
  out.reserve(160 + r.headers.size() * 48 + (bodyless ? 0 : r.body.size()));
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  out.append(std::to_string(r.status));
  out.push_back(' ');
  out.append(reason.data(), reason.size());
  out.append("\r\n");
  for (const auto& [name, value] : r.headers) {
    // Framing is ours alone; and a line break inside a name or value would split the header.
    if (iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
        iequals(name, "connection") || iequals(name, "server") ||
        name.find_first_of("\r\n:") != std::string::npos || value.find_first_of("\r\n") != std::string::npos)
      continue;
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
  }
  out.append("Server: badgeserver\r\n");
  // HTTP/1.1 connections persist unless closed, HTTP/1.0 ones only when asked (RFC 9112 §9.3).
  if (version == 10 && keep_alive) out.append("Connection: keep-alive\r\n");
  if (version != 10 && !keep_alive) out.append("Connection: close\r\n");
  if (!bodyless) {
    out.append("Content-Length: ");
    out.append(std::to_string(r.body.size()));
    out.append("\r\n");
  }
  out.append("\r\n");
  if (!bodyless) out.append(r.body);
  return out;
}

RawRequestParse parse_raw_request(std::string_view bytes, const ServerOptions& options,
                                  std::size_t segment_size) {
  RawRequestParse out;
  RequestParser parser;
  configure(parser, options);
  segment_size = std::max<std::size_t>(segment_size, 1);
  // What http::async_read does with a flat_buffer: offer everything buffered to the parser, drop
  // what it used, read more only when it needs more, and at the end of the stream tell the parser
  // if a request had begun (otherwise the stream simply ended).
  std::string buffer;
  std::size_t received = 0;
  beast::error_code ec;
  for (;;) {
    if (!buffer.empty()) {
      const std::size_t used = parser.put(asio::buffer(buffer), ec);
      buffer.erase(0, used);
      out.consumed += used;
      if (ec && ec != bhttp::error::need_more) break;
      const bool needs_more = ec == bhttp::error::need_more || used == 0;
      ec = {};
      if (parser.is_done()) break;
      if (!needs_more) continue;
    }
    if (received == bytes.size()) {
      if (parser.got_some()) {
        parser.put_eof(ec);
      } else {
        ec = bhttp::error::end_of_stream;
      }
      break;
    }
    const std::size_t n = std::min(segment_size, bytes.size() - received);
    buffer.append(bytes.substr(received, n));
    received += n;
  }
  if (ec) {
    if (closes_silently(ec)) {
      out.outcome = RawRequestParse::Outcome::closed;
    } else {
      out.outcome = RawRequestParse::Outcome::rejected;
      std::string_view target = ec == bhttp::error::body_limit ? std::string_view(parser.get().target()) : "";
      out.rejection = read_error_response(ec, options, target);
    }
    return out;
  }
  auto in = parser.release();
  out.keep_alive = in.keep_alive();
  out.outcome = RawRequestParse::Outcome::complete;
  out.request = to_request(std::move(in), "");
  return out;
}

void Server::Impl::accept() {
  acceptor.async_accept(next_connection_loop(),
                        [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                          if (ec) {
                            if (ec == asio::error::operation_aborted || self->stopping.load()) return;
                          } else if (self->stopping.load()) {
                            beast::error_code ignored;
                            socket.close(ignored);  // accepted while the stop began: no new session
                            return;
                          } else if (self->connections.load() >= self->options.max_connections) {
                            // Over the connection limit: refuse rather than degrade everyone.
                            metrics::increment(server_counters().connections_rejected);
                            std::make_shared<RejectedConnection>(std::move(socket))->start();
                          } else {
                            self->connections.fetch_add(1);
                            server_counters().connections_active.fetch_add(1);
                            std::make_shared<Session>(std::move(socket), self)->start();
                          }
                          self->accept();
                        });
}

Server::Server(ServerOptions options, RequestHandler handler)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() {
  stop();
}

Status Server::start() {
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return fail(ErrorCode::invalid_request, "bad listen address: " + impl_->options.host);
  tcp::endpoint endpoint(address, impl_->options.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(ErrorCode::service_unavailable, "cannot listen on " + impl_->options.host + ":" +
                                                    std::to_string(impl_->options.port) + ": " +
                                                    ec.message());
  }
  impl_->bound_port = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  for (std::size_t i = 0; i < impl_->loops.size(); ++i) {
    impl_->threads.emplace_back([loop = impl_->loops[i].get(), event_loop = impl_->event_loops[i].get()] {
      EventLoop::set_current(event_loop);
      loop->run();
      EventLoop::set_current(nullptr);
    });
  }
  return {};
}

std::uint16_t Server::port() const {
  return impl_->bound_port;
}

void Server::stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
  // In-flight requests finish and their answers are written before the network threads stop.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // Then the connections left (idle keep-alive ones) are closed and their handlers run out.
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  do {
    impl_->close_sessions();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  } while (impl_->connections.load() > 0 && std::chrono::steady_clock::now() < deadline);
  for (auto& loop : impl_->loops) loop->stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  // The loops' per-loop state (PostgreSQL pipelines and the answers they still owe) goes now, not
  // when the last session lets go of this Impl: that state may hold sessions itself.
  impl_->event_loops.clear();
  impl_->workers.join();
  std::lock_guard lock(impl_->done_mutex);
  impl_->done = true;
  impl_->done_cv.notify_all();
}

void Server::wait() {
  std::unique_lock lock(impl_->done_mutex);
  impl_->done_cv.wait(lock, [&] { return impl_->done; });
}

}  // namespace bs::http
