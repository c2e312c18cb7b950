#include "support/secret_recorder.hpp"

#include <nlohmann/json.hpp>

#include "crypto/encoding.hpp"

namespace bs::test {

namespace {

// Names whose values are credentials, in JSON bodies, forms and URL queries.
const std::set<std::string>& secret_names() {
  static const std::set<std::string> names = {
      "access_token",   "refresh_token", "client_secret",    "code",  "password",
      "api_key",        "code_verifier", "client_assertion", "token", "registration_access_token",
      "interaction_id", "interaction",   "request_uri"};
  return names;
}

// Ids that are too short to be secrets are not worth the false alarms ("x", "abc").
constexpr std::size_t kMinSecretLength = 12;

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> form_decode(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto amp = text.find('&', pos);
    auto pair = text.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    auto eq = pair.find('=');
    if (eq != std::string::npos)
      out.emplace_back(percent_decode(pair.substr(0, eq)), percent_decode(pair.substr(eq + 1)));
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return out;
}

SecretRecorder& SecretRecorder::instance() {
  static SecretRecorder recorder;
  return recorder;
}

void SecretRecorder::add(const std::string& value) {
  if (value.size() < kMinSecretLength) return;
  std::lock_guard lock(mutex_);
  secrets_.insert(value);
}

void SecretRecorder::add_from_form(const std::string& text) {
  for (const auto& [name, value] : form_decode(text))
    if (secret_names().count(name)) add(value);
}

void SecretRecorder::add_from_url(const std::string& url) {
  auto q = url.find('?');
  if (q != std::string::npos) add_from_form(url.substr(q + 1));
  // The interaction id travels in the path: /oauth/interactions/<id>[/...].
  const std::string marker = "/oauth/interactions/";
  auto at = url.find(marker);
  if (at != std::string::npos) {
    auto start = at + marker.size();
    auto end = url.find_first_of("/?#", start);
    add(url.substr(start, end == std::string::npos ? std::string::npos : end - start));
  }
}

void SecretRecorder::add_from_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  // Walks the document: credentials can sit in nested objects (an interaction inside a 409).
  std::vector<const nlohmann::json*> stack = {&j};
  while (!stack.empty()) {
    const auto* node = stack.back();
    stack.pop_back();
    if (node->is_array()) {
      for (const auto& v : *node) stack.push_back(&v);
    } else if (node->is_object()) {
      for (const auto& [k, v] : node->items()) {
        if (v.is_string() && secret_names().count(k)) add(v.get<std::string>());
        if (v.is_string() && k == "redirect_to") add_from_url(v.get<std::string>());
        if (v.is_structured()) stack.push_back(&v);
      }
    }
  }
}

void SecretRecorder::add_from_authorization(const std::string& value) {
  auto space = value.find(' ');
  if (space == std::string::npos) return add(value);
  const auto scheme = value.substr(0, space);
  const auto credentials = value.substr(space + 1);
  if (scheme == "Basic") {
    auto decoded = crypto::base64_decode(credentials);
    if (!decoded) return;
    auto colon = decoded->find(':');
    if (colon != std::string::npos) add(percent_decode(decoded->substr(colon + 1)));
    return;
  }
  add(credentials);
}

void SecretRecorder::observe_request(const std::string& target, const Headers& headers,
                                     const std::string& body) {
  add_from_url(target);
  for (const auto& [name, value] : headers) {
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "authorization") add_from_authorization(value);
    if (lower == "x-api-key" || lower == "dpop") add(value);
  }
  if (!body.empty() && (body.front() == '{' || body.front() == '[')) {
    add_from_json(body);
  } else {
    add_from_form(body);
  }
}

void SecretRecorder::observe_response(const std::string& target, const HttpResponse& response) {
  add_from_json(response.body);
  add_from_url(response.header("location"));
  auto [begin, end] = response.headers.equal_range("set-cookie");
  std::lock_guard lock(mutex_);
  for (auto it = begin; it != end; ++it)
    cookie_setters_.push_back(std::to_string(response.status) + " " + target + ": " + it->second);
}

std::set<std::string> SecretRecorder::take_secrets() {
  std::lock_guard lock(mutex_);
  return std::exchange(secrets_, {});
}

std::vector<std::string> SecretRecorder::take_cookie_setters() {
  std::lock_guard lock(mutex_);
  return std::exchange(cookie_setters_, {});
}

}  // namespace bs::test
