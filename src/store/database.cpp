#include "store/database.hpp"

#include <unistd.h>
#include <atomic>
#include <charconv>
#include <chrono>
#include <string>

#include "store/drivers.hpp"

namespace bs::store {

std::string Row::text(std::size_t i) const {
  const Value& v = cells_.at(i);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  return {};
}

std::int64_t Row::integer(std::size_t i) const {
  const Value& v = cells_.at(i);
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  if (const auto* s = std::get_if<std::string>(&v)) {
    std::int64_t out = 0;
    std::from_chars(s->data(), s->data() + s->size(), out);
    return out;
  }
  return 0;
}

std::optional<std::string> Row::opt_text(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return text(i);
}

std::optional<std::int64_t> Row::opt_integer(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return integer(i);
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::unique_ptr<Database>> open_database(const std::string& url, const DatabaseOptions& options) {
  if (options.pool_size < 1) return fail(ErrorCode::invalid_request, "database pool size must be at least 1");
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return detail::open_postgres(url, options);
  }
  if (url.starts_with("sqlite:")) {
    std::string path = url.substr(7);
    if (path.starts_with("//")) path.erase(0, 2);  // also accept "sqlite:///abs/path"
    if (path.empty()) return fail(ErrorCode::invalid_request, "sqlite database URL has no path");
    if (path == ":memory:") {
      // A plain ":memory:" would give every pooled connection its own empty database; a named
      // shared-cache URI gives them one. The counter keeps separate open_database calls separate.
      static std::atomic<std::uint64_t> counter{0};
      std::string uri = "file:badgeserver-memory-" + std::to_string(::getpid()) + "-" +
                        std::to_string(counter.fetch_add(1)) + "?mode=memory&cache=shared";
      return detail::open_sqlite(uri, true, options);
    }
    return detail::open_sqlite(path, false, options);
  }
  return fail(ErrorCode::invalid_request,
              "unsupported database URL (expected sqlite:PATH, sqlite::memory: or postgresql://...)");
}

}  // namespace bs::store
