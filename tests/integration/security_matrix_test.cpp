// The security test matrix over real HTTP: each attack gets the exact error a conforming server
// gives (status, error code, headers) and a check that it changed nothing (no token issued, no code
// spent, nothing revoked that should live). The fixture adds two checks to every integration test:
// no credential reaches the server log, and no response sets a cookie.
#include <fstream>
#include <thread>

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "support/fixture.hpp"
#include "support/oauth_helpers.hpp"
#include "support/secret_recorder.hpp"

namespace bs::test {
namespace {

const std::string kRedirect = "https://wallet.example.org/cb";
const std::string kAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

std::map<std::string, std::string> query_of(const std::string& url) {
  std::map<std::string, std::string> out;
  auto q = url.find('?');
  if (q == std::string::npos) return out;
  for (auto& [k, v] : form_decode(url.substr(q + 1))) out[k] = v;
  return out;
}

struct Pkce {
  std::string verifier = crypto::random_token(32);
  std::string challenge = crypto::base64url_encode(crypto::sha256(verifier));
};

// A compact JWS with whatever header the attacker likes, signed with the attacker's key.
std::string forge(const nlohmann::json& header, const nlohmann::json& claims, const crypto::Jwk& key) {
  return crypto::sign_jws(header, claims.dump(), key).value();
}

std::string unsigned_jwt(const nlohmann::json& header, const nlohmann::json& claims) {
  return crypto::base64url_encode(header.dump()) + "." + crypto::base64url_encode(claims.dump()) + ".";
}

crypto::Jwk attacker_key(const std::string& kid) {
  auto key = crypto::Jwk::generate(crypto::JwsAlg::ES256).value();
  key.kid = kid;
  key.alg = crypto::JwsAlg::ES256;
  return key;
}

class SecurityMatrixTest : public ServerTest {
 protected:
  // Every client_credentials token gets a row, so tokens_issued sees what a refused request did
  // not issue.
  std::vector<std::string> server_args() const override {
    return {"--record-client-credentials-tokens", "true"};
  }
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    user = create_user("learner@example.org");
    session = login("learner@example.org");
  }

  nlohmann::json register_client(nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json m = {{"client_name", "Wallet"},
                        {"redirect_uris", {kRedirect}},
                        {"grant_types", {"authorization_code", "refresh_token"}},
                        {"response_types", {"code"}},
                        {"token_endpoint_auth_method", "none"},
                        {"scope", kCredentialRead + " " + kProfileRead + " offline_access"}};
    for (auto& [k, v] : extra.items()) m[k] = v;
    auto r = client().post_json("/oauth/register", m);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  nlohmann::json cc_client(nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json m = {{"client_name", "svc"},
                        {"grant_types", {"client_credentials"}},
                        {"response_types", nlohmann::json::array()},
                        {"token_endpoint_auth_method", "client_secret_basic"},
                        {"scope", kCredentialRead + " " + kProfileRead}};
    for (auto& [k, v] : extra.items()) m[k] = v;
    auto r = client().post_json("/oauth/register", m);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  // A client_credentials client whose tokens carry admin:users, so they work on the admin API: the
  // positive control for every forged-token case below.
  nlohmann::json service_account() {
    auto r = client().post_json("/api/v1/clients",
                                {{"client_name", "ops bot"},
                                 {"grant_types", {"client_credentials"}},
                                 {"token_endpoint_auth_method", "client_secret_basic"},
                                 {"scope", "admin:users"},
                                 {"service_account", true}},
                                admin());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  std::string cc_token(const nlohmann::json& c) {
    auto r = client().post_form("/oauth/token", "grant_type=client_credentials",
                                {{"Authorization", basic_auth(c["client_id"], c["client_secret"])}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().value("access_token", "");
  }

  std::string authorize_query(const nlohmann::json& c, const Pkce& pkce, const std::string& scope,
                              const std::string& redirect = kRedirect) {
    return "/oauth/authorize?" + form_encode({{"response_type", "code"},
                                              {"client_id", c["client_id"]},
                                              {"redirect_uri", redirect},
                                              {"scope", scope},
                                              {"state", "st-1"},
                                              {"code_challenge", pkce.challenge},
                                              {"code_challenge_method", "S256"}});
  }
  HttpResponse authorize(const std::string& target) {
    return client().get(target, {{"Accept", "application/json"}});
  }
  // authorize -> login -> consent(accept): the redirect the client receives.
  std::string consent_redirect(const nlohmann::json& c, const Pkce& pkce, const std::string& scope) {
    auto a = authorize(authorize_query(c, pkce, scope));
    EXPECT_EQ(a.status, 200) << a.body;
    const std::string id = a.json().value("interaction_id", "");
    Headers as_user = {{"Authorization", "Bearer " + session}, {"Accept", "application/json"}};
    auto l = client().post_json("/oauth/interactions/" + id + "/login", nlohmann::json::object(), as_user);
    EXPECT_EQ(l.status, 200) << l.body;
    auto d = client().post_json("/oauth/interactions/" + id + "/consent", {{"decision", "accept"}}, as_user);
    EXPECT_EQ(d.status, 200) << d.body;
    return d.json().value("redirect_to", "");
  }
  std::string code_for(const nlohmann::json& c, const Pkce& pkce,
                       const std::string& scope = kCredentialRead) {
    return query_of(consent_redirect(c, pkce, scope))["code"];
  }
  HttpResponse exchange(const nlohmann::json& c, const std::string& code,
                        const std::optional<std::string>& verifier, const std::string& redirect = kRedirect) {
    std::vector<std::pair<std::string, std::string>> form = {{"grant_type", "authorization_code"},
                                                             {"client_id", c["client_id"]},
                                                             {"code", code},
                                                             {"redirect_uri", redirect}};
    if (verifier) form.emplace_back("code_verifier", *verifier);
    return client().post_form("/oauth/token", form_encode(form));
  }
  HttpResponse refresh(const nlohmann::json& c, const std::string& refresh_token) {
    return client().post_form("/oauth/token", form_encode({{"grant_type", "refresh_token"},
                                                           {"client_id", c["client_id"]},
                                                           {"refresh_token", refresh_token}}));
  }
  nlohmann::json introspect_as_admin(const std::string& token) {
    auto r = client().post_form("/oauth/introspect", form_encode({{"token", token}}), admin());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
  // How many access tokens the server ever issued to a client (revoked ones included).
  std::size_t tokens_issued(const nlohmann::json& c) {
    auto r = client().get(
        "/api/v1/tokens?include_inactive=true&client_id=" + c["client_id"].get<std::string>(), admin());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["items"].size();
  }
  std::string token_endpoint() const { return server->base_url() + "/oauth/token"; }

  // The exact RFC 6750 answer to a bad bearer token at a protected endpoint.
  void expect_invalid_token(const HttpResponse& r) {
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.json()["error"], "invalid_token") << r.body;
    EXPECT_TRUE(
        r.header("www-authenticate").starts_with("Bearer realm=\"badgeserver\", error=\"invalid_token\""))
        << r.header("www-authenticate");
    EXPECT_EQ(r.header("cache-control"), "no-store");
  }
  // The exact RFC 6749 §5.2 answer to a failed client authentication without Basic.
  void expect_invalid_client(const HttpResponse& r) {
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.json()["error"], "invalid_client") << r.body;
    EXPECT_EQ(r.header("cache-control"), "no-store");
    EXPECT_FALSE(r.json().contains("access_token"));
  }
  void expect_invalid_grant(const HttpResponse& r) {
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json()["error"], "invalid_grant") << r.body;
    EXPECT_EQ(r.header("cache-control"), "no-store");
    EXPECT_FALSE(r.json().contains("access_token"));
  }

  nlohmann::json user;
  std::string session;
};

// --- open redirects -------------------------------------------------------------------------------

TEST_F(SecurityMatrixTest, OpenRedirectAttemptsAreA400JsonNeverARedirect) {
  auto c = register_client();
  Pkce pkce;
  const std::vector<std::string> attempts = {
      "https://evil.example.com/cb",                     // another host
      "https://wallet.example.org/cb/../../evil",        // suffix (path traversal)
      "https://wallet.example.org/cbx",                  // suffix
      "https://wallet.example.org/c",                    // prefix
      "https://wallet.example.org",                      // prefix (origin only)
      "https://wallet.example.org/CB",                   // case of the path
      "HTTPS://WALLET.EXAMPLE.ORG/cb",                   // case of scheme and host: still not the string
      "https://evil.example.com@wallet.example.org/cb",  // userinfo
      "https://wallet.example.org@evil.example.com/cb",  // userinfo pointing elsewhere
      "https://wallet.example.org/cb#evil",              // fragment
      "https://wallet.example.org/cb?next=https://evil.example.com",  // extra query
      "https://wallet.example.org/%63b",                              // percent-encoded path
      "https%3A%2F%2Fwallet.example.org%2Fcb",                        // encoded whole URI
      "https://wallet.example.org./cb",                               // trailing dot host
      "http://wallet.example.org/cb",                                 // scheme downgrade
      "https://wallet.example.org:443/cb",                            // explicit default port
      "//evil.example.com/cb",                                        // scheme-relative
      " https://wallet.example.org/cb",                               // leading space
  };
  for (const auto& uri : attempts) {
    for (bool json : {true, false}) {
      Headers h;
      if (json) h.emplace_back("Accept", "application/json");
      auto r = client().get(authorize_query(c, pkce, kCredentialRead, uri), h);
      EXPECT_EQ(r.status, 400) << uri << " " << r.body;
      EXPECT_EQ(r.header("location"), "") << uri;
      EXPECT_EQ(r.header("content-type"), "application/json") << uri;
      EXPECT_EQ(r.json()["error"], "invalid_request") << uri;
      EXPECT_EQ(r.json()["error_description"], "redirect_uri does not match a registered one") << uri;
      EXPECT_FALSE(r.json().contains("redirect_to")) << uri;
      EXPECT_FALSE(r.json().contains("interaction_id")) << uri;
    }
  }
  // The same attempts through PAR are refused before anything is stored.
  auto conf = register_client({{"token_endpoint_auth_method", "client_secret_basic"}});
  for (const auto& uri : {attempts[0], attempts[2], attempts[9]}) {
    auto pushed =
        client().post_form("/oauth/par",
                           form_encode({{"response_type", "code"},
                                        {"redirect_uri", uri},
                                        {"code_challenge", pkce.challenge},
                                        {"code_challenge_method", "S256"}}),
                           {{"Authorization", basic_auth(conf["client_id"], conf["client_secret"])}});
    EXPECT_EQ(pushed.status, 400) << uri << " " << pushed.body;
    EXPECT_EQ(pushed.json()["error"], "invalid_request") << uri;
    EXPECT_FALSE(pushed.json().contains("request_uri")) << uri;
  }
  // Nothing was issued, and the registered URI still works (the control that makes the above mean
  // something).
  EXPECT_EQ(tokens_issued(c), 0u);
  auto ok = authorize(authorize_query(c, pkce, kCredentialRead));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["state"], "login_required");
}

// --- PKCE -------------------------------------------------------------------------------------------

TEST_F(SecurityMatrixTest, PkceDowngradeIsRefused) {
  auto c = register_client();
  Pkce pkce;
  auto redirected_error = [&](std::vector<std::pair<std::string, std::string>> extra) {
    std::vector<std::pair<std::string, std::string>> params = {{"response_type", "code"},
                                                               {"client_id", c["client_id"]},
                                                               {"redirect_uri", kRedirect},
                                                               {"scope", kCredentialRead},
                                                               {"state", "st-1"}};
    params.insert(params.end(), extra.begin(), extra.end());
    auto r = authorize("/oauth/authorize?" + form_encode(params));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_FALSE(r.json().contains("interaction_id")) << r.body;
    const std::string to = r.json().value("redirect_to", "");
    EXPECT_TRUE(to.starts_with(kRedirect + "?")) << to;
    auto q = query_of(to);
    EXPECT_FALSE(q.count("code")) << to;
    EXPECT_EQ(q["state"], "st-1");
    EXPECT_EQ(q["iss"], server->base_url());
    return q["error"];
  };
  // plain method, no method (plain by default), no challenge at all.
  EXPECT_EQ(redirected_error({{"code_challenge", pkce.verifier}, {"code_challenge_method", "plain"}}),
            "invalid_request");
  EXPECT_EQ(redirected_error({{"code_challenge", pkce.challenge}}), "invalid_request");
  EXPECT_EQ(redirected_error({}), "invalid_request");
  // The metadata offers S256 only.
  auto meta = client().get("/.well-known/oauth-authorization-server").json();
  EXPECT_EQ(meta["code_challenge_methods_supported"], nlohmann::json({"S256"}));

  // At the token endpoint: a code issued with PKCE, redeemed without a verifier, with the verifier of
  // another challenge, or with the challenge itself (a plain-method replay).
  Pkce other;
  const std::vector<std::optional<std::string>> wrong = {std::nullopt, other.verifier, pkce.challenge};
  for (const auto& verifier : wrong) {
    auto code = code_for(c, pkce);
    auto r = exchange(c, code, verifier);
    expect_invalid_grant(r);
  }
  EXPECT_EQ(tokens_issued(c), 0u);
  // Control: the right verifier gets a token.
  auto good = exchange(c, code_for(c, pkce), pkce.verifier);
  EXPECT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(tokens_issued(c), 1u);
}

// --- code injection and mix-up ----------------------------------------------------------------------

TEST_F(SecurityMatrixTest, AuthorizationCodeInjectionIsRefused) {
  auto victim = register_client();
  auto attacker = register_client();
  auto confidential_attacker = register_client({{"token_endpoint_auth_method", "client_secret_basic"}});
  Pkce pkce;
  // The attacker's client redeems the victim's code (with the victim's verifier, even).
  auto stolen = code_for(victim, pkce);
  auto r = exchange(attacker, stolen, pkce.verifier);
  expect_invalid_grant(r);
  EXPECT_EQ(r.json()["error_description"], "the code was issued to another client");
  auto r2 = client().post_form("/oauth/token",
                               form_encode({{"grant_type", "authorization_code"},
                                            {"code", code_for(victim, pkce)},
                                            {"redirect_uri", kRedirect},
                                            {"code_verifier", pkce.verifier}}),
                               {{"Authorization", basic_auth(confidential_attacker["client_id"],
                                                             confidential_attacker["client_secret"])}});
  expect_invalid_grant(r2);
  // Injected into the right client but through another redirect_uri.
  auto elsewhere = exchange(victim, code_for(victim, pkce), pkce.verifier, "https://evil.example.com/cb");
  expect_invalid_grant(elsewhere);
  EXPECT_EQ(elsewhere.json()["error_description"],
            "redirect_uri must repeat the one of the authorization request");
  EXPECT_EQ(tokens_issued(victim), 0u);
  EXPECT_EQ(tokens_issued(attacker), 0u);
  EXPECT_EQ(tokens_issued(confidential_attacker), 0u);
  // The injection did not spend the victim's code.
  auto victims = exchange(victim, stolen, pkce.verifier);
  EXPECT_EQ(victims.status, 200) << victims.body;
  EXPECT_EQ(tokens_issued(victim), 1u);
  // A replay of an already-redeemed code by another client revokes nothing of the victim's.
  auto code = code_for(victim, pkce);
  auto legit = exchange(victim, code, pkce.verifier);
  ASSERT_EQ(legit.status, 200) << legit.body;
  expect_invalid_grant(exchange(attacker, code, pkce.verifier));
  EXPECT_EQ(introspect_as_admin(legit.json()["access_token"])["active"], true);
}

TEST_F(SecurityMatrixTest, MixUpDefenceTheAuthorizationResponseNamesTheIssuer) {
  auto meta = client().get("/.well-known/oauth-authorization-server");
  ASSERT_EQ(meta.status, 200);
  EXPECT_EQ(meta.json()["issuer"], server->base_url());
  EXPECT_EQ(meta.json()["authorization_response_iss_parameter_supported"], true);
  auto c = register_client();
  Pkce pkce;
  // Success and error responses both carry iss, byte-identical to the metadata issuer.
  auto q = query_of(consent_redirect(c, pkce, kCredentialRead));
  EXPECT_EQ(q["iss"], meta.json()["issuer"].get<std::string>());
  EXPECT_FALSE(q["code"].empty());
  auto err = authorize("/oauth/authorize?" + form_encode({{"response_type", "token"},
                                                          {"client_id", c["client_id"]},
                                                          {"redirect_uri", kRedirect},
                                                          {"state", "s"}}));
  EXPECT_EQ(query_of(err.json().value("redirect_to", ""))["iss"], meta.json()["issuer"].get<std::string>());
  // The token's iss is the same string.
  auto t = exchange(c, q["code"], pkce.verifier);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(jwt_part(t.json()["access_token"], 1)["iss"], meta.json()["issuer"]);
}

// --- refresh token replay -----------------------------------------------------------------------------

TEST_F(SecurityMatrixTest, RefreshTokenReplayRevokesTheWholeFamily) {
  auto c = register_client();
  auto bystander = register_client();
  Pkce pkce;
  auto first = exchange(c, code_for(c, pkce, kCredentialRead + " offline_access"), pkce.verifier).json();
  auto other =
      exchange(bystander, code_for(bystander, pkce, kCredentialRead + " offline_access"), pkce.verifier)
          .json();
  ASSERT_TRUE(first.contains("refresh_token")) << first;
  auto rotated = refresh(c, first["refresh_token"]);
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  auto second = rotated.json();
  // The attacker replays the spent token.
  auto replay = refresh(c, first["refresh_token"]);
  expect_invalid_grant(replay);
  // Every token of the family is dead, the newest refresh token included...
  EXPECT_EQ(introspect_as_admin(first["access_token"]), nlohmann::json({{"active", false}}));
  EXPECT_EQ(introspect_as_admin(second["access_token"]), nlohmann::json({{"active", false}}));
  expect_invalid_grant(refresh(c, second["refresh_token"]));
  // ...and nothing else is: another client's family for the same user lives on.
  EXPECT_EQ(introspect_as_admin(other["access_token"])["active"], true);
  EXPECT_EQ(refresh(bystander, other["refresh_token"]).status, 200);
  // A refresh token presented by another client neither works nor kills the family.
  auto fresh = exchange(c, code_for(c, pkce, kCredentialRead + " offline_access"), pkce.verifier).json();
  expect_invalid_grant(refresh(bystander, fresh["refresh_token"]));
  EXPECT_EQ(introspect_as_admin(fresh["access_token"])["active"], true);
  EXPECT_EQ(refresh(c, fresh["refresh_token"]).status, 200);
}

// --- forged JWTs ----------------------------------------------------------------------------------

TEST_F(SecurityMatrixTest, AlgNoneIsRefusedEverywhere) {
  auto bot = service_account();
  const auto real = cc_token(bot);
  ASSERT_EQ(client().get("/api/v1/users", {{"Authorization", "Bearer " + real}}).status, 200);
  auto header = jwt_part(real, 0);
  const auto claims = jwt_part(real, 1);
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    header["alg"] = alg;
    const auto forged = unsigned_jwt(header, claims);
    // At a protected endpoint, at introspection (by the owner and by an admin).
    expect_invalid_token(client().get("/api/v1/users", {{"Authorization", "Bearer " + forged}}));
    EXPECT_EQ(introspect_as_admin(forged), nlohmann::json({{"active", false}})) << alg;
    auto by_owner =
        client().post_form("/oauth/introspect", form_encode({{"token", forged}}),
                           {{"Authorization", basic_auth(bot["client_id"], bot["client_secret"])}});
    EXPECT_EQ(by_owner.json(), nlohmann::json({{"active", false}})) << alg;
    // With the real signature kept too.
    const auto with_sig = forged + real.substr(real.rfind('.') + 1);
    expect_invalid_token(client().get("/api/v1/users", {{"Authorization", "Bearer " + with_sig}}));
  }

  // A client assertion with alg none.
  auto key = attacker_key("k1");
  auto pk = cc_client({{"token_endpoint_auth_method", "private_key_jwt"},
                       {"token_endpoint_auth_signing_alg", "ES256"},
                       {"jwks", {{"keys", {key.public_json()}}}}});
  const auto now = unix_time();
  nlohmann::json assertion_claims = {{"iss", pk["client_id"]},  {"sub", pk["client_id"]},
                                     {"aud", token_endpoint()}, {"iat", now},
                                     {"exp", now + 60},         {"jti", crypto::random_token(16)}};
  auto none_assertion = unsigned_jwt({{"alg", "none"}, {"kid", "k1"}}, assertion_claims);
  expect_invalid_client(
      client().post_form("/oauth/token", form_encode({{"grant_type", "client_credentials"},
                                                      {"client_assertion_type", kAssertionType},
                                                      {"client_assertion", none_assertion}})));
  EXPECT_EQ(tokens_issued(pk), 0u);

  // A request object with alg none: refused, no interaction started.
  auto c = register_client({{"jwks", {{"keys", {key.public_json()}}}}});
  Pkce pkce;
  auto request_object =
      unsigned_jwt({{"alg", "none"}, {"typ", "oauth-authz-req+jwt"}}, {{"iss", c["client_id"]},
                                                                       {"aud", server->base_url()},
                                                                       {"client_id", c["client_id"]},
                                                                       {"response_type", "code"},
                                                                       {"redirect_uri", kRedirect},
                                                                       {"scope", kCredentialRead},
                                                                       {"code_challenge", pkce.challenge},
                                                                       {"code_challenge_method", "S256"},
                                                                       {"exp", now + 60}});
  auto jar = authorize(
      "/oauth/authorize?" +
      form_encode({{"client_id", c["client_id"]}, {"redirect_uri", kRedirect}, {"request", request_object}}));
  EXPECT_EQ(jar.status, 200) << jar.body;
  EXPECT_FALSE(jar.json().contains("interaction_id"));
  EXPECT_EQ(query_of(jar.json().value("redirect_to", ""))["error"], "invalid_request_object");
}

class RsaSigningTest : public SecurityMatrixTest {
 protected:
  std::vector<std::string> server_args() const override { return {"--signing-alg", "RS256"}; }
};

TEST_F(RsaSigningTest, RsHsConfusionWithThePublicKeyAsHmacSecretIsRefused) {
  auto bot = service_account();
  const auto real = cc_token(bot);
  ASSERT_EQ(jwt_part(real, 0)["alg"], "RS256");
  auto jwks = client().get("/.well-known/jwks.json").json();
  ASSERT_FALSE(jwks["keys"].empty());
  const auto& published = jwks["keys"][0];
  auto pub = crypto::Jwk::from_json(published).value();
  // Every byte string an attacker could take for "the key": PEM (with and without the final
  // newline), the JWK as published, the whole JWKS document, the raw modulus.
  std::vector<std::string> secrets = {pub.public_pem().value(), published.dump(), jwks.dump(),
                                      crypto::base64url_decode(published["n"].get<std::string>()).value()};
  secrets.push_back(secrets[0].substr(0, secrets[0].size() - 1));
  auto header = jwt_part(real, 0);
  header["alg"] = "HS256";
  for (const auto& secret : secrets) {
    auto hmac = crypto::Jwk::symmetric(secret);
    hmac.alg = crypto::JwsAlg::HS256;
    const auto forged = forge(header, jwt_part(real, 1), hmac);
    expect_invalid_token(client().get("/api/v1/users", {{"Authorization", "Bearer " + forged}}));
    EXPECT_EQ(introspect_as_admin(forged), nlohmann::json({{"active", false}}));
  }
  // Control: the real token still works.
  EXPECT_EQ(client().get("/api/v1/users", {{"Authorization", "Bearer " + real}}).status, 200);
}

TEST_F(SecurityMatrixTest, KidPathAndSqlInjectionIsHarmless) {
  auto bot = service_account();
  const auto real = cc_token(bot);
  const auto clients_before = client().get("/api/v1/clients", admin()).json()["items"].size();
  auto key = attacker_key("k1");
  auto pk = cc_client({{"token_endpoint_auth_method", "private_key_jwt"},
                       {"token_endpoint_auth_signing_alg", "ES256"},
                       {"jwks", {{"keys", {key.public_json()}}}}});
  for (const char* kid : {"../../etc/passwd", "' OR 1=1--", "k1' OR '1'='1", "/dev/zero",
                          "k1\"; DROP TABLE oauth_clients; --", "%2e%2e%2fetc%2fpasswd"}) {
    // An access token naming that kid, with the real signature and with an attacker's.
    auto header = jwt_part(real, 0);
    header["kid"] = kid;
    const auto relabelled = crypto::base64url_encode(header.dump()) + real.substr(real.find('.'));
    expect_invalid_token(client().get("/api/v1/users", {{"Authorization", "Bearer " + relabelled}}));
    EXPECT_EQ(introspect_as_admin(relabelled), nlohmann::json({{"active", false}})) << kid;
    auto attacker = attacker_key(kid);
    header["alg"] = "ES256";
    const auto forged = forge(header, jwt_part(real, 1), attacker);
    expect_invalid_token(client().get("/api/v1/users", {{"Authorization", "Bearer " + forged}}));
    // A client assertion naming that kid.
    const auto now = unix_time();
    auto assertion = forge({{"alg", "ES256"}, {"kid", kid}},
                           {{"iss", pk["client_id"]},
                            {"sub", pk["client_id"]},
                            {"aud", token_endpoint()},
                            {"iat", now},
                            {"exp", now + 60},
                            {"jti", crypto::random_token(16)}},
                           key);
    expect_invalid_client(
        client().post_form("/oauth/token", form_encode({{"grant_type", "client_credentials"},
                                                        {"client_assertion_type", kAssertionType},
                                                        {"client_assertion", assertion}})));
  }
  // Nothing was issued or lost, and the server is still whole.
  EXPECT_EQ(tokens_issued(pk), 0u);
  EXPECT_EQ(client().get("/api/v1/clients", admin()).json()["items"].size(), clients_before + 1);
  EXPECT_EQ(client().get("/api/v1/users", {{"Authorization", "Bearer " + real}}).status, 200);
  EXPECT_EQ(client().get("/health").status, 200);
}

TEST_F(SecurityMatrixTest, JkuX5uX5cAndEmbeddedJwkHeadersAreIgnored) {
  auto bot = service_account();
  const auto real = cc_token(bot);
  const auto claims = jwt_part(real, 1);
  auto attacker = attacker_key("attacker-1");
  // The attacker publishes their key at a URL under our own origin's name; it must never be fetched
  // or trusted, whatever header points to it.
  const auto attacker_jwks_url = server->base_url() + "/.well-known/jwks.json";
  const std::vector<std::pair<std::string, nlohmann::json>> pointers = {
      {"jku", attacker_jwks_url},
      {"x5u", "https://attacker.example/cert.pem"},
      {"x5c", {crypto::base64_encode("not a certificate")}},
      {"jwk", attacker.public_json()},
  };
  for (const auto& [name, value] : pointers) {
    nlohmann::json header = {{"alg", "ES256"}, {"typ", "at+jwt"}, {"kid", "attacker-1"}, {name, value}};
    const auto forged = forge(header, claims, attacker);
    expect_invalid_token(client().get("/api/v1/users", {{"Authorization", "Bearer " + forged}}));
    EXPECT_EQ(introspect_as_admin(forged), nlohmann::json({{"active", false}})) << name;
    // Also with our own kid, so only the embedded pointer could make it verify.
    header["kid"] = jwt_part(real, 0)["kid"];
    expect_invalid_token(
        client().get("/api/v1/users", {{"Authorization", "Bearer " + forge(header, claims, attacker)}}));
  }
  // A client assertion carrying the attacker's key in its header.
  auto registered = attacker_key("k1");
  auto pk = cc_client({{"token_endpoint_auth_method", "private_key_jwt"},
                       {"token_endpoint_auth_signing_alg", "ES256"},
                       {"jwks", {{"keys", {registered.public_json()}}}}});
  for (const auto& [name, value] : pointers) {
    const auto now = unix_time();
    auto assertion = forge({{"alg", "ES256"}, {"kid", "k1"}, {name, value}},
                           {{"iss", pk["client_id"]},
                            {"sub", pk["client_id"]},
                            {"aud", token_endpoint()},
                            {"iat", now},
                            {"exp", now + 60},
                            {"jti", crypto::random_token(16)}},
                           attacker);
    expect_invalid_client(
        client().post_form("/oauth/token", form_encode({{"grant_type", "client_credentials"},
                                                        {"client_assertion_type", kAssertionType},
                                                        {"client_assertion", assertion}})));
  }
  EXPECT_EQ(tokens_issued(pk), 0u);
}

// --- time -----------------------------------------------------------------------------------------

TEST_F(SecurityMatrixTest, ExpiredAndNotYetValidClientAssertionsAreRefused) {
  auto key = attacker_key("k1");
  auto pk = cc_client({{"token_endpoint_auth_method", "private_key_jwt"},
                       {"token_endpoint_auth_signing_alg", "ES256"},
                       {"jwks", {{"keys", {key.public_json()}}}}});
  auto with_times = [&](std::int64_t iat, std::int64_t exp, std::optional<std::int64_t> nbf) {
    nlohmann::json claims = {{"iss", pk["client_id"]},
                             {"sub", pk["client_id"]},
                             {"aud", token_endpoint()},
                             {"iat", iat},
                             {"exp", exp},
                             {"jti", crypto::random_token(16)}};
    if (nbf) claims["nbf"] = *nbf;
    return client().post_form(
        "/oauth/token",
        form_encode({{"grant_type", "client_credentials"},
                     {"client_assertion_type", kAssertionType},
                     {"client_assertion", forge({{"alg", "ES256"}, {"kid", "k1"}}, claims, key)}}));
  };
  const auto now = unix_time();
  expect_invalid_client(with_times(now - 300, now - 120, std::nullopt));  // expired beyond the leeway
  expect_invalid_client(with_times(now, now + 240, now + 180));           // not yet valid
  expect_invalid_client(with_times(now + 180, now + 240, std::nullopt));  // issued in the future
  EXPECT_EQ(tokens_issued(pk), 0u);
  // Control: a current assertion works.
  EXPECT_EQ(with_times(now, now + 60, std::nullopt).status, 200);
  EXPECT_EQ(tokens_issued(pk), 1u);
}

class ShortLivedTokensTest : public SecurityMatrixTest {
 protected:
  std::vector<std::string> server_args() const override {
    auto args = SecurityMatrixTest::server_args();
    args.insert(args.end(), {"--access-token-ttl", "10", "--refresh-token-ttl", "1"});
    return args;
  }
};

TEST_F(ShortLivedTokensTest, ExpiredAccessAndRefreshTokensAreRefused) {
  auto bot = service_account();
  auto c = register_client();
  Pkce pkce;
  auto issued = exchange(c, code_for(c, pkce, kCredentialRead + " offline_access"), pkce.verifier).json();
  const auto real = cc_token(bot);
  ASSERT_EQ(client().get("/api/v1/users", {{"Authorization", "Bearer " + real}}).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  expect_invalid_grant(refresh(c, issued["refresh_token"]));
  // Access tokens: past exp plus the 30 s clock-skew leeway.
  const std::int64_t exp = jwt_part(real, 1)["exp"];
  while (unix_time() <= exp + 31) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  expect_invalid_token(client().get("/api/v1/users", {{"Authorization", "Bearer " + real}}));
  EXPECT_EQ(introspect_as_admin(real), nlohmann::json({{"active", false}}));
  EXPECT_EQ(introspect_as_admin(issued["access_token"]), nlohmann::json({{"active", false}}));
}

// --- audience -------------------------------------------------------------------------------------

TEST_F(SecurityMatrixTest, AudienceConfusionBetweenResourceServers) {
  auto app = cc_client();
  auto rs_a = cc_client();
  auto rs_b = cc_client();
  const auto config = db->dir() + "/resource-servers.toml";
  {
    std::ofstream out(config);
    for (const auto& [id, rs] :
         {std::pair{"https://a.example.org", rs_a}, std::pair{"https://b.example.org", rs_b}})
      out << "[[resource_servers]]\nidentifier = \"" << id << "\"\nscopes = [\"" << kCredentialRead
          << "\"]\nclients = [\"" << rs["client_id"].get<std::string>() << "\"]\n";
  }
  server->stop();
  server = std::make_unique<ServerProcess>(db->url(), std::vector<std::string>{"--config", config});
  ASSERT_TRUE(server->start()) << server->log();
  auto introspect = [&](const nlohmann::json& caller, const std::string& token) {
    return client()
        .post_form("/oauth/introspect", form_encode({{"token", token}}),
                   {{"Authorization", basic_auth(caller["client_id"], caller["client_secret"])}})
        .json();
  };
  auto r = client().post_form("/oauth/token",
                              form_encode({{"grant_type", "client_credentials"},
                                           {"scope", kCredentialRead},
                                           {"resource", "https://a.example.org"}}),
                              {{"Authorization", basic_auth(app["client_id"], app["client_secret"])}});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string for_a = r.json()["access_token"];
  EXPECT_EQ(jwt_part(for_a, 1)["aud"], "https://a.example.org");
  EXPECT_EQ(introspect(rs_a, for_a)["active"], true);
  EXPECT_EQ(introspect(rs_b, for_a), nlohmann::json({{"active", false}}));
  // Our own API is another audience.
  expect_invalid_token(client().get("/api/v1/users", {{"Authorization", "Bearer " + for_a}}));
  // Asking for both audiences cannot smuggle B into a token for A: each resource needs its own token.
  auto both = client().post_form("/oauth/token",
                                 form_encode({{"grant_type", "client_credentials"},
                                              {"scope", kCredentialRead},
                                              {"resource", "https://a.example.org"},
                                              {"resource", "https://c.example.org"}}),
                                 {{"Authorization", basic_auth(app["client_id"], app["client_secret"])}});
  EXPECT_EQ(both.status, 400) << both.body;
  EXPECT_EQ(both.json()["error"], "invalid_target");
  // Still active for A after B looked (introspection changes nothing).
  EXPECT_EQ(introspect(rs_a, for_a)["active"], true);
}

// --- disabled clients and deleted users -------------------------------------------------------------

TEST_F(SecurityMatrixTest, TokensOfADisabledClientAreDead) {
  auto bot = service_account();
  const auto bot_token = cc_token(bot);
  auto c = register_client();
  Pkce pkce;
  auto issued = exchange(c, code_for(c, pkce, kCredentialRead + " offline_access"), pkce.verifier).json();
  for (const auto& id : {bot["client_id"].get<std::string>(), c["client_id"].get<std::string>()}) {
    auto r = client().request("POST", "/api/v1/clients/" + id + "/disable", admin());
    ASSERT_LT(r.status, 300) << r.body;
  }
  expect_invalid_token(client().get("/api/v1/users", {{"Authorization", "Bearer " + bot_token}}));
  EXPECT_EQ(introspect_as_admin(bot_token), nlohmann::json({{"active", false}}));
  EXPECT_EQ(introspect_as_admin(issued["access_token"]), nlohmann::json({{"active", false}}));
  expect_invalid_client(refresh(c, issued["refresh_token"]));
  auto new_token =
      client().post_form("/oauth/token", "grant_type=client_credentials",
                         {{"Authorization", basic_auth(bot["client_id"], bot["client_secret"])}});
  EXPECT_EQ(new_token.status, 401);
  EXPECT_EQ(new_token.header("www-authenticate"), "Basic realm=\"badgeserver\"");
  // Re-enabling does not resurrect what was revoked.
  client().request("POST", "/api/v1/clients/" + c["client_id"].get<std::string>() + "/enable", admin());
  EXPECT_EQ(introspect_as_admin(issued["access_token"]), nlohmann::json({{"active", false}}));
  expect_invalid_grant(refresh(c, issued["refresh_token"]));
}

TEST_F(SecurityMatrixTest, TokensOfADeletedUserAreDead) {
  auto c = register_client();
  Pkce pkce;
  auto issued = exchange(c, code_for(c, pkce, kCredentialRead + " offline_access"), pkce.verifier).json();
  ASSERT_TRUE(issued.contains("refresh_token")) << issued;
  // Another user's tokens from the same client are the control.
  create_user("other@example.org");
  const auto learner_session = session;
  session = login("other@example.org");
  auto others = exchange(c, code_for(c, pkce, kCredentialRead + " offline_access"), pkce.verifier).json();
  const std::string id = user["id"];
  auto deleted = client().request("DELETE", "/api/v1/users/" + id, admin());
  ASSERT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_EQ(client().get("/api/v1/users/" + id, admin()).status, 404);
  EXPECT_EQ(client().request("DELETE", "/api/v1/users/" + id, admin()).status, 404);
  EXPECT_EQ(introspect_as_admin(issued["access_token"]), nlohmann::json({{"active", false}}));
  expect_invalid_grant(refresh(c, issued["refresh_token"]));
  expect_invalid_token(client().get("/auth/me", {{"Authorization", "Bearer " + learner_session}}));
  auto relogin = client().post_json(
      "/auth/login", {{"email", "learner@example.org"}, {"password", "correct horse battery"}});
  EXPECT_EQ(relogin.status, 401);
  EXPECT_EQ(introspect_as_admin(others["access_token"])["active"], true);
  EXPECT_EQ(refresh(c, others["refresh_token"]).status, 200);
  auto audit = client().get("/api/v1/audit-events?event=user.deleted", admin()).json();
  ASSERT_EQ(audit["items"].size(), 1u);
}

// --- CSRF -----------------------------------------------------------------------------------------

TEST_F(SecurityMatrixTest, NoCookiesSoNoCrossSiteRequestForgery) {
  // Logging in sets no cookie (the fixture also checks every response of every test).
  auto r = client().post_json("/auth/login",
                              {{"email", "learner@example.org"}, {"password", "correct horse battery"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.count("set-cookie"), 0u);
  // A cookie carrying a valid session token authenticates nothing: only the Authorization header does.
  for (const std::string& cookie : {"session=" + session, "access_token=" + session, "token=" + session}) {
    auto me = client().get("/auth/me", {{"Cookie", cookie}});
    EXPECT_EQ(me.status, 401) << cookie;
    EXPECT_EQ(me.json()["error"], "unauthorized");
    EXPECT_EQ(me.header("www-authenticate"), "Bearer realm=\"badgeserver\"");
  }
  // A cross-site form post to a state-changing API endpoint is refused without credentials, and
  // the endpoint takes JSON only.
  auto forged =
      client().post_form("/api/v1/users", "email=x%40example.org&password=xxxxxxxxxxxx&name=x",
                         {{"Origin", "https://evil.example.com"}, {"Cookie", "session=" + session}});
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(client().get("/api/v1/users?limit=200", admin()).json()["items"].size(), 1u);
}

}  // namespace
}  // namespace bs::test
