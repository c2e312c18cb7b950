// Binary-to-text encodings. Decoders are strict so that every text has exactly one accepted form:
// a token that decodes must re-encode to itself, which keeps signature and lookup semantics simple.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bs::crypto {

// RFC 4648 §5 base64url without padding (the JOSE form).
std::string base64url_encode(std::string_view bytes);
// Accepts only A-Z a-z 0-9 - _, no padding or whitespace; rejects lengths ≡ 1 (mod 4) and non-zero
// trailing bits.
std::optional<std::string> base64url_decode(std::string_view text);

// RFC 4648 §4 base64 with padding.
std::string base64_encode(std::string_view bytes);
// Requires a multiple of 4 characters, '=' only as the final one or two, and zero trailing bits.
std::optional<std::string> base64_decode(std::string_view text);

// Lower-case hex.
std::string hex_encode(std::string_view bytes);
// Accepts upper- or lower-case digits; rejects odd lengths and anything else.
std::optional<std::string> hex_decode(std::string_view text);

}  // namespace bs::crypto
