// Timestamps: stored as Unix seconds, shown in JSON as RFC 3339 UTC ("2026-11-29T08:44:28Z").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bs {

std::int64_t now_seconds();
std::string format_rfc3339(std::int64_t unix_seconds);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)"; nullopt for anything else.
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

}  // namespace bs
