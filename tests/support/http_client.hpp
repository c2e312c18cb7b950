// A small synchronous HTTP/1.1 client over Beast for the integration tests (one connection per call).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bs::test {

struct HttpResponse {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // names lower-case
  std::string body;

  std::string header(const std::string& name) const;  // "" when absent
  nlohmann::json json() const;                        // discarded value when not JSON
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port) : host_(std::move(host)), port_(port) {}

  HttpResponse request(const std::string& method, const std::string& target, const Headers& headers = {},
                       const std::string& body = {}) const;
  HttpResponse get(const std::string& target, const Headers& headers = {}) const {
    return request("GET", target, headers);
  }
  HttpResponse post_json(const std::string& target, const nlohmann::json& body, Headers headers = {}) const;
  HttpResponse post_form(const std::string& target, const std::string& form, Headers headers = {}) const;
  // Writes bytes as they are and returns everything the server sent until it closed or timeout_ms passed.
  std::string raw(const std::string& bytes, int timeout_ms = 2000) const;

 private:
  std::string host_;
  std::uint16_t port_;
};

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace bs::test
