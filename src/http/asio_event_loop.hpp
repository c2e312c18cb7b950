// EventLoop (common/event_loop.hpp) over one Asio io_context, run by one thread: the HTTP server
// makes one per network thread.
#pragma once

#include <memory>

#include "common/event_loop.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace bs::http {

std::unique_ptr<EventLoop> make_asio_event_loop(boost::asio::io_context& io);

}  // namespace bs::http
