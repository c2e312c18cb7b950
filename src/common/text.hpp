// Small text utilities shared by every layer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bs {

// Is s well-formed UTF-8 (no overlongs, surrogates, or code points past U+10FFFF)?
bool valid_utf8(std::string_view s);
// Number of code points in well-formed UTF-8.
std::size_t utf8_length(std::string_view s);
// Splits on runs of spaces ("a  b" -> {"a","b"}); used for OAuth scope strings.
std::vector<std::string> split_spaces(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string to_lower(std::string_view s);

}  // namespace bs
