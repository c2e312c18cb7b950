#include "crypto/encoding.hpp"

#include <array>
#include <cstdint>

namespace bs::crypto {
namespace {

constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kBase64Std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kHexDigits[] = "0123456789abcdef";
constexpr std::uint8_t kInvalid = 0xFF;

constexpr std::array<std::uint8_t, 256> make_decode_table(const char* alphabet) {
  std::array<std::uint8_t, 256> table{};
  table.fill(kInvalid);
  for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(alphabet[i])] = i;
  return table;
}

constexpr std::array<std::uint8_t, 256> make_hex_table() {
  std::array<std::uint8_t, 256> table{};
  table.fill(kInvalid);
  for (std::uint8_t i = 0; i < 10; ++i) table['0' + i] = i;
  for (std::uint8_t i = 0; i < 6; ++i) {
    table['a' + i] = static_cast<std::uint8_t>(10 + i);
    table['A' + i] = static_cast<std::uint8_t>(10 + i);
  }
  return table;
}

constexpr auto kDecodeUrl = make_decode_table(kBase64Url);
constexpr auto kDecodeStd = make_decode_table(kBase64Std);
constexpr auto kDecodeHex = make_hex_table();

std::string encode64(std::string_view in, const char* alphabet, bool pad) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t full = in.size() / 3;
  const std::size_t rem = in.size() % 3;
  const std::size_t out_len = full * 4 + (rem == 0 ? 0 : (pad ? 4 : rem + 1));
  std::string out;
  out.resize_and_overwrite(out_len, [&](char* o, std::size_t) {
    for (std::size_t i = 0; i < full; ++i, p += 3, o += 4) {
      const std::uint32_t v = (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
      o[0] = alphabet[v >> 18];
      o[1] = alphabet[(v >> 12) & 63];
      o[2] = alphabet[(v >> 6) & 63];
      o[3] = alphabet[v & 63];
    }
    if (rem == 1) {
      const std::uint32_t v = std::uint32_t{p[0]} << 16;
      o[0] = alphabet[v >> 18];
      o[1] = alphabet[(v >> 12) & 63];
      if (pad) o[2] = o[3] = '=';
    } else if (rem == 2) {
      const std::uint32_t v = (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8);
      o[0] = alphabet[v >> 18];
      o[1] = alphabet[(v >> 12) & 63];
      o[2] = alphabet[(v >> 6) & 63];
      if (pad) o[3] = '=';
    }
    return out_len;
  });
  return out;
}

// Decodes unpadded base64 in either alphabet. Invalid characters map to 0xFF, so OR-ing the looked-up
// values of a group and testing the high bit detects any of them with one branch.
std::optional<std::string> decode64(std::string_view in, const std::array<std::uint8_t, 256>& table) {
  const std::size_t rem = in.size() % 4;
  if (rem == 1) return std::nullopt;
  const std::size_t full = in.size() / 4;
  const std::size_t out_len = full * 3 + (rem == 0 ? 0 : rem - 1);
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  bool ok = true;
  std::string out;
  out.resize_and_overwrite(out_len, [&](char* o, std::size_t) {
    std::uint8_t bad = 0;
    for (std::size_t i = 0; i < full; ++i, p += 4, o += 3) {
      const std::uint8_t a = table[p[0]], b = table[p[1]], c = table[p[2]], d = table[p[3]];
      bad |= a | b | c | d;
      const std::uint32_t v =
          (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) | (std::uint32_t{c} << 6) | d;
      o[0] = static_cast<char>(v >> 16);
      o[1] = static_cast<char>(v >> 8);
      o[2] = static_cast<char>(v);
    }
    if (rem == 2) {
      const std::uint8_t a = table[p[0]], b = table[p[1]];
      bad |= a | b;
      // Non-zero bits past the last byte would let two texts decode to the same bytes.
      if ((b & 0x0F) != 0) ok = false;
      o[0] = static_cast<char>((a << 2) | (b >> 4));
    } else if (rem == 3) {
      const std::uint8_t a = table[p[0]], b = table[p[1]], c = table[p[2]];
      bad |= a | b | c;
      if ((c & 0x03) != 0) ok = false;
      o[0] = static_cast<char>((a << 2) | (b >> 4));
      o[1] = static_cast<char>((b << 4) | (c >> 2));
    }
    if (bad & 0x80) ok = false;
    return out_len;
  });
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  return encode64(bytes, kBase64Url, false);
}

std::optional<std::string> base64url_decode(std::string_view text) {
  return decode64(text, kDecodeUrl);
}

std::string base64_encode(std::string_view bytes) {
  return encode64(bytes, kBase64Std, true);
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') {
    pad = 1;
    if (text[text.size() - 2] == '=') pad = 2;
  }
  // Any '=' left in the body is not in the table and is rejected there.
  return decode64(text.substr(0, text.size() - pad), kDecodeStd);
}

std::string hex_encode(std::string_view bytes) {
  const std::size_t out_len = bytes.size() * 2;
  std::string out;
  // The size passed to the callback is not used: libstdc++ 12 passes the capacity, not the request.
  out.resize_and_overwrite(out_len, [&](char* o, std::size_t) {
    for (unsigned char c : bytes) {
      *o++ = kHexDigits[c >> 4];
      *o++ = kHexDigits[c & 15];
    }
    return out_len;
  });
  return out;
}

std::optional<std::string> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::uint8_t bad = 0;
  std::string out;
  const std::size_t out_len = text.size() / 2;
  out.resize_and_overwrite(out_len, [&](char* o, std::size_t) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    for (std::size_t i = 0; i < out_len; ++i, p += 2) {
      const std::uint8_t hi = kDecodeHex[p[0]], lo = kDecodeHex[p[1]];
      bad |= hi | lo;
      o[i] = static_cast<char>((hi << 4) | lo);
    }
    return out_len;
  });
  if (bad & 0x80) return std::nullopt;
  return out;
}

}  // namespace bs::crypto
