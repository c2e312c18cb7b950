// Client registration: every metadata rule of RFC 7591 / RFC 8252 / the Open Badges 3.0 profile
// (pure validation), and the ClientRegistry's credentials, updates, bulk actions and cache against
// both storage backends.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "crypto/jose.hpp"
#include "oauth/client_metadata_validation.hpp"
#include "oauth/client_registry.hpp"
#include "oauth/scopes.hpp"
#include "store/migrations.hpp"
#include "store/oauth_repositories.hpp"
#include "unit/store_fixture.hpp"

namespace bs::oauth {
namespace {

using nlohmann::json;
using store::testing::FailsWith;
using store::testing::Ok;

const std::string kRead(kScopeCredentialRead);
const std::string kProfile(kScopeProfileRead);

Result<ValidatedMetadata> lenient(const json& m) {
  return validate_client_metadata(m, {});
}
Result<ValidatedMetadata> strict(const json& m) {
  return validate_client_metadata(m, {.strict_ob = true});
}
Result<ValidatedMetadata> as_admin(const json& m) {
  return validate_client_metadata(m, {.admin = true});
}

json web_client() {
  return {{"client_name", "App"}, {"redirect_uris", {"https://app.example.org/cb"}}};
}

json with(json m, const std::string& member, json value) {
  m[member] = std::move(value);
  return m;
}

json without(json m, const std::string& member) {
  m.erase(member);
  return m;
}

json cc_client(const std::string& method = "client_secret_basic") {
  return {{"grant_types", {"client_credentials"}}, {"token_endpoint_auth_method", method}, {"scope", kRead}};
}

json public_jwk(crypto::JwsAlg alg, const std::string& kid = "k1") {
  auto key = crypto::Jwk::generate(alg).value();
  key.kid = kid;
  return key.public_json();
}

// Callers spell the key list json::array({...}): from a one-element braced list, clang copies the
// element where g++ wraps it in an array (nlohmann/json's brace initialization).
json pk_client(json keys, std::optional<std::string> alg = std::nullopt) {
  json m = cc_client("private_key_jwt");
  m["jwks"] = {{"keys", std::move(keys)}};
  if (alg) m["token_endpoint_auth_signing_alg"] = *alg;
  return m;
}

// A request that satisfies the Open Badges 3.0 registration profile.
json ob_client() {
  return {{"client_name", "Badge Wallet"},
          {"client_uri", "https://wallet.example.org/"},
          {"logo_uri", "https://wallet.example.org/logo.png"},
          {"tos_uri", "https://wallet.example.org/terms"},
          {"policy_uri", "https://wallet.example.org/privacy"},
          {"software_id", "c88b6ed8-269e-448e-99be-7e2ff47167d1"},
          {"software_version", "1.0.0"},
          {"redirect_uris", {"https://wallet.example.org/callback"}},
          {"scope", kRead + " " + kProfile + " offline_access"},
          {"token_endpoint_auth_method", "client_secret_basic"},
          {"grant_types", {"authorization_code", "refresh_token"}},
          {"response_types", {"code"}},
          {"contacts", {"ops@wallet.example.org"}}};
}

// The error description names the member at fault.
::testing::AssertionResult Mentions(const Result<ValidatedMetadata>& r, const std::string& word) {
  if (r) return ::testing::AssertionFailure() << "succeeded";
  if (r.error().description.find(word) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "description \"" << r.error().description << "\" lacks " << word;
}

// --- defaults and echo ------------------------------------------------------------------------

TEST(ClientMetadata, DefaultsFollowRfc7591) {
  auto v = lenient(web_client());
  ASSERT_TRUE(Ok(v));
  EXPECT_EQ(v->token_endpoint_auth_method, "client_secret_basic");
  EXPECT_EQ(v->grant_types, std::vector<std::string>{"authorization_code"});
  EXPECT_TRUE(v->scope.empty());
  EXPECT_FALSE(v->service_account);
  EXPECT_EQ(v->metadata["token_endpoint_auth_method"], "client_secret_basic");
  EXPECT_EQ(v->metadata["grant_types"], json({"authorization_code"}));
  EXPECT_EQ(v->metadata["response_types"], json({"code"}));
  EXPECT_EQ(v->metadata["application_type"], "web");
  EXPECT_EQ(v->metadata["client_name"], "App");
  EXPECT_FALSE(v->metadata.contains("scope"));
}

TEST(ClientMetadata, ClientCredentialsDefaultsToNoResponseTypes) {
  auto v = lenient(cc_client());
  ASSERT_TRUE(Ok(v));
  EXPECT_EQ(v->metadata["response_types"], json::array());
  EXPECT_EQ(v->scope, std::vector<std::string>{kRead});
}

TEST(ClientMetadata, EveryDocumentedMemberIsStoredAndEchoed) {
  json m = ob_client();
  m["application_type"] = "web";
  m["client_name#fr"] = "Portefeuille";
  m["logo_uri#fr"] = "https://cdn.example.net/logo-fr.png";
  m["x_vendor_extension"] = {{"nested", {1, 2, 3}}};
  auto v = lenient(m);
  ASSERT_TRUE(Ok(v));
  for (const auto& [name, value] : m.items()) EXPECT_EQ(v->metadata[name], value) << name;
}

TEST(ClientMetadata, NullMembersAreIgnoredAndScopesNormalised) {
  json m = web_client();
  m["logo_uri"] = nullptr;
  m["scope"] = kRead + "  " + kRead + " " + kProfile;
  auto v = lenient(m);
  ASSERT_TRUE(Ok(v));
  EXPECT_FALSE(v->metadata.contains("logo_uri"));
  EXPECT_EQ(v->metadata["scope"], kRead + " " + kProfile);
  EXPECT_EQ(v->scope, (std::vector<std::string>{kRead, kProfile}));
}

// --- types ------------------------------------------------------------------------------------

TEST(ClientMetadata, WrongTypesAreInvalidClientMetadata) {
  const std::vector<std::pair<std::string, json>> cases = {
      {"client_name", 42},
      {"client_name", ""},
      {"client_uri", json::array({"https://a.example"})},
      {"software_id", true},
      {"software_version", 1.0},
      {"scope", json::array({kRead})},
      {"token_endpoint_auth_method", 1},
      {"application_type", json::object()},
      {"redirect_uris", "https://app.example.org/cb"},
      {"redirect_uris", json::array({1})},
      {"grant_types", "authorization_code"},
      {"response_types", json::array({json::array()})},
      {"contacts", "ops@example.org"},
      {"contacts", json::array({"ops@example.org", 7})},
      {"jwks", "{\"keys\":[]}"},
      {"client_name#de", 5},
  };
  for (const auto& [member, value] : cases) {
    auto r = lenient(with(web_client(), member, value));
    EXPECT_TRUE(FailsWith(r, ErrorCode::invalid_client_metadata)) << member << " = " << value.dump();
    EXPECT_TRUE(Mentions(r, member)) << member;
  }
  EXPECT_TRUE(FailsWith(lenient(json::array()), ErrorCode::invalid_client_metadata));
}

TEST(ClientMetadata, ServerAssignedAndReservedMembersAreRefused) {
  for (const char* member :
       {"client_id", "client_secret", "client_id_issued_at", "client_secret_expires_at",
        "registration_access_token", "registration_client_uri", "enabled", "created_at"}) {
    auto r = lenient(with(web_client(), member, "x"));
    EXPECT_TRUE(FailsWith(r, ErrorCode::invalid_client_metadata)) << member;
    EXPECT_TRUE(Mentions(r, member));
  }
}

TEST(ClientMetadata, MetadataSizeIsCapped) {
  auto big = with(web_client(), "x_padding", std::string(kMaxClientMetadataBytes, 'a'));
  EXPECT_TRUE(FailsWith(lenient(big), ErrorCode::invalid_client_metadata));
  auto fits = with(web_client(), "x_padding", std::string(kMaxClientMetadataBytes - 1024, 'a'));
  EXPECT_TRUE(Ok(lenient(fits)));
}

// --- methods, grants, response types ----------------------------------------------------------

TEST(ClientMetadata, AuthMethodsAreTheFiveSupported) {
  for (const char* method : {"none", "client_secret_basic", "client_secret_post", "client_secret_jwt"})
    EXPECT_TRUE(Ok(lenient(with(web_client(), "token_endpoint_auth_method", method)))) << method;
  for (const char* method : {"tls_client_auth", "self_signed_tls_client_auth", "NONE", "client_secret"}) {
    auto r = lenient(with(web_client(), "token_endpoint_auth_method", method));
    EXPECT_TRUE(FailsWith(r, ErrorCode::invalid_client_metadata)) << method;
    EXPECT_TRUE(Mentions(r, method));
  }
  EXPECT_TRUE(uses_client_secret("client_secret_basic"));
  EXPECT_TRUE(uses_client_secret("client_secret_post"));
  EXPECT_TRUE(uses_client_secret("client_secret_jwt"));
  EXPECT_FALSE(uses_client_secret("none"));
  EXPECT_FALSE(uses_client_secret("private_key_jwt"));
}

TEST(ClientMetadata, GrantAndResponseTypes) {
  EXPECT_TRUE(Ok(lenient(with(web_client(), "grant_types", {"authorization_code", "refresh_token"}))));
  // authorization_code beside client_credentials still needs a redirect URI.
  EXPECT_TRUE(
      FailsWith(lenient(with(cc_client(), "grant_types", {"client_credentials", "authorization_code"})),
                ErrorCode::invalid_redirect_uri));
  for (const char* grant : {"implicit", "password", "urn:ietf:params:oauth:grant-type:device_code"}) {
    auto r = lenient(with(web_client(), "grant_types", {grant}));
    EXPECT_TRUE(FailsWith(r, ErrorCode::invalid_client_metadata)) << grant;
    EXPECT_TRUE(Mentions(r, grant));
  }
  EXPECT_TRUE(FailsWith(lenient(with(web_client(), "grant_types", json::array())),
                        ErrorCode::invalid_client_metadata));
  for (const char* type : {"token", "id_token", "code token"})
    EXPECT_TRUE(
        FailsWith(lenient(with(web_client(), "response_types", {type})), ErrorCode::invalid_client_metadata))
        << type;
}

TEST(ClientMetadata, GrantAndResponseTypesMustBeConsistent) {
  auto no_code = lenient(with(web_client(), "response_types", json::array()));
  EXPECT_TRUE(FailsWith(no_code, ErrorCode::invalid_client_metadata));
  auto code_without_grant = lenient(with(cc_client(), "response_types", {"code"}));
  EXPECT_TRUE(FailsWith(code_without_grant, ErrorCode::invalid_client_metadata));
}

TEST(ClientMetadata, AuthorizationCodeNeedsARedirectUri) {
  EXPECT_TRUE(FailsWith(lenient({{"client_name", "x"}}), ErrorCode::invalid_redirect_uri));
  EXPECT_TRUE(FailsWith(lenient(with(web_client(), "redirect_uris", json::array())),
                        ErrorCode::invalid_redirect_uri));
}

TEST(ClientMetadata, ClientCredentialsIsNotForPublicClients) {
  auto r = lenient(cc_client("none"));
  EXPECT_TRUE(FailsWith(r, ErrorCode::invalid_client_metadata));
  EXPECT_TRUE(Mentions(r, "client_credentials"));
  auto pkce = lenient(with(web_client(), "token_endpoint_auth_method", "none"));
  EXPECT_TRUE(Ok(pkce));
}

// --- redirect URIs ------------------------------------------------------------------------------

TEST(ClientMetadata, RedirectUriRules) {
  const std::vector<std::string> good_web = {
      "https://app.example.org/cb",     "https://app.example.org:8443/cb?x=1",
      "http://127.0.0.1:8080/cb",       "http://[::1]/cb",
      "http://localhost:3000/callback", "HTTP://LOCALHOST/cb"};
  for (const auto& uri : good_web)
    EXPECT_TRUE(Ok(lenient(with(web_client(), "redirect_uris", {uri})))) << uri;
  const std::vector<std::string> bad_web = {"/relative/cb",
                                            "app.example.org/cb",
                                            "https://app.example.org/cb#frag",
                                            "https://app.example.org/cb#",
                                            "http://app.example.org/cb",
                                            "http://127.0.0.2/cb",
                                            "http://localhost.example.org/cb",
                                            "https:///cb",
                                            "com.example.app:/cb",
                                            "javascript:alert(1)",
                                            "https://ex%61mple.org/cb",
                                            "not a uri"};
  for (const auto& uri : bad_web) {
    auto r = lenient(with(web_client(), "redirect_uris", {"https://ok.example.org/cb", uri}));
    EXPECT_TRUE(FailsWith(r, ErrorCode::invalid_redirect_uri)) << uri;
  }
}

TEST(ClientMetadata, NativeAppsMayUsePrivateUseSchemes) {
  auto native = with(web_client(), "application_type", "native");
  for (const char* uri : {"com.example.app:/oauth2redirect", "org.example.wallet:/cb",
                          "http://127.0.0.1:51004/cb", "https://app.example.org/cb"})
    EXPECT_TRUE(Ok(lenient(with(native, "redirect_uris", {uri})))) << uri;
  for (const char* uri : {"myapp:/cb", "com.example.app:/cb#x", ".example.app:/cb"})
    EXPECT_TRUE(FailsWith(lenient(with(native, "redirect_uris", {uri})), ErrorCode::invalid_redirect_uri))
        << uri;
  EXPECT_TRUE(FailsWith(lenient(with(web_client(), "application_type", "desktop")),
                        ErrorCode::invalid_client_metadata));
}

// --- informational URIs -------------------------------------------------------------------------

TEST(ClientMetadata, InformationUrisAreAbsoluteHttpUrls) {
  for (const char* member : {"client_uri", "logo_uri", "tos_uri", "policy_uri", "logo_uri#fr"}) {
    EXPECT_TRUE(Ok(lenient(with(web_client(), member, "http://example.org/page")))) << member;
    for (const char* bad :
         {"ftp://example.org/x", "/relative", "example.org", "data:image/png;base64,AAAA"}) {
      auto r = lenient(with(web_client(), member, bad));
      EXPECT_TRUE(FailsWith(r, ErrorCode::invalid_client_metadata)) << member << " " << bad;
      EXPECT_TRUE(Mentions(r, member));
    }
  }
}

// --- keys and assertion algorithms ----------------------------------------------------------------

TEST(ClientMetadata, PrivateKeyJwtNeedsPublicKeys) {
  EXPECT_TRUE(Ok(lenient(pk_client(json::array({public_jwk(crypto::JwsAlg::ES256)})))));
  EXPECT_TRUE(Ok(lenient(
      pk_client(json::array({public_jwk(crypto::JwsAlg::RS256), public_jwk(crypto::JwsAlg::EdDSA, "k2")})))));

  auto missing = lenient(cc_client("private_key_jwt"));
  EXPECT_TRUE(FailsWith(missing, ErrorCode::invalid_client_metadata));
  EXPECT_TRUE(Mentions(missing, "jwks"));
  EXPECT_TRUE(FailsWith(lenient(pk_client(json::array())), ErrorCode::invalid_client_metadata));

  // RFC 8037 Appendix A.1: a valid Ed25519 private key.
  json private_jwk = {{"kty", "OKP"},
                      {"crv", "Ed25519"},
                      {"d", "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"},
                      {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}};
  ASSERT_TRUE(Ok(crypto::Jwk::from_json(private_jwk)));
  auto priv = lenient(pk_client(json::array({public_jwk(crypto::JwsAlg::ES256), private_jwk})));
  EXPECT_TRUE(FailsWith(priv, ErrorCode::invalid_client_metadata));
  EXPECT_TRUE(Mentions(priv, "private"));
  json oct = {{"kty", "oct"}, {"k", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0zMg"}};
  auto sym = lenient(pk_client(json::array({oct})));
  EXPECT_TRUE(FailsWith(sym, ErrorCode::invalid_client_metadata));
  EXPECT_TRUE(Mentions(sym, "symmetric"));
  json broken = {{"kty", "EC"}, {"crv", "P-256"}, {"x", "AAAA"}, {"y", "AAAA"}};
  EXPECT_TRUE(FailsWith(lenient(pk_client(json::array({broken}))), ErrorCode::invalid_client_metadata));
  EXPECT_TRUE(FailsWith(lenient(pk_client(json::array({"not a key"}))), ErrorCode::invalid_client_metadata));

  auto uri = lenient(with(cc_client("private_key_jwt"), "jwks_uri", "https://app.example.org/jwks.json"));
  EXPECT_TRUE(FailsWith(uri, ErrorCode::invalid_client_metadata));
  EXPECT_TRUE(Mentions(uri, "jwks_uri is not supported"));
}

TEST(ClientMetadata, SigningAlgMustFitTheMethodAndKeys) {
  EXPECT_TRUE(Ok(lenient(pk_client(json::array({public_jwk(crypto::JwsAlg::ES256)}), "ES256"))));
  EXPECT_TRUE(Ok(lenient(pk_client(json::array({public_jwk(crypto::JwsAlg::RS256)}), "RS256"))));
  EXPECT_TRUE(Ok(lenient(pk_client(json::array({public_jwk(crypto::JwsAlg::EdDSA)}), "EdDSA"))));
  for (const char* alg : {"HS256", "none", "PS256", "es256"})
    EXPECT_TRUE(FailsWith(lenient(pk_client(json::array({public_jwk(crypto::JwsAlg::ES256)}), alg)),
                          ErrorCode::invalid_client_metadata))
        << alg;
  // RS256 with only an EC key: nothing could verify the assertions.
  EXPECT_TRUE(FailsWith(lenient(pk_client(json::array({public_jwk(crypto::JwsAlg::ES256)}), "RS256")),
                        ErrorCode::invalid_client_metadata));

  auto jwt = with(cc_client("client_secret_jwt"), "token_endpoint_auth_signing_alg", "HS256");
  EXPECT_TRUE(Ok(lenient(jwt)));
  EXPECT_TRUE(FailsWith(lenient(with(jwt, "token_endpoint_auth_signing_alg", "RS256")),
                        ErrorCode::invalid_client_metadata));
  EXPECT_TRUE(FailsWith(lenient(with(cc_client(), "token_endpoint_auth_signing_alg", "HS256")),
                        ErrorCode::invalid_client_metadata));
}

// --- scopes and service accounts ----------------------------------------------------------------

TEST(ClientMetadata, ScopesMustBeKnown) {
  auto r = lenient(with(cc_client(), "scope", kRead + " https://example.org/scope/everything"));
  EXPECT_TRUE(FailsWith(r, ErrorCode::invalid_client_metadata));
  EXPECT_TRUE(Mentions(r, "https://example.org/scope/everything"));
  EXPECT_TRUE(FailsWith(lenient(with(cc_client(), "scope", "a\"b")), ErrorCode::invalid_client_metadata));
}

TEST(ClientMetadata, AdminScopesOnlyForAdminCreatedServiceAccounts) {
  auto admin_scoped = with(cc_client(), "scope", "admin:users " + kRead);
  EXPECT_TRUE(FailsWith(lenient(admin_scoped), ErrorCode::invalid_client_metadata));
  EXPECT_TRUE(
      FailsWith(as_admin(admin_scoped), ErrorCode::invalid_client_metadata));  // not a service account
  auto sa = as_admin(with(admin_scoped, "service_account", true));
  ASSERT_TRUE(Ok(sa));
  EXPECT_TRUE(sa->service_account);
  EXPECT_FALSE(sa->metadata.contains("service_account"));
  EXPECT_EQ(sa->scope, (std::vector<std::string>{"admin:users", kRead}));

  // The open endpoint may not even ask.
  auto r = lenient(with(cc_client(), "service_account", true));
  EXPECT_TRUE(FailsWith(r, ErrorCode::invalid_client_metadata));
  EXPECT_TRUE(Mentions(r, "service_account"));
  EXPECT_TRUE(
      FailsWith(as_admin(with(cc_client(), "service_account", "yes")), ErrorCode::invalid_client_metadata));
  EXPECT_TRUE(Ok(lenient(with(cc_client(), "service_account", nullptr))));

  // A service account updating its own registration keeps, but cannot widen, its admin scopes.
  MetadataPolicy keep{.service_account = true, .kept_admin_scopes = {"admin:users"}};
  EXPECT_TRUE(Ok(validate_client_metadata(admin_scoped, keep)));
  EXPECT_TRUE(FailsWith(validate_client_metadata(with(cc_client(), "scope", "admin:users admin:keys"), keep),
                        ErrorCode::invalid_client_metadata));
  // ... and an administrator can turn the flag off, after which admin scopes no longer fit.
  EXPECT_TRUE(FailsWith(validate_client_metadata(with(admin_scoped, "service_account", false),
                                                 {.admin = true, .service_account = true}),
                        ErrorCode::invalid_client_metadata));
}

// --- the Open Badges 3.0 profile ------------------------------------------------------------------

TEST(ClientMetadataStrict, ValidProfileRequestPasses) {
  auto v = strict(ob_client());
  ASSERT_TRUE(Ok(v));
  EXPECT_EQ(v->scope.size(), 3u);
  // Host comparison ignores case and ports.
  auto m = ob_client();
  m["logo_uri"] = "https://WALLET.example.org:8443/logo.png";
  EXPECT_TRUE(Ok(strict(m)));
}

TEST(ClientMetadataStrict, EveryProfileMemberIsRequired) {
  for (const char* member : {"client_name", "client_uri", "logo_uri", "tos_uri", "policy_uri", "software_id",
                             "software_version", "scope"}) {
    auto r = strict(without(ob_client(), member));
    EXPECT_TRUE(FailsWith(r, ErrorCode::invalid_client_metadata)) << member;
    EXPECT_TRUE(Mentions(r, member));
    EXPECT_TRUE(Ok(lenient(without(ob_client(), member)))) << member;
  }
  EXPECT_TRUE(FailsWith(strict(without(ob_client(), "redirect_uris")), ErrorCode::invalid_redirect_uri));
  EXPECT_TRUE(FailsWith(strict(with(ob_client(), "scope", " ")), ErrorCode::invalid_client_metadata));
}

TEST(ClientMetadataStrict, UrisMustBeHttpsOnTheClientHost) {
  for (const char* member : {"client_uri", "logo_uri", "tos_uri", "policy_uri"}) {
    auto http = with(ob_client(), member, "http://wallet.example.org/page");
    EXPECT_TRUE(FailsWith(strict(http), ErrorCode::invalid_client_metadata)) << member;
    EXPECT_TRUE(Ok(lenient(http))) << member;
  }
  for (const char* member : {"logo_uri", "tos_uri", "policy_uri", "tos_uri#fr"}) {
    auto r = strict(with(ob_client(), member, "https://elsewhere.example.net/page"));
    EXPECT_TRUE(FailsWith(r, ErrorCode::invalid_client_metadata)) << member;
    EXPECT_TRUE(Mentions(r, member));
  }
  EXPECT_TRUE(FailsWith(strict(with(ob_client(), "redirect_uris", {"https://evil.example.net/cb"})),
                        ErrorCode::invalid_redirect_uri));
  EXPECT_TRUE(FailsWith(strict(with(ob_client(), "redirect_uris", {"http://127.0.0.1:8080/cb"})),
                        ErrorCode::invalid_redirect_uri));
  auto native = with(ob_client(), "application_type", "native");
  EXPECT_TRUE(FailsWith(strict(with(native, "redirect_uris", {"org.example.wallet:/cb"})),
                        ErrorCode::invalid_redirect_uri));
  // A subdomain is another host.
  EXPECT_TRUE(FailsWith(strict(with(ob_client(), "logo_uri", "https://cdn.wallet.example.org/logo.png")),
                        ErrorCode::invalid_client_metadata));
}

// --- the registry over a real database ----------------------------------------------------------

class RegistryTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(Ok(store::migrate(db())));
    registry = std::make_unique<ClientRegistry>(db(), secrets,
                                                RegistrationOptions{"https://as.example.org", false, {}});
  }

  RegisteredClient register_ok(const json& m,
                               RegistrationActor actor = {.admin = false, .actor = "registration"}) {
    auto r = registry->register_client(m, actor);
    EXPECT_TRUE(Ok(r));
    return r ? *r : RegisteredClient{};
  }

  std::int64_t client_count() {
    auto page = registry->list({.limit = 1000});
    return page ? static_cast<std::int64_t>(page->items.size()) : -1;
  }

  ClientSecrets secrets{std::string(32, 'h'), std::string(32, 'e')};
  std::unique_ptr<ClientRegistry> registry;
};

TEST_P(RegistryTest, ConfidentialClientGetsHashedSecretAndRegistrationToken) {
  auto c = register_ok(cc_client());
  EXPECT_TRUE(c.record.client_id.starts_with("cli_"));
  ASSERT_TRUE(c.client_secret);
  EXPECT_GE(c.client_secret->size(), 43u);
  ASSERT_TRUE(c.registration_access_token);
  EXPECT_EQ(c.record.created_by, "registration");

  auto stored = store::find_client(db(), c.record.client_id);
  ASSERT_TRUE(Ok(stored));
  ASSERT_TRUE(stored->has_value());
  const auto& s = **stored;
  EXPECT_TRUE(secrets.matches(*c.client_secret, s.client_secret_hash.value()));
  EXPECT_NE(*s.client_secret_hash, *c.client_secret);
  EXPECT_FALSE(s.client_secret_encrypted);
  EXPECT_TRUE(secrets.matches(*c.registration_access_token, s.registration_token_hash.value()));
  EXPECT_EQ(s.grant_types, std::vector<std::string>{"client_credentials"});
  EXPECT_EQ(s.scope, std::vector<std::string>{kRead});

  auto info = registry->client_information(c);
  EXPECT_EQ(info["client_id"], c.record.client_id);
  EXPECT_EQ(info["client_secret"], *c.client_secret);
  EXPECT_EQ(info["client_secret_expires_at"], 0);
  EXPECT_EQ(info["client_id_issued_at"], c.record.created_at);
  EXPECT_EQ(info["registration_access_token"], *c.registration_access_token);
  EXPECT_EQ(info["registration_client_uri"], "https://as.example.org/oauth/register/" + c.record.client_id);
  EXPECT_EQ(info["scope"], kRead);
  EXPECT_EQ(info.dump().find(*s.client_secret_hash), std::string::npos);

  // Read later: no secret or token, but the fields that say one exists.
  auto later = registry->client_information({s, {}, {}});
  EXPECT_FALSE(later.contains("client_secret"));
  EXPECT_FALSE(later.contains("registration_access_token"));
  EXPECT_EQ(later["client_secret_expires_at"], 0);
}

TEST_P(RegistryTest, PublicAndKeyClientsGetNoSecret) {
  auto pub = register_ok(with(web_client(), "token_endpoint_auth_method", "none"));
  EXPECT_FALSE(pub.client_secret);
  EXPECT_FALSE(pub.record.client_secret_hash);
  EXPECT_FALSE(registry->client_information(pub).contains("client_secret_expires_at"));
  auto pk = register_ok(pk_client(json::array({public_jwk(crypto::JwsAlg::ES256)}), "ES256"));
  EXPECT_FALSE(pk.client_secret);
  EXPECT_TRUE(pk.registration_access_token);
}

TEST_P(RegistryTest, ClientSecretJwtKeepsTheSecretEncrypted) {
  auto c = register_ok(cc_client("client_secret_jwt"));
  ASSERT_TRUE(c.client_secret);
  ASSERT_TRUE(c.record.client_secret_encrypted);
  auto plain = secrets.decrypt(*c.record.client_secret_encrypted, c.record.client_id);
  ASSERT_TRUE(Ok(plain));
  EXPECT_EQ(*plain, *c.client_secret);
}

TEST_P(RegistryTest, InvalidMetadataStoresNothing) {
  EXPECT_TRUE(
      FailsWith(registry->register_client(cc_client("none"), {}), ErrorCode::invalid_client_metadata));
  EXPECT_TRUE(FailsWith(registry->register_client({{"redirect_uris", {"http://evil.example/cb"}}}, {}),
                        ErrorCode::invalid_redirect_uri));
  EXPECT_EQ(client_count(), 0);
}

TEST_P(RegistryTest, AdminCreationsMaySetServiceAccountAndSkipTheProfile) {
  ClientRegistry strict_registry(db(), secrets, {"https://as.example.org", true, {}});
  json sa = with(with(cc_client(), "scope", "admin:users"), "service_account", true);
  EXPECT_TRUE(FailsWith(strict_registry.register_client(sa, {}), ErrorCode::invalid_client_metadata));
  auto c = strict_registry.register_client(sa, {.admin = true, .actor = "apikey:ak1"});
  ASSERT_TRUE(Ok(c));
  EXPECT_TRUE(c->record.service_account);
  EXPECT_EQ(c->record.created_by, "apikey:ak1");
  EXPECT_TRUE(c->registration_access_token);
}

TEST_P(RegistryTest, RegistrationTokenAuthenticates) {
  auto c = register_ok(web_client());
  const auto& id = c.record.client_id;
  EXPECT_TRUE(Ok(registry->authenticate_registration(id, *c.registration_access_token)));
  EXPECT_TRUE(FailsWith(registry->authenticate_registration(id, "wrong"), ErrorCode::invalid_token));
  EXPECT_TRUE(FailsWith(registry->authenticate_registration(id, *c.client_secret), ErrorCode::invalid_token));
  EXPECT_TRUE(FailsWith(registry->authenticate_registration("cli_unknown", *c.registration_access_token),
                        ErrorCode::invalid_token));
  auto other = register_ok(web_client());
  EXPECT_TRUE(
      FailsWith(registry->authenticate_registration(other.record.client_id, *c.registration_access_token),
                ErrorCode::invalid_token));
  ASSERT_TRUE(Ok(registry->set_enabled(id, false)));
  EXPECT_TRUE(FailsWith(registry->authenticate_registration(id, *c.registration_access_token),
                        ErrorCode::invalid_token));
}

TEST_P(RegistryTest, ReplacingUpdateFollowsRfc7592) {
  auto c = register_ok(web_client());
  const auto& id = c.record.client_id;
  RegistrationActor self{.admin = false, .actor = "client:" + id};
  auto replacement = with(web_client(), "client_name", "Renamed");

  EXPECT_TRUE(FailsWith(registry->update_client(id, replacement, self, false), ErrorCode::invalid_request));
  EXPECT_TRUE(FailsWith(registry->update_client(id, with(replacement, "client_id", "cli_other"), self, false),
                        ErrorCode::invalid_request));
  replacement["client_id"] = id;
  EXPECT_TRUE(
      FailsWith(registry->update_client(id, with(replacement, "client_secret", "chosen"), self, false),
                ErrorCode::invalid_client_metadata));
  EXPECT_TRUE(
      FailsWith(registry->update_client(id, with(replacement, "redirect_uris", {"ftp://x/cb"}), self, false),
                ErrorCode::invalid_redirect_uri));

  // Echoing the last response back is fine: server-assigned members are dropped.
  auto echoed = registry->client_information(c);
  echoed["client_name"] = "Renamed";
  echoed["logo_uri"] = "https://app.example.org/logo.png";
  auto u = registry->update_client(id, echoed, self, false);
  ASSERT_TRUE(Ok(u));
  EXPECT_FALSE(u->client_secret);
  auto m = client_metadata(u->record);
  EXPECT_EQ(m["client_name"], "Renamed");
  EXPECT_FALSE(m.contains("client_secret"));
  EXPECT_FALSE(m.contains("registration_access_token"));
  EXPECT_TRUE(secrets.matches(*c.client_secret, u->record.client_secret_hash.value()));
  EXPECT_TRUE(Ok(registry->authenticate_registration(id, *c.registration_access_token)));

  // PUT replaces: what is left out is gone.
  auto r = registry->update_client(id, {{"client_id", id}, {"redirect_uris", {"https://app.example.org/cb"}}},
                                   self, false);
  ASSERT_TRUE(Ok(r));
  EXPECT_FALSE(client_metadata(r->record).contains("logo_uri"));
  EXPECT_FALSE(client_metadata(r->record).contains("client_name"));
  EXPECT_TRUE(FailsWith(registry->update_client("cli_unknown", {{"client_id", "cli_unknown"}}, self, false),
                        ErrorCode::not_found));
}

TEST_P(RegistryTest, ChangingTheMethodIssuesOrDropsTheSecret) {
  auto c = register_ok(with(web_client(), "token_endpoint_auth_method", "none"));
  const auto& id = c.record.client_id;
  RegistrationActor admin{.admin = true, .actor = "admin"};
  auto basic =
      registry->update_client(id, {{"token_endpoint_auth_method", "client_secret_basic"}}, admin, true);
  ASSERT_TRUE(Ok(basic));
  ASSERT_TRUE(basic->client_secret);
  EXPECT_TRUE(secrets.matches(*basic->client_secret, basic->record.client_secret_hash.value()));

  auto post =
      registry->update_client(id, {{"token_endpoint_auth_method", "client_secret_post"}}, admin, true);
  ASSERT_TRUE(Ok(post));
  EXPECT_FALSE(post->client_secret);  // same secret, another way to send it
  EXPECT_TRUE(secrets.matches(*basic->client_secret, post->record.client_secret_hash.value()));

  auto jwt = registry->update_client(id, {{"token_endpoint_auth_method", "client_secret_jwt"}}, admin, true);
  ASSERT_TRUE(Ok(jwt));
  ASSERT_TRUE(jwt->client_secret);  // HS256 needs the secret itself, which only its hash was kept of
  EXPECT_EQ(secrets.decrypt(jwt->record.client_secret_encrypted.value(), id).value(), *jwt->client_secret);

  auto none = registry->update_client(id, {{"token_endpoint_auth_method", "none"}}, admin, true);
  ASSERT_TRUE(Ok(none));
  EXPECT_FALSE(none->record.client_secret_hash);
  EXPECT_FALSE(none->record.client_secret_encrypted);
}

TEST_P(RegistryTest, MergeUpdatePatchesAndMayChangeServiceAccount) {
  auto c = register_ok(with(cc_client(), "client_name", "svc"));
  const auto& id = c.record.client_id;
  RegistrationActor admin{.admin = true, .actor = "admin"};
  auto u =
      registry->update_client(id, {{"contacts", {"a@example.org"}}, {"client_name", nullptr}}, admin, true);
  ASSERT_TRUE(Ok(u));
  auto m = client_metadata(u->record);
  EXPECT_FALSE(m.contains("client_name"));
  EXPECT_EQ(m["contacts"], json({"a@example.org"}));
  EXPECT_EQ(m["scope"], kRead);

  EXPECT_TRUE(FailsWith(registry->update_client(id, {{"scope", "admin:users"}}, admin, true),
                        ErrorCode::invalid_client_metadata));
  auto sa = registry->update_client(id, {{"scope", "admin:users"}, {"service_account", true}}, admin, true);
  ASSERT_TRUE(Ok(sa));
  EXPECT_TRUE(sa->record.service_account);
  EXPECT_EQ(sa->record.scope, std::vector<std::string>{"admin:users"});

  // The service account's own RFC 7592 update keeps its admin scope but cannot add another.
  RegistrationActor self{.admin = false, .actor = "client:" + id};
  auto current = client_metadata(sa->record);
  current["client_id"] = id;
  EXPECT_TRUE(Ok(registry->update_client(id, current, self, false)));
  EXPECT_TRUE(
      FailsWith(registry->update_client(id, with(current, "scope", "admin:users admin:keys"), self, false),
                ErrorCode::invalid_client_metadata));
  EXPECT_TRUE(FailsWith(registry->update_client(id, with(current, "service_account", false), self, false),
                        ErrorCode::invalid_client_metadata));
}

TEST_P(RegistryTest, RotateSecretOnlyForSecretClients) {
  auto c = register_ok(cc_client());
  auto rotated = registry->rotate_secret(c.record.client_id);
  ASSERT_TRUE(Ok(rotated));
  ASSERT_TRUE(rotated->client_secret);
  EXPECT_NE(*rotated->client_secret, *c.client_secret);
  auto stored = store::find_client(db(), c.record.client_id).value().value();
  EXPECT_TRUE(secrets.matches(*rotated->client_secret, stored.client_secret_hash.value()));
  EXPECT_FALSE(secrets.matches(*c.client_secret, stored.client_secret_hash.value()));

  auto jwt = register_ok(cc_client("client_secret_jwt"));
  auto rotated_jwt = registry->rotate_secret(jwt.record.client_id);
  ASSERT_TRUE(Ok(rotated_jwt));
  EXPECT_EQ(
      secrets.decrypt(rotated_jwt->record.client_secret_encrypted.value(), jwt.record.client_id).value(),
      *rotated_jwt->client_secret);

  auto pub = register_ok(with(web_client(), "token_endpoint_auth_method", "none"));
  EXPECT_TRUE(FailsWith(registry->rotate_secret(pub.record.client_id), ErrorCode::invalid_request));
  auto pk = register_ok(pk_client(json::array({public_jwk(crypto::JwsAlg::ES256)})));
  EXPECT_TRUE(FailsWith(registry->rotate_secret(pk.record.client_id), ErrorCode::invalid_request));
  EXPECT_TRUE(FailsWith(registry->rotate_secret("cli_unknown"), ErrorCode::not_found));
}

TEST_P(RegistryTest, BulkIsAllOrNothing) {
  auto a = register_ok(cc_client());
  auto b = register_ok(cc_client());
  const std::vector<std::string> ids = {a.record.client_id, b.record.client_id};

  auto bad = registry->bulk("disable", {ids[0], "cli_missing", ids[1]});
  EXPECT_TRUE(FailsWith(bad, ErrorCode::not_found));
  EXPECT_NE(bad.error().description.find("cli_missing"), std::string::npos);
  for (const auto& id : ids) EXPECT_TRUE(store::find_client(db(), id).value()->enabled);

  auto disabled = registry->bulk("disable", ids);
  ASSERT_TRUE(Ok(disabled));
  EXPECT_EQ((*disabled)["action"], "disable");
  EXPECT_EQ((*disabled)["affected"], 2);
  EXPECT_EQ((*disabled)["client_ids"], json(ids));
  for (const auto& id : ids) EXPECT_FALSE(store::find_client(db(), id).value()->enabled);
  EXPECT_TRUE(Ok(registry->bulk("enable", ids)));
  for (const auto& id : ids) EXPECT_TRUE(store::find_client(db(), id).value()->enabled);

  store::OAuthToken t;
  t.jti = "jti-1";
  t.kind = "access";
  t.client_id = ids[0];
  t.subject = ids[0];
  t.audience = "https://as.example.org";
  t.issued_at = store::unix_now();
  t.expires_at = t.issued_at + 3600;
  ASSERT_TRUE(Ok(store::insert_token(db(), t)));
  auto revoked = registry->bulk("revoke_tokens", ids);
  ASSERT_TRUE(Ok(revoked));
  EXPECT_EQ((*revoked)["affected"], 1);

  EXPECT_TRUE(FailsWith(registry->bulk("explode", ids), ErrorCode::invalid_request));
  EXPECT_TRUE(FailsWith(registry->bulk("delete", {}), ErrorCode::invalid_request));
  auto deleted = registry->bulk("delete", {ids[0], ids[1], ids[0]});
  ASSERT_TRUE(Ok(deleted));
  EXPECT_EQ((*deleted)["affected"], 2);
  EXPECT_EQ(client_count(), 0);
}

TEST_P(RegistryTest, FindCachesAndLocalChangesInvalidate) {
  auto c = register_ok(cc_client());
  const auto& id = c.record.client_id;
  EXPECT_FALSE(registry->find("cli_later").value());
  ASSERT_TRUE(registry->find(id).value());
  EXPECT_TRUE((*registry->find(id))->enabled);

  // A change made elsewhere (another instance) is not seen until the entry expires ...
  ASSERT_TRUE(Ok(store::set_client_enabled(db(), id, false, store::unix_now())));
  EXPECT_TRUE((*registry->find(id))->enabled);
  EXPECT_FALSE((*registry->find_fresh(id))->enabled);
  // ... while one made through the registry is seen at once.
  ASSERT_TRUE(Ok(registry->set_enabled(id, true)));
  ASSERT_TRUE(Ok(registry->set_enabled(id, false)));
  EXPECT_FALSE((*registry->find(id))->enabled);
  ASSERT_TRUE(Ok(registry->delete_client(id)));
  EXPECT_FALSE(registry->find(id).value());
  EXPECT_TRUE(FailsWith(registry->delete_client(id), ErrorCode::not_found));
  EXPECT_TRUE(FailsWith(registry->set_enabled(id, true), ErrorCode::not_found));
}

// A client in use is re-read before its entry expires (so its requests never meet a miss), and a
// change made elsewhere is still seen within kCacheSeconds; an unused entry is left to expire.
TEST_P(RegistryTest, HotEntriesAreRefreshedAheadOfExpiry) {
  auto hot = register_ok(cc_client());
  auto cold = register_ok(cc_client());
  const auto& hot_id = hot.record.client_id;
  const auto& cold_id = cold.record.client_id;
  ASSERT_TRUE(registry->find(hot_id).value());
  ASSERT_TRUE(registry->find(cold_id).value());
  ASSERT_TRUE(Ok(store::set_client_enabled(db(), hot_id, false, store::unix_now())));
  ASSERT_TRUE(Ok(store::set_client_enabled(db(), cold_id, false, store::unix_now())));
  // Too early: nothing is due, and the cache still answers what it read.
  registry->refresh_hot_entries();
  ASSERT_TRUE(registry->find_cached(hot_id));
  EXPECT_TRUE(registry->find_cached(hot_id)->enabled);
  // Within kRefreshAheadSeconds of the expiry, the used entry is re-read; the unused one is not.
  // (Read at T: expires at T+5 whole seconds; after 3 s it is 1 to 2 s from expiry.)
  std::this_thread::sleep_for(
      std::chrono::seconds(ClientRegistry::kCacheSeconds - ClientRegistry::kRefreshAheadSeconds));
  registry->refresh_hot_entries();
  auto refreshed = registry->find_cached(hot_id);
  ASSERT_TRUE(refreshed);
  EXPECT_FALSE(refreshed->enabled);
  // cold was not looked up since its read: its entry expires as it would have.
  std::this_thread::sleep_for(std::chrono::seconds(ClientRegistry::kRefreshAheadSeconds));
  EXPECT_FALSE(registry->find_cached(cold_id));
  EXPECT_TRUE(registry->find_cached(hot_id));  // refreshed: valid for another kCacheSeconds
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryTest,
                         ::testing::Values(store::testing::Backend::sqlite,
                                           store::testing::Backend::postgres),
                         store::testing::backend_name);

}  // namespace
}  // namespace bs::oauth
