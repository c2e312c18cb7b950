// RFC 7591 client metadata as POST /oauth/register, RFC 7592 updates and the admin API submit it
// (oauth/client_metadata_validation.cpp). The first byte picks the policy (administrator, Open
// Badges strict profile, current service-account flag). Invariants: errors are
// invalid_client_metadata or invalid_redirect_uri; accepted metadata holds no server-assigned or
// null member, stays within the size bound, agrees with the fields returned beside it, grants
// admin scopes only to an administrator's service account, and validating it again (as an update
// that changes nothing does) gives the same result.
#include <cstdint>

#include "fuzz_support.hpp"
#include "oauth/client_metadata_validation.hpp"
#include "oauth/scopes.hpp"

namespace {

using bs::ErrorCode;
using bs::fuzz::require;
using bs::fuzz::require_error;
using namespace bs::oauth;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  MetadataPolicy policy;
  policy.admin = data[0] & 1;
  policy.strict_ob = data[0] & 2;
  policy.service_account = data[0] & 4;
  // The HTTP layer hands over only parsed, UTF-8 JSON (json_object_body).
  auto input = nlohmann::json::parse(bs::fuzz::as_text(data + 1, size - 1), nullptr, false);
  if (input.is_discarded()) return 0;

  auto validated = validate_client_metadata(input, policy);
  if (!validated) {
    require_error(validated.error(), ErrorCode::invalid_client_metadata, ErrorCode::invalid_redirect_uri);
    return 0;
  }
  const auto& m = validated->metadata;
  require(m.is_object(), "metadata is not an object");
  for (const auto& name : server_assigned_members())
    require(!m.contains(name), "kept a server-assigned member");
  require(!m.contains("service_account") && !m.contains("jwks_uri"), "kept a member that must not be stored");
  for (const auto& [name, value] : m.items()) require(!value.is_null(), "kept a null member");
  require(m.dump().size() <= kMaxClientMetadataBytes + 4096, "metadata grew past the size bound");
  require(m["token_endpoint_auth_method"] == validated->token_endpoint_auth_method, "auth method disagrees");
  require(m["grant_types"] == validated->grant_types && !validated->grant_types.empty(),
          "grant types disagree");
  for (const auto& s : validated->scope) {
    require(is_supported_scope(s), "an unknown scope was accepted");
    if (is_admin_scope(s))
      require(policy.admin && validated->service_account, "admin scope outside a service account");
  }
  if (validated->service_account != policy.service_account)
    require(policy.admin, "service_account changed by a caller who is not an administrator");
  if (policy.strict_ob) require(!validated->scope.empty(), "strict profile accepted no scope");

  MetadataPolicy again_policy = policy;
  again_policy.service_account = validated->service_account;
  auto again = validate_client_metadata(m, again_policy);
  require(again.has_value(), "accepted metadata is rejected on a second validation");
  require(again->metadata == m && again->scope == validated->scope &&
              again->grant_types == validated->grant_types &&
              again->token_endpoint_auth_method == validated->token_endpoint_auth_method &&
              again->service_account == validated->service_account,
          "validation is not idempotent");
  return 0;
}
