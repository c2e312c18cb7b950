// The credentials a request presents: Authorization (Bearer) and X-API-Key as every protected
// endpoint reads them (http/authenticate.cpp credentials_of), and client authentication at the
// token-style endpoints: the Basic header and the client_* form parameters
// (http/client_credentials.cpp). Input: header lines "<selector byte><value>" separated by '\n',
// then after a NUL byte a form body. Invariants: a bearer token is one non-empty word from the
// single Authorization header; a malformed header yields no bearer; an API key is the header's exact
// value; Basic credentials name a client and survive being encoded again (RFC 6749 §2.3.1).
#include <array>
#include <cstdint>

#include "crypto/encoding.hpp"
#include "fuzz_support.hpp"
#include "http/authenticate.hpp"
#include "http/body.hpp"
#include "http/client_credentials.hpp"

namespace {

using bs::fuzz::require;

constexpr std::array<std::string_view, 4> kHeaders = {"authorization", "x-api-key", "dpop", "content-type"};

std::string form_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

void check_basic_round_trip(const bs::http::Request& request, const bs::Params& form,
                            const std::pair<std::string, std::string>& basic) {
  bs::http::Request again = request;
  std::erase_if(again.headers, [](const auto& h) { return h.first == "authorization"; });
  again.headers.emplace_back(
      "authorization",
      "Basic " + bs::crypto::base64_encode(form_encode(basic.first) + ":" + form_encode(basic.second)));
  auto presented = bs::http::presented_client_credentials(again, form);
  require(presented.basic == basic, "Basic credentials do not survive encoding again");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = bs::fuzz::as_text(data, size);
  const auto split = input.find('\0');
  bs::http::Request request;
  request.method = "POST";
  request.remote_addr = "192.0.2.1";
  bs::fuzz::Fields lines(input.substr(0, split), '\n');
  while (!lines.empty()) {
    auto line = lines.next();
    if (line.empty()) continue;
    const auto name = kHeaders[static_cast<unsigned char>(line[0]) % kHeaders.size()];
    request.headers.emplace_back(std::string(name), std::string(line.substr(1)));
  }
  const auto form_text = split == std::string_view::npos ? std::string_view{} : input.substr(split + 1);
  auto form = bs::http::parse_form(form_text);
  if (!form) form.emplace();

  const auto credentials = bs::http::credentials_of(request);
  const auto authorizations = request.header_count("authorization");
  const auto api_keys = request.header_count("x-api-key");
  if (credentials.bearer) {
    require(!credentials.malformed_authorization, "a bearer token from a malformed header");
    require(authorizations == 1, "a bearer token without exactly one Authorization header");
    require(!credentials.bearer->empty() && credentials.bearer->find(' ') == std::string::npos,
            "a bearer token that is not one word");
    require(request.header("authorization")->find(*credentials.bearer) != std::string_view::npos,
            "a bearer token that is not in the header");
  }
  if (authorizations > 1 || api_keys > 1)
    require(credentials.malformed_authorization && !credentials.bearer && !credentials.api_key,
            "repeated credentials headers were read");
  if (credentials.api_key) {
    require(api_keys == 1 && *request.header("x-api-key") == *credentials.api_key, "API key altered");
  } else if (!credentials.malformed_authorization) {
    require(api_keys == 0, "an X-API-Key header was dropped");
  }

  const auto presented = bs::http::presented_client_credentials(request, *form);
  require(presented.ip == request.remote_addr, "client IP lost");
  require(presented.client_id == form->get("client_id") &&
              presented.client_secret == form->get("client_secret") &&
              presented.client_assertion == form->get("client_assertion") &&
              presented.client_assertion_type == form->get("client_assertion_type"),
          "form credentials altered");
  require(!(presented.basic && presented.basic_malformed), "Basic both read and malformed");
  if (presented.basic) {
    require(!presented.basic->first.empty(), "Basic credentials without a client_id");
    check_basic_round_trip(request, *form, *presented.basic);
  }
  if (presented.basic || presented.basic_malformed) require(authorizations >= 1, "Basic without a header");
  return 0;
}
