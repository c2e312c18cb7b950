// An ordered multimap of request parameters (form bodies, query strings), as the domain sees them.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/errors.hpp"

namespace bs {

class Params {
 public:
  std::vector<std::pair<std::string, std::string>> items;

  std::optional<std::string> get(std::string_view name) const {
    for (const auto& [k, v] : items)
      if (k == name) return v;
    return std::nullopt;
  }
  std::vector<std::string> all(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : items)
      if (k == name) out.push_back(v);
    return out;
  }
  std::size_t count(std::string_view name) const {
    return static_cast<std::size_t>(
        std::count_if(items.begin(), items.end(), [&](const auto& kv) { return kv.first == name; }));
  }
  // RFC 6749 §3.1/§3.2: request parameters MUST NOT be included more than once. invalid_request
  // names the first repeated one among `names`.
  Status reject_duplicates(std::initializer_list<std::string_view> names) const {
    for (auto n : names)
      if (count(n) > 1) return fail(ErrorCode::invalid_request, "parameter repeated: " + std::string(n));
    return {};
  }
};

}  // namespace bs
