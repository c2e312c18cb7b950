// Structured logging: one JSON object per line on stderr. Never pass secrets or tokens here.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace bs::log {

enum class Level { debug, info, warn, error };

void set_level(std::string_view level);
bool enabled(Level level);
// Writes {"ts": ..., "level": ..., "msg": msg, ...fields}.
void write(Level level, std::string_view msg, const nlohmann::json& fields = nlohmann::json::object());

// While alive, every line written by this thread carries "request_id" (set around each request).
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string_view id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};

inline void info(std::string_view msg, const nlohmann::json& f = nlohmann::json::object()) {
  write(Level::info, msg, f);
}
inline void warn(std::string_view msg, const nlohmann::json& f = nlohmann::json::object()) {
  write(Level::warn, msg, f);
}
inline void error(std::string_view msg, const nlohmann::json& f = nlohmann::json::object()) {
  write(Level::error, msg, f);
}

}  // namespace bs::log
