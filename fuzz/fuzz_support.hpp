// What the fuzz targets share: invariant checks that abort (so libFuzzer keeps the input as a crash)
// and a reader that takes a fuzz input apart into fields.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <source_location>
#include <string>
#include <string_view>

#include "common/errors.hpp"

namespace bs::fuzz {

// Aborts with the failed invariant: an invariant that does not hold is a bug like a crash.
inline void require(bool holds, const char* what,
                    std::source_location where = std::source_location::current()) {
  if (holds) return;
  std::fprintf(stderr, "fuzz invariant violated: %s (%s:%u)\n", what, where.file_name(),
               static_cast<unsigned>(where.line()));
  std::abort();
}

// An error must come from the closed set and carry one of the codes the caller documents.
template <class... Codes>
void require_error(const Error& error, Codes... allowed) {
  const int code = static_cast<int>(error.code);
  require(code >= 0 && code <= static_cast<int>(ErrorCode::service_unavailable),
          "error code outside the closed enum");
  require(((error.code == allowed) || ...), "error code outside the documented set");
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits an input into fields at a separator byte; the last field runs to the end.
class Fields {
 public:
  Fields(std::string_view input, char separator) : rest_(input), separator_(separator) {}
  std::string_view next() {
    const auto at = rest_.find(separator_);
    auto field = rest_.substr(0, at);
    rest_ = at == std::string_view::npos ? std::string_view{} : rest_.substr(at + 1);
    return field;
  }
  std::string_view rest() const { return rest_; }
  bool empty() const { return rest_.empty(); }

 private:
  std::string_view rest_;
  char separator_;
};

}  // namespace bs::fuzz
