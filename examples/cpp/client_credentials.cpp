// A badgeserver client on Boost.Beast: registers a client_credentials client (RFC 7591), gets an
// access token with client_secret_basic, introspects it (RFC 7662), revokes it (RFC 7009) and checks
// that it is inactive. Reads BASE_URL (http://host:port) and ADMIN_API_KEY; exits 1 on any surprise.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url.hpp>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
using nlohmann::json;

namespace {

struct Surprise : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check(bool condition, const std::string& what) {
  if (!condition) throw Surprise(what);
}

struct Reply {
  unsigned status = 0;
  std::string body;
  std::string cache_control;
  json as_json() const { return json::parse(body); }
};

class Client {
 public:
  explicit Client(const std::string& base_url) {
    auto url = boost::urls::parse_uri(base_url);
    check(url.has_value() && url->scheme() == "http", "BASE_URL must be http://host:port, got " + base_url);
    host_ = url->host();
    port_ = url->has_port() ? std::string(url->port()) : "80";
  }

  Reply send(http::verb method, const std::string& target, const std::string& content_type, std::string body,
             const std::optional<std::string>& authorization = std::nullopt) {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(tcp::resolver(io).resolve(host_, port_));
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, host_ + ":" + port_);
    req.set(http::field::accept, "application/json");
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    if (authorization) req.set(http::field::authorization, *authorization);
    req.body() = std::move(body);
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return {res.result_int(), res.body(), std::string(res[http::field::cache_control])};
  }

  Reply form(const std::string& target, const std::string& body, const std::string& authorization) {
    return send(http::verb::post, target, "application/x-www-form-urlencoded", body, authorization);
  }

 private:
  std::string host_;
  std::string port_;
};

std::string base64(const std::string& in) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(alphabet[(v >> shift) & 63]);
  }
  if (const auto rest = in.size() - i; rest > 0) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// application/x-www-form-urlencoded value (RFC 6749 appendix B: also for the Basic credentials).
std::string form_encode(const std::string& value) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

int run(const std::string& base_url) {
  Client client(base_url);
  const std::string scope = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly";

  auto registered = client.send(http::verb::post, "/oauth/register", "application/json",
                                json{{"client_name", "C++ example"},
                                     {"grant_types", {"client_credentials"}},
                                     {"response_types", json::array()},
                                     {"token_endpoint_auth_method", "client_secret_basic"},
                                     {"scope", scope}}
                                    .dump());
  check(registered.status == 201,
        "registration: " + std::to_string(registered.status) + " " + registered.body);
  const auto registration = registered.as_json();
  const std::string client_id = registration.at("client_id"), secret = registration.at("client_secret");
  const std::string basic = "Basic " + base64(form_encode(client_id) + ":" + form_encode(secret));

  auto token = client.form("/oauth/token", "grant_type=client_credentials", basic);
  check(token.status == 200, "token: " + std::to_string(token.status) + " " + token.body);
  check(token.cache_control == "no-store", "token response is cacheable");
  const auto tokens = token.as_json();
  check(tokens.at("token_type") == "Bearer" && tokens.at("scope") == scope, "token response: " + token.body);
  const std::string access_token = tokens.at("access_token");

  auto introspect = [&] {
    auto r = client.form("/oauth/introspect", "token=" + form_encode(access_token), basic);
    check(r.status == 200, "introspection: " + std::to_string(r.status) + " " + r.body);
    return r.as_json();
  };
  const auto live = introspect();
  check(live.at("active") == true && live.at("client_id") == client_id && live.at("scope") == scope,
        "introspection of a fresh token: " + live.dump());

  auto revoked = client.form("/oauth/revoke",
                             "token=" + form_encode(access_token) + "&token_type_hint=access_token", basic);
  check(revoked.status == 200, "revocation: " + std::to_string(revoked.status) + " " + revoked.body);
  const auto dead = introspect();
  check(dead == json{{"active", false}}, "introspection of a revoked token: " + dead.dump());

  auto wrong = client.form("/oauth/token", "grant_type=client_credentials",
                           "Basic " + base64(form_encode(client_id) + ":wrong"));
  check(wrong.status == 401 && wrong.as_json().at("error") == "invalid_client",
        "a wrong secret: " + std::to_string(wrong.status) + " " + wrong.body);
  std::cout << "OK C++ client credentials, introspection, revocation\n";
  return 0;
}

}  // namespace

int main() {
  const char* base_url = std::getenv("BASE_URL");
  if (!base_url || !std::getenv("ADMIN_API_KEY")) {
    std::cerr << "set BASE_URL and ADMIN_API_KEY\n";
    return 2;
  }
  try {
    std::string base(base_url);
    while (!base.empty() && base.back() == '/') base.pop_back();
    return run(base);
  } catch (const std::exception& e) {  // a surprise, a JSON field missing, or the network
    std::cerr << "FAIL C++ client credentials: " << e.what() << "\n";
    return 1;
  }
}
