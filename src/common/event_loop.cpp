#include "common/event_loop.hpp"

namespace bs {
namespace {
thread_local EventLoop* current_loop = nullptr;
}  // namespace

EventLoop* EventLoop::current() {
  return current_loop;
}

void EventLoop::set_current(EventLoop* loop) {
  current_loop = loop;
}

}  // namespace bs
