// The client address a request is judged by (per-IP rate limits, login throttling, the audit log):
// the TCP peer, or, when the peer is one of the operator's trusted proxies (`trusted_proxies`), the
// address those proxies recorded in X-Forwarded-For. Behind a load balancer the peer is always the
// balancer, so without this every client would share one address.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.hpp"

namespace bs::http {

class TrustedProxies {
 public:
  // "10.0.0.0/8, 192.168.1.7 ::1 fd00::/8": addresses and CIDR networks, IPv4 or IPv6, separated
  // by commas or spaces. Empty: no proxy is trusted and X-Forwarded-For is never read.
  static Result<TrustedProxies> parse(std::string_view list);

  bool empty() const { return networks_.empty(); }
  bool contains(std::string_view address) const;

  // The client behind `peer`, given the request's X-Forwarded-For values in the order received.
  // Read from the right (each proxy appends the address it received from): skip the trusted
  // proxies, and the first address that is not one is the client. Left of it, anything may be
  // forged. An entry that is no IP address ends the walk at the proxy that passed it on. The answer
  // is the canonical text of the address (IPv4-mapped IPv6 as plain IPv4).
  std::string client_address(const std::string& peer,
                             const std::vector<std::string_view>& forwarded_for) const;

 private:
  struct Network {
    std::array<std::uint8_t, 16> bytes{};
    bool v4 = false;
    int prefix = 0;  // bits
  };
  std::vector<Network> networks_;
};

// An IP address in canonical text (inet_ntop; IPv4-mapped IPv6 as IPv4), from an address or an
// X-Forwarded-For entry ("1.2.3.4", "1.2.3.4:5678", "::1", "[::1]:5678"); nullopt if it is none.
std::optional<std::string> canonical_ip(std::string_view text);

}  // namespace bs::http
