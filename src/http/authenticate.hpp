// Request-side authentication: reads Authorization / X-API-Key and asks the Authenticator.
#pragma once

#include <nlohmann/json.hpp>

#include "auth/principal.hpp"
#include "http/errors.hpp"
#include "http/message.hpp"
#include "http/services.hpp"
#include "store/models.hpp"

namespace bs::http {

auth::Credentials credentials_of(const Request& request);

// The principal, or the error response to send (401 with WWW-Authenticate, 403 insufficient_scope).
// An empty required_scope only authenticates.
std::expected<auth::Principal, Response> authorize(const Request& request, Services& services,
                                                   std::string_view required_scope);

// Pagination parameters shared by every list endpoint (?cursor=&limit=, limit 1..200, default 50).
struct PageRequest {
  std::optional<std::string> cursor;
  int limit = 50;
};
std::expected<PageRequest, Response> page_of(const Request& request);

// {"items": [...], "next_cursor": ...} of one page of a listing (cursors are strings on the wire).
template <class T, class Cursor, class View>
Response page_response(const store::Page<T, Cursor>& page, View view) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& row : page.items) items.push_back(view(row));
  nlohmann::json next = nullptr;
  if (page.next_cursor) {
    if constexpr (std::is_integral_v<Cursor>) {
      next = std::to_string(*page.next_cursor);
    } else {
      next = *page.next_cursor;
    }
  }
  return Response::json(200, {{"items", items}, {"next_cursor", next}});
}

}  // namespace bs::http
