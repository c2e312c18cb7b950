#include "support/http_client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <fstream>
#include <mutex>

#include <gtest/gtest.h>
#include <unistd.h>

#include "support/secret_recorder.hpp"

namespace bs::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

nlohmann::json HttpResponse::json() const {
  return nlohmann::json::parse(body, nullptr, false);
}

namespace {

// Opt-in exchange recorder for the OpenAPI contract check (tests/contract): with
// BADGESERVER_TEST_RECORD_DIR set, every exchange is appended as one JSON line to a file of this
// process in that directory, for the checker to validate against docs/api/openapi.yaml.
void record_exchange(const std::string& method, const std::string& target, const HttpResponse& response) {
  static const char* dir = std::getenv("BADGESERVER_TEST_RECORD_DIR");
  if (dir == nullptr || *dir == '\0') return;
  static std::mutex mutex;
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  nlohmann::json line = {
      {"test", test ? std::string(test->test_suite_name()) + "." + test->name() : std::string()},
      {"method", method},
      {"path", target.substr(0, target.find('?'))},
      {"status", response.status},
      {"content_type", response.header("content-type")},
      {"body", response.body}};
  std::lock_guard lock(mutex);
  std::ofstream out(std::string(dir) + "/exchanges-" + std::to_string(::getpid()) + ".jsonl", std::ios::app);
  out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

}  // namespace

HttpResponse HttpClient::request(const std::string& method, const std::string& target, const Headers& headers,
                                 const std::string& body) const {
  SecretRecorder::instance().observe_request(target, headers, body);
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(tcp::endpoint(asio::ip::make_address(host_), port_));
  stream.socket().set_option(tcp::no_delay(true));
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
  req.set(bhttp::field::host, host_ + ":" + std::to_string(port_));
  for (const auto& [k, v] : headers) req.insert(k, v);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.body() = body;
    req.prepare_payload();
  }
  stream.expires_after(std::chrono::seconds(30));
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 << 20);
  bhttp::read(stream, buffer, parser);
  auto res = parser.release();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace(name, std::string(f.value()));
  }
  out.body = std::move(res.body());
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  record_exchange(method, target, out);
  SecretRecorder::instance().observe_response(target, out);
  return out;
}

HttpResponse HttpClient::post_json(const std::string& target, const nlohmann::json& body,
                                   Headers headers) const {
  headers.emplace_back("Content-Type", "application/json");
  return request("POST", target, headers, body.dump());
}

HttpResponse HttpClient::post_form(const std::string& target, const std::string& form,
                                   Headers headers) const {
  headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  return request("POST", target, headers, form);
}

std::string HttpClient::raw(const std::string& bytes, int timeout_ms) const {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(tcp::endpoint(asio::ip::make_address(host_), port_));
  beast::error_code ec;
  asio::write(stream.socket(), asio::buffer(bytes), ec);
  std::string out;
  char buf[4096];
  stream.expires_after(std::chrono::milliseconds(timeout_ms));
  while (true) {
    bool done = false;
    stream.async_read_some(asio::buffer(buf), [&](beast::error_code e, std::size_t n) {
      out.append(buf, n);
      if (e) done = true;
    });
    io.restart();
    io.run();
    if (done) break;
  }
  return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params) {
  static const char* hex = "0123456789ABCDEF";
  auto enc = [](const std::string& s) {
    std::string o;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
        o.push_back(static_cast<char>(c));
      } else {
        o.push_back('%');
        o.push_back(hex[c >> 4]);
        o.push_back(hex[c & 15]);
      }
    }
    return o;
  };
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out += enc(k) + "=" + enc(v);
  }
  return out;
}

}  // namespace bs::test
