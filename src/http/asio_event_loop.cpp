#include "http/asio_event_loop.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <map>
#include <unordered_map>

namespace bs::http {
namespace {

namespace asio = boost::asio;

class AsioEventLoop final : public EventLoop {
 public:
  explicit AsioEventLoop(asio::io_context& io) : io_(io) {}

  ~AsioEventLoop() override {
    // Slots first: they may still forget() their descriptors. Whatever is left is released, not
    // closed: the descriptors belong to their owners.
    slots_.clear();
    for (auto& [fd, watch] : watched_) {
      *watch.alive = false;
      boost::system::error_code ignored;
      watch.descriptor->cancel(ignored);
      (void)watch.descriptor->release();
    }
  }

  void wait(int fd, Readiness what, std::function<void(bool)> ready) override {
    auto it = watched_.find(fd);
    if (it == watched_.end()) {
      Watch watch{std::make_unique<asio::posix::stream_descriptor>(io_, fd), std::make_shared<bool>(true)};
      it = watched_.emplace(fd, std::move(watch)).first;
    }
    const auto direction = what == Readiness::readable ? asio::posix::stream_descriptor::wait_read
                                                       : asio::posix::stream_descriptor::wait_write;
    it->second.descriptor->async_wait(
        direction, [alive = it->second.alive, ready = std::move(ready)](const boost::system::error_code& ec) {
          if (*alive) ready(!ec);
        });
  }

  void forget(int fd) override {
    auto it = watched_.find(fd);
    if (it == watched_.end()) return;
    *it->second.alive = false;  // the cancelled waits complete later, uncalled
    boost::system::error_code ignored;
    it->second.descriptor->cancel(ignored);
    (void)it->second.descriptor->release();
    watched_.erase(it);
  }

  void post(std::function<void()> fn) override { asio::post(io_, std::move(fn)); }

  std::shared_ptr<void>& slot(const void* owner) override { return slots_[owner]; }

 private:
  struct Watch {
    std::unique_ptr<asio::posix::stream_descriptor> descriptor;
    std::shared_ptr<bool> alive;
  };
  asio::io_context& io_;
  std::unordered_map<int, Watch> watched_;
  std::map<const void*, std::shared_ptr<void>> slots_;
};

}  // namespace

std::unique_ptr<EventLoop> make_asio_event_loop(boost::asio::io_context& io) {
  return std::make_unique<AsioEventLoop>(io);
}

}  // namespace bs::http
