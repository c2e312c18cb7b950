// Private to the *_repo.cpp files: small conversions shared by the repositories.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/repositories.hpp"

namespace bs::store::detail {

inline Value text(std::string_view s) {
  return Value{std::string(s)};
}
inline Value integer(std::int64_t n) {
  return Value{n};
}
inline Value boolean(bool b) {
  return Value{std::int64_t{b ? 1 : 0}};
}

// Lists stored as one space-separated TEXT column (scopes, grant types). Empty items are dropped,
// so a stored list never has a doubled or trailing space.
inline std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (w.empty()) continue;
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

inline std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ' ') {
      ++i;
      continue;
    }
    const std::size_t end = std::min(s.find(' ', i), s.size());
    out.emplace_back(s.substr(i, end - i));
    i = end;
  }
  return out;
}

inline std::unexpected<Error> error_of(const auto& result) {
  return std::unexpected(result.error());
}

inline Status check_limit(std::int64_t limit) {
  if (limit < 1 || limit > kMaxPageLimit) {
    return fail(ErrorCode::invalid_request, "limit must be between 1 and " + std::to_string(kMaxPageLimit));
  }
  return ok();
}

// Runs a query expected to return at most one row and maps it.
template <class T, class Map>
Result<std::optional<T>> query_one(Executor ex, std::string_view sql, std::span<const Value> params,
                                   Map map) {
  auto rows = ex.query(sql, params);
  if (!rows) return error_of(rows);
  if (rows->empty()) return std::optional<T>{};
  return std::optional<T>{map(rows->front())};
}

// Keyset pagination: the query asked for limit + 1 rows; the extra one only says "there is more".
template <class T, class Cursor, class Map, class CursorOf>
Page<T, Cursor> make_page(const Rows& rows, std::int64_t limit, Map map, CursorOf cursor_of) {
  Page<T, Cursor> page;
  const auto n = std::min(rows.size(), static_cast<std::size_t>(limit));
  page.items.reserve(n);
  for (std::size_t i = 0; i < n; ++i) page.items.push_back(map(rows[i]));
  if (rows.size() > n && !page.items.empty()) page.next_cursor = cursor_of(page.items.back());
  return page;
}

}  // namespace bs::store::detail
