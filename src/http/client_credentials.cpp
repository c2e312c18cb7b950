#include "http/client_credentials.hpp"

#include "crypto/encoding.hpp"
#include "http/body.hpp"

namespace bs::http {

oauth::PresentedClientCredentials presented_client_credentials(const Request& request, const Params& form) {
  oauth::PresentedClientCredentials p;
  p.ip = request.remote_addr;
  p.client_id = form.get("client_id");
  p.client_secret = form.get("client_secret");
  p.client_assertion = form.get("client_assertion");
  p.client_assertion_type = form.get("client_assertion_type");
  if (auto h = request.header("authorization")) {
    std::string_view v = *h;
    if (v.size() > 6 && iequals(v.substr(0, 6), "Basic ")) {
      v.remove_prefix(6);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      auto decoded = crypto::base64_decode(v);
      auto colon = decoded ? decoded->find(':') : std::string::npos;
      if (!decoded || colon == std::string::npos) {
        p.basic_malformed = true;
      } else {
        auto id = form_decode(std::string_view(*decoded).substr(0, colon));
        auto secret = form_decode(std::string_view(*decoded).substr(colon + 1));
        if (!id || !secret || id->empty()) {
          p.basic_malformed = true;
        } else {
          p.basic = std::make_pair(std::move(*id), std::move(*secret));
        }
      }
    }
  }
  return p;
}

}  // namespace bs::http
