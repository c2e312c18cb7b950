#include "common/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace bs::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::info)};
thread_local std::string t_request_id;

const char* name(Level l) {
  switch (l) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}
}  // namespace

void set_level(std::string_view level) {
  if (level == "debug" || level == "trace")
    g_level = static_cast<int>(Level::debug);
  else if (level == "warn")
    g_level = static_cast<int>(Level::warn);
  else if (level == "error")
    g_level = static_cast<int>(Level::error);
  else
    g_level = static_cast<int>(Level::info);
}

ScopedRequestId::ScopedRequestId(std::string_view id) : previous_(std::move(t_request_id)) {
  t_request_id = std::string(id);
}

ScopedRequestId::~ScopedRequestId() {
  t_request_id = std::move(previous_);
}

bool enabled(Level level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view msg, const nlohmann::json& fields) {
  if (!enabled(level)) return;
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[80];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  nlohmann::json line = {{"ts", ts}, {"level", name(level)}, {"msg", msg}};
  if (!t_request_id.empty()) line["request_id"] = t_request_id;
  if (fields.is_object())
    for (const auto& [k, v] : fields.items()) line[k] = v;
  std::string out = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.push_back('\n');
  // One fwrite per line keeps concurrent lines whole.
  std::fwrite(out.data(), 1, out.size(), stderr);
}

}  // namespace bs::log
