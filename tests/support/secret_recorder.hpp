// Every credential-like value an integration test sends or receives over HttpClient, so that the
// fixture can check after each test that none of them reached the server's log, and every response
// that tried to set a cookie (the API is cookie-free, so there is nothing to forge a request with).
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "support/http_client.hpp"

namespace bs::test {

class SecretRecorder {
 public:
  static SecretRecorder& instance();

  // Records a value as a secret; short values are ignored (they would match by accident).
  void add(const std::string& value);
  void observe_request(const std::string& target, const Headers& headers, const std::string& body);
  void observe_response(const std::string& target, const HttpResponse& response);

  // Hands over and forgets what was recorded since the last call.
  std::set<std::string> take_secrets();
  std::vector<std::string> take_cookie_setters();  // "<status> <target>: <Set-Cookie value>"

 private:
  void add_from_json(const std::string& text);
  void add_from_form(const std::string& text);
  void add_from_url(const std::string& url);
  void add_from_authorization(const std::string& value);

  std::mutex mutex_;
  std::set<std::string> secrets_;
  std::vector<std::string> cookie_setters_;
};

// Decodes application/x-www-form-urlencoded text (also a URL's query) into name/value pairs.
std::vector<std::pair<std::string, std::string>> form_decode(const std::string& text);

}  // namespace bs::test
