// A network thread's event loop as the layers below HTTP see it: code that must wait for a socket
// without blocking that thread (PostgreSQL reads in flight, src/store/postgres_pipeline.cpp) asks the
// loop to call it back instead. The HTTP server implements it over Asio and installs one on each of
// its network threads; elsewhere (workers, tests without a loop) EventLoop::current() is null.
#pragma once

#include <functional>
#include <memory>

namespace bs {

class EventLoop {
 public:
  enum class Readiness { readable, writable };

  virtual ~EventLoop() = default;

  // Calls ready(true) once, on this loop's thread, when fd is ready for `what`; ready(false) when
  // waiting failed. One wait per fd and direction at a time. Never calls ready inside wait().
  virtual void wait(int fd, Readiness what, std::function<void(bool ok)> ready) = 0;
  // Stops watching fd before its owner closes it (the loop never closes it). Waits still pending
  // on it are dropped without being called.
  virtual void forget(int fd) = 0;
  // Runs fn later on this loop's thread (never inside post).
  virtual void post(std::function<void()> fn) = 0;
  // Per-loop state of a lower layer, keyed by an address its owner keeps alive: empty until set.
  // Destroyed with the loop, before the loop stops watching anything (a slot may forget() its fds).
  virtual std::shared_ptr<void>& slot(const void* owner) = 0;

  // The loop running on the calling thread; nullptr when there is none.
  static EventLoop* current();
  static void set_current(EventLoop* loop);
};

}  // namespace bs
