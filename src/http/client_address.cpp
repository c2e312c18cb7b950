#include "http/client_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace bs::http {
namespace {

struct Ip {
  std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first four
  bool v4 = false;
};

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<Ip> parse_ip(std::string_view text) {
  // "[v6]" or "[v6]:port"; "v4:port" (one colon, as some proxies write it).
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    text = text.substr(1, close - 1);
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    text = text.substr(0, text.find(':'));
  }
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string z(text);  // inet_pton wants a terminated string
  Ip ip;
  if (inet_pton(AF_INET, z.c_str(), ip.bytes.data()) == 1) {
    ip.v4 = true;
    return ip;
  }
  if (inet_pton(AF_INET6, z.c_str(), ip.bytes.data()) != 1) return std::nullopt;
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(ip.bytes.data(), kMapped, 12) == 0) {  // ::ffff:a.b.c.d is the IPv4 client a.b.c.d
    std::memmove(ip.bytes.data(), ip.bytes.data() + 12, 4);
    std::fill(ip.bytes.begin() + 4, ip.bytes.end(), 0);
    ip.v4 = true;
  }
  return ip;
}

std::string to_text(const Ip& ip) {
  char out[INET6_ADDRSTRLEN] = {};
  inet_ntop(ip.v4 ? AF_INET : AF_INET6, ip.bytes.data(), out, sizeof out);
  return out;
}

// Whether ip lies in one of the networks (same family, the first prefix bits equal).
template <class Networks>
bool contains_ip(const Networks& networks, const Ip& ip) {
  return std::any_of(networks.begin(), networks.end(), [&](const auto& n) {
    if (n.v4 != ip.v4) return false;
    const int whole = n.prefix / 8, rest = n.prefix % 8;
    if (std::memcmp(n.bytes.data(), ip.bytes.data(), static_cast<std::size_t>(whole)) != 0) return false;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (n.bytes[static_cast<std::size_t>(whole)] & mask) ==
           (ip.bytes[static_cast<std::size_t>(whole)] & mask);
  });
}

}  // namespace

std::optional<std::string> canonical_ip(std::string_view text) {
  auto ip = parse_ip(trim_spaces(text));
  if (!ip) return std::nullopt;
  return to_text(*ip);
}

Result<TrustedProxies> TrustedProxies::parse(std::string_view list) {
  TrustedProxies out;
  std::size_t i = 0;
  while (i < list.size()) {
    const std::size_t end = list.find_first_of(", \t", i);
    const std::string_view item =
        list.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    i = end == std::string_view::npos ? list.size() : end + 1;
    if (item.empty()) continue;
    const auto slash = item.find('/');
    const std::string_view address = item.substr(0, slash);
    // Brackets and ports belong to X-Forwarded-For entries, not to a configured network (IPv6 has
    // two colons or more, IPv4 none).
    const bool plain = address.find_first_of("[]") == std::string_view::npos &&
                       std::count(address.begin(), address.end(), ':') != 1;
    auto ip = plain ? parse_ip(address) : std::nullopt;
    if (!ip)
      return fail(ErrorCode::invalid_request,
                  "trusted_proxies: '" + std::string(item) + "' is not an IP address or network");
    Network n{ip->bytes, ip->v4, ip->v4 ? 32 : 128};
    if (slash != std::string_view::npos) {
      const std::string_view bits = item.substr(slash + 1);
      int prefix = -1;
      auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
      if (bits.empty() || ec != std::errc{} || p != bits.data() + bits.size() || prefix < 0 ||
          prefix > n.prefix)
        return fail(ErrorCode::invalid_request,
                    "trusted_proxies: '" + std::string(item) + "' has no valid prefix length");
      n.prefix = prefix;
    }
    out.networks_.push_back(n);
  }
  return out;
}

bool TrustedProxies::contains(std::string_view address) const {
  auto ip = parse_ip(trim_spaces(address));
  return ip && contains_ip(networks_, *ip);
}

std::string TrustedProxies::client_address(const std::string& peer,
                                           const std::vector<std::string_view>& forwarded_for) const {
  auto peer_ip = parse_ip(peer);
  if (!peer_ip) return peer;
  if (!contains_ip(networks_, *peer_ip)) return to_text(*peer_ip);
  // The entries of every X-Forwarded-For line, left to right, as one list.
  std::vector<std::string_view> entries;
  for (std::string_view value : forwarded_for) {
    std::size_t i = 0;
    while (i <= value.size()) {
      const std::size_t comma = value.find(',', i);
      entries.push_back(
          value.substr(i, comma == std::string_view::npos ? std::string_view::npos : comma - i));
      if (comma == std::string_view::npos) break;
      i = comma + 1;
    }
  }
  Ip client = *peer_ip;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    auto ip = parse_ip(trim_spaces(*it));
    if (!ip) break;
    client = *ip;
    if (!contains_ip(networks_, client)) break;
  }
  return to_text(client);
}

}  // namespace bs::http
