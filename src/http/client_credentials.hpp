// Takes apart what a client presented at a token-style endpoint: the Basic header (base64, then
// form-decoding of id and secret, RFC 6749 §2.3.1) and the client_* form parameters.
#pragma once

#include "common/params.hpp"
#include "http/message.hpp"
#include "oauth/client_auth.hpp"

namespace bs::http {

oauth::PresentedClientCredentials presented_client_credentials(const Request& request, const Params& form);

}  // namespace bs::http
