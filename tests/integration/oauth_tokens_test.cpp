// The machine-to-machine OAuth core over real HTTP: metadata, client authentication (all five
// methods), client_credentials, RFC 9068 access tokens, introspection, revocation, admin tokens API.
#include <fstream>
#include <thread>

#include "crypto/encoding.hpp"
#include "support/fixture.hpp"
#include "support/oauth_helpers.hpp"

namespace bs::test {
namespace {

class OAuthTest : public ServerTest {
 protected:
  // Registers a client through the open RFC 7591 endpoint.
  nlohmann::json register_client(nlohmann::json metadata) {
    auto r = client().post_json("/oauth/register", metadata);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  nlohmann::json cc_client(const std::string& method = "client_secret_basic",
                           const std::string& scope = kCredentialRead + " " + kProfileRead) {
    return register_client({{"client_name", "svc"},
                            {"grant_types", {"client_credentials"}},
                            {"response_types", nlohmann::json::array()},
                            {"token_endpoint_auth_method", method},
                            {"scope", scope}});
  }
  HttpResponse token(const std::string& form, Headers headers = {}) {
    return client().post_form("/oauth/token", form, std::move(headers));
  }
  HttpResponse basic_token(const nlohmann::json& c,
                           const std::string& form = "grant_type=client_credentials") {
    return token(form, {{"Authorization", basic_auth(c["client_id"], c["client_secret"])}});
  }
  std::string access_token(const nlohmann::json& c) {
    auto r = basic_token(c);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().value("access_token", "");
  }
  HttpResponse introspect(const nlohmann::json& caller, const std::string& token) {
    return client().post_form("/oauth/introspect", form_encode({{"token", token}}),
                              {{"Authorization", basic_auth(caller["client_id"], caller["client_secret"])}});
  }
  std::string token_endpoint() const { return server->base_url() + "/oauth/token"; }
};

TEST_F(OAuthTest, MetadataDescribesTheServer) {
  auto r = client().get("/.well-known/oauth-authorization-server");
  ASSERT_EQ(r.status, 200);
  auto m = r.json();
  const auto issuer = server->base_url();
  EXPECT_EQ(m["issuer"], issuer);
  EXPECT_EQ(m["token_endpoint"], issuer + "/oauth/token");
  EXPECT_EQ(m["jwks_uri"], issuer + "/.well-known/jwks.json");
  EXPECT_EQ(m["registration_endpoint"], issuer + "/oauth/register");
  EXPECT_EQ(m["introspection_endpoint"], issuer + "/oauth/introspect");
  EXPECT_EQ(m["revocation_endpoint"], issuer + "/oauth/revoke");
  EXPECT_EQ(m["code_challenge_methods_supported"], nlohmann::json({"S256"}));
  for (const char* method :
       {"none", "client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt"})
    EXPECT_NE(std::find(m["token_endpoint_auth_methods_supported"].begin(),
                        m["token_endpoint_auth_methods_supported"].end(), method),
              m["token_endpoint_auth_methods_supported"].end())
        << method;
  EXPECT_NE(std::find(m["scopes_supported"].begin(), m["scopes_supported"].end(), kCredentialRead),
            m["scopes_supported"].end());
}

TEST_F(OAuthTest, ClientCredentialsWithBasicIssuesAnRfc9068Token) {
  auto c = cc_client();
  auto r = basic_token(c);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("cache-control"), "no-store");
  EXPECT_EQ(r.header("pragma"), "no-cache");
  auto body = r.json();
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_EQ(body["expires_in"], 3600);
  EXPECT_EQ(body["scope"], kCredentialRead + " " + kProfileRead);
  const auto jwt = body["access_token"].get<std::string>();
  auto header = jwt_part(jwt, 0), claims = jwt_part(jwt, 1);
  EXPECT_EQ(header["typ"], "at+jwt");
  EXPECT_EQ(header["alg"], "ES256");
  auto jwks = client().get("/.well-known/jwks.json").json();
  // The signing key is published (beside the RS256 key of Open Badges credentials).
  bool published = false;
  for (const auto& k : jwks["keys"])
    published = published || (k["kid"] == header["kid"] && k["alg"] == "ES256");
  EXPECT_TRUE(published);
  EXPECT_EQ(claims["iss"], server->base_url());
  EXPECT_EQ(claims["sub"], c["client_id"]);
  EXPECT_EQ(claims["client_id"], c["client_id"]);
  EXPECT_EQ(claims["aud"], server->base_url());
  EXPECT_EQ(claims["exp"].get<std::int64_t>() - claims["iat"].get<std::int64_t>(), 3600);
  EXPECT_TRUE(claims["jti"].is_string());
}

TEST_F(OAuthTest, BasicCredentialsAreFormDecoded) {
  auto c = cc_client();
  // RFC 6749 §2.3.1: id and secret are form-encoded before Base64; "%5F" is "_".
  std::string id = c["client_id"];
  std::string encoded_id = id;
  encoded_id.replace(encoded_id.find('_'), 1, "%5F");
  auto r =
      token("grant_type=client_credentials", {{"Authorization", basic_auth(encoded_id, c["client_secret"])}});
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(OAuthTest, ClientSecretPostWorksAndMethodsAreEnforced) {
  auto post = cc_client("client_secret_post");
  auto ok = token(form_encode({{"grant_type", "client_credentials"},
                               {"client_id", post["client_id"]},
                               {"client_secret", post["client_secret"]}}));
  EXPECT_EQ(ok.status, 200) << ok.body;
  // Registered for post, tried basic: rejected, with the Basic challenge because Basic was used.
  auto wrong_method = basic_token(post);
  EXPECT_EQ(wrong_method.status, 401);
  EXPECT_EQ(wrong_method.json()["error"], "invalid_client");
  EXPECT_EQ(wrong_method.header("www-authenticate"), "Basic realm=\"badgeserver\"");
  // Registered for basic, tried post: rejected without a Basic challenge.
  auto basic = cc_client("client_secret_basic");
  auto wrong_post = token(form_encode({{"grant_type", "client_credentials"},
                                       {"client_id", basic["client_id"]},
                                       {"client_secret", basic["client_secret"]}}));
  EXPECT_EQ(wrong_post.status, 401);
  EXPECT_EQ(wrong_post.header("www-authenticate"), "");
}

TEST_F(OAuthTest, BadClientCredentialsAreInvalidClient) {
  auto c = cc_client();
  auto wrong =
      token("grant_type=client_credentials", {{"Authorization", basic_auth(c["client_id"], "nope")}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.json()["error"], "invalid_client");
  EXPECT_EQ(wrong.header("www-authenticate"), "Basic realm=\"badgeserver\"");
  auto unknown = token("grant_type=client_credentials", {{"Authorization", basic_auth("cli_nobody", "x")}});
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.json(), wrong.json());
  auto garbage = token("grant_type=client_credentials", {{"Authorization", "Basic !!!notbase64"}});
  EXPECT_EQ(garbage.status, 401);
  auto none = token("grant_type=client_credentials");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.json()["error"], "invalid_client");
  // Two methods at once.
  auto both = token(form_encode({{"grant_type", "client_credentials"},
                                 {"client_id", c["client_id"]},
                                 {"client_secret", c["client_secret"]}}),
                    {{"Authorization", basic_auth(c["client_id"], c["client_secret"])}});
  EXPECT_EQ(both.status, 400);
  EXPECT_EQ(both.json()["error"], "invalid_request");
  auto audit = client().get("/api/v1/audit-events?event=client_auth.failed", admin());
  EXPECT_GE(audit.json()["items"].size(), 3u);
}

TEST_F(OAuthTest, MalformedTokenRequestsGetRfcErrors) {
  auto c = cc_client();
  Headers auth = {{"Authorization", basic_auth(c["client_id"], c["client_secret"])}};
  auto json = client().request("POST", "/oauth/token", {auth[0], {"Content-Type", "application/json"}},
                               R"({"grant_type":"client_credentials"})");
  EXPECT_EQ(json.status, 400);
  EXPECT_EQ(json.json()["error"], "invalid_request");
  EXPECT_EQ(basic_token(c, "").json()["error"], "invalid_request");
  EXPECT_EQ(basic_token(c, "grant_type=password&username=a&password=b").json()["error"],
            "unsupported_grant_type");
  auto dup = basic_token(c, "grant_type=client_credentials&grant_type=client_credentials");
  EXPECT_EQ(dup.status, 400);
  EXPECT_EQ(dup.json()["error"], "invalid_request");
  EXPECT_EQ(basic_token(c, "grant_type=client_credentials&scope=a&scope=b").json()["error"],
            "invalid_request");
  EXPECT_EQ(basic_token(c, "grant_type=%zz").json()["error"], "invalid_request");
  auto huge = basic_token(c, "grant_type=client_credentials&x=" + std::string(2 << 20, 'a'));
  EXPECT_EQ(huge.status, 413);
  EXPECT_EQ(client().get("/oauth/token").status, 405);
}

TEST_F(OAuthTest, ScopeDefaultsNarrowsAndRejects) {
  auto c = cc_client("client_secret_basic", kCredentialRead);
  EXPECT_EQ(basic_token(c).json()["scope"], kCredentialRead);
  auto narrow =
      basic_token(c, form_encode({{"grant_type", "client_credentials"}, {"scope", kCredentialRead}}));
  EXPECT_EQ(narrow.status, 200);
  auto wider = basic_token(c, form_encode({{"grant_type", "client_credentials"}, {"scope", kProfileRead}}));
  EXPECT_EQ(wider.status, 400);
  EXPECT_EQ(wider.json()["error"], "invalid_scope");
  auto unknown = basic_token(c, form_encode({{"grant_type", "client_credentials"}, {"scope", "everything"}}));
  EXPECT_EQ(unknown.json()["error"], "invalid_scope");
  auto admin_scope =
      basic_token(c, form_encode({{"grant_type", "client_credentials"}, {"scope", "admin:users"}}));
  EXPECT_EQ(admin_scope.json()["error"], "invalid_scope");
}

TEST_F(OAuthTest, ClientNotRegisteredForTheGrantIsUnauthorizedClient) {
  auto web = register_client({{"client_name", "web"},
                              {"redirect_uris", {"https://app.example.org/cb"}},
                              {"grant_types", {"authorization_code"}},
                              {"token_endpoint_auth_method", "client_secret_basic"}});
  auto r = basic_token(web);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"], "unauthorized_client");
  auto pub = register_client({{"client_name", "spa"},
                              {"redirect_uris", {"https://app.example.org/cb"}},
                              {"token_endpoint_auth_method", "none"}});
  auto p = token(form_encode({{"grant_type", "client_credentials"}, {"client_id", pub["client_id"]}}));
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(p.json()["error"], "unauthorized_client");
}

TEST_F(OAuthTest, ResourceIndicatorsSetTheAudience) {
  auto c = cc_client();
  auto own =
      basic_token(c, form_encode({{"grant_type", "client_credentials"}, {"resource", server->base_url()}}));
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(jwt_part(own.json()["access_token"], 1)["aud"], server->base_url());
  auto unknown = basic_token(
      c, form_encode({{"grant_type", "client_credentials"}, {"resource", "https://evil.example"}}));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.json()["error"], "invalid_target");
}

TEST_F(OAuthTest, ClientSecretJwtAuthenticatesOnceperJti) {
  auto c = cc_client("client_secret_jwt");
  ASSERT_TRUE(c.contains("client_secret"));
  auto key = crypto::Jwk::symmetric(c["client_secret"].get<std::string>());
  key.alg = crypto::JwsAlg::HS256;
  const auto assertion = client_assertion(key, c["client_id"], token_endpoint());
  auto form =
      form_encode({{"grant_type", "client_credentials"},
                   {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
                   {"client_assertion", assertion}});
  auto ok = token(form);
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto replay = token(form);
  EXPECT_EQ(replay.status, 401);
  EXPECT_EQ(replay.json()["error"], "invalid_client");
  // The issuer is an accepted audience too; a foreign one is not.
  auto by_issuer =
      token(form_encode({{"grant_type", "client_credentials"},
                         {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
                         {"client_assertion", client_assertion(key, c["client_id"], server->base_url())}}));
  EXPECT_EQ(by_issuer.status, 200) << by_issuer.body;
  auto foreign = token(
      form_encode({{"grant_type", "client_credentials"},
                   {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
                   {"client_assertion", client_assertion(key, c["client_id"], "https://other.example")}}));
  EXPECT_EQ(foreign.status, 401);
  auto expired = token(
      form_encode({{"grant_type", "client_credentials"},
                   {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
                   {"client_assertion", client_assertion(key, c["client_id"], token_endpoint(), -120)}}));
  EXPECT_EQ(expired.status, 401);
  auto wrong_type = token(form_encode({{"grant_type", "client_credentials"},
                                       {"client_assertion_type", "urn:example:saml"},
                                       {"client_assertion", assertion}}));
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_EQ(wrong_type.json()["error"], "invalid_request");
}

TEST_F(OAuthTest, PrivateKeyJwtFollowsAReplacedJwksAtOnce) {
  // The server keeps registered keys parsed; replacing the jwks must retire the old key at once.
  auto old_key = crypto::Jwk::generate(crypto::JwsAlg::ES256).value();
  old_key.kid = "k1";
  old_key.alg = crypto::JwsAlg::ES256;
  auto new_key = crypto::Jwk::generate(crypto::JwsAlg::ES256).value();
  new_key.kid = "k1";  // same kid: only the key material tells them apart
  new_key.alg = crypto::JwsAlg::ES256;
  auto c = register_client({{"client_name", "pkjwt"},
                            {"grant_types", {"client_credentials"}},
                            {"token_endpoint_auth_method", "private_key_jwt"},
                            {"token_endpoint_auth_signing_alg", "ES256"},
                            {"jwks", {{"keys", {old_key.public_json()}}}},
                            {"scope", kCredentialRead}});
  const std::string type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
  auto with = [&](const crypto::Jwk& key) {
    return token(
        form_encode({{"grant_type", "client_credentials"},
                     {"client_assertion_type", type},
                     {"client_assertion", client_assertion(key, c["client_id"], token_endpoint())}}));
  };
  ASSERT_EQ(with(old_key).status, 200);
  EXPECT_EQ(with(new_key).status, 401);
  auto patched = client().request("PATCH", "/api/v1/clients/" + c["client_id"].get<std::string>(),
                                  {{"X-API-Key", admin_key}, {"Content-Type", "application/json"}},
                                  nlohmann::json({{"jwks", {{"keys", {new_key.public_json()}}}}}).dump());
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(with(old_key).status, 401);
  EXPECT_EQ(with(new_key).status, 200);
}

TEST_F(OAuthTest, PrivateKeyJwtVerifiesWithTheRegisteredKeyOnly) {
  auto key = crypto::Jwk::generate(crypto::JwsAlg::ES256).value();
  key.kid = "k1";
  key.alg = crypto::JwsAlg::ES256;
  auto c = register_client({{"client_name", "pkjwt"},
                            {"grant_types", {"client_credentials"}},
                            {"token_endpoint_auth_method", "private_key_jwt"},
                            {"token_endpoint_auth_signing_alg", "ES256"},
                            {"jwks", {{"keys", {key.public_json()}}}},
                            {"scope", kCredentialRead}});
  EXPECT_FALSE(c.contains("client_secret"));
  const std::string type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
  auto with = [&](const std::string& assertion) {
    return token(form_encode({{"grant_type", "client_credentials"},
                              {"client_assertion_type", type},
                              {"client_assertion", assertion}}));
  };
  auto ok = with(client_assertion(key, c["client_id"], token_endpoint()));
  ASSERT_EQ(ok.status, 200) << ok.body;

  // Another key, even with the right kid, does not verify.
  auto other = crypto::Jwk::generate(crypto::JwsAlg::ES256).value();
  other.kid = "k1";
  other.alg = crypto::JwsAlg::ES256;
  EXPECT_EQ(with(client_assertion(other, c["client_id"], token_endpoint())).status, 401);
  // alg none is refused outright.
  auto none_header = crypto::base64url_encode(R"({"alg":"none"})");
  auto none_claims = crypto::base64url_encode(nlohmann::json({{"iss", c["client_id"]},
                                                              {"sub", c["client_id"]},
                                                              {"aud", token_endpoint()},
                                                              {"exp", unix_time() + 60},
                                                              {"jti", "n1"}})
                                                  .dump());
  EXPECT_EQ(with(none_header + "." + none_claims + ".").status, 401);
  // RS/HS confusion: HS256 "signed" with the public key's JSON as the secret.
  auto confused = crypto::Jwk::symmetric(key.public_json().dump());
  confused.alg = crypto::JwsAlg::HS256;
  confused.kid = "k1";
  EXPECT_EQ(with(client_assertion(confused, c["client_id"], token_endpoint())).status, 401);
  // iss and sub must both be the client.
  auto now = unix_time();
  auto mismatched = crypto::sign_jws({{"alg", "ES256"}, {"kid", "k1"}},
                                     nlohmann::json({{"iss", c["client_id"]},
                                                     {"sub", "someone-else"},
                                                     {"aud", token_endpoint()},
                                                     {"iat", now},
                                                     {"exp", now + 60},
                                                     {"jti", "m1"}})
                                         .dump(),
                                     key)
                        .value();
  EXPECT_EQ(with(mismatched).status, 401);
}

TEST_F(OAuthTest, IntrospectionAnswersOwnersResourceServersAndAdminsOnly) {
  auto a = cc_client();
  auto b = cc_client();
  const auto tok = access_token(a);
  auto own = introspect(a, tok);
  ASSERT_EQ(own.status, 200);
  auto j = own.json();
  EXPECT_EQ(j["active"], true);
  for (const char* f : {"scope", "client_id", "sub", "aud", "iss", "exp", "iat", "jti", "token_type"})
    EXPECT_TRUE(j.contains(f)) << f;
  EXPECT_EQ(j["client_id"], a["client_id"]);
  EXPECT_EQ(j["iss"], server->base_url());
  EXPECT_EQ(own.header("cache-control"), "no-store");
  // Another client learns nothing.
  EXPECT_EQ(introspect(b, tok).json(), nlohmann::json({{"active", false}}));
  // An admin credential sees everything.
  auto by_admin = client().post_form("/oauth/introspect", form_encode({{"token", tok}}), admin());
  EXPECT_EQ(by_admin.json()["active"], true);
  // Garbage and missing parameters.
  EXPECT_EQ(introspect(a, "not-a-token").json(), nlohmann::json({{"active", false}}));
  auto missing = client().post_form("/oauth/introspect", "",
                                    {{"Authorization", basic_auth(a["client_id"], a["client_secret"])}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.json()["error"], "invalid_request");
  // No client authentication at all.
  auto anonymous = client().post_form("/oauth/introspect", form_encode({{"token", tok}}));
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.json()["error"], "invalid_client");
}

TEST_F(OAuthTest, RevocationIsOwnerOnlyAndAlwaysAnswers200) {
  auto a = cc_client();
  auto b = cc_client();
  const auto tok = access_token(a);
  // Someone else's token: 200, no effect, audited.
  auto foreign = client().post_form("/oauth/revoke", form_encode({{"token", tok}}),
                                    {{"Authorization", basic_auth(b["client_id"], b["client_secret"])}});
  EXPECT_EQ(foreign.status, 200);
  EXPECT_EQ(introspect(a, tok).json()["active"], true);
  auto denied = client().get("/api/v1/audit-events?event=token.revoke_denied", admin());
  EXPECT_EQ(denied.json()["items"].size(), 1u);
  // Unknown tokens: 200.
  auto unknown = client().post_form("/oauth/revoke", form_encode({{"token", "whatever"}}),
                                    {{"Authorization", basic_auth(a["client_id"], a["client_secret"])}});
  EXPECT_EQ(unknown.status, 200);
  // The owner revokes: introspection says inactive at once, and the token stops working.
  auto mine =
      client().post_form("/oauth/revoke", form_encode({{"token", tok}, {"token_type_hint", "access_token"}}),
                         {{"Authorization", basic_auth(a["client_id"], a["client_secret"])}});
  EXPECT_EQ(mine.status, 200);
  EXPECT_EQ(introspect(a, tok).json(), nlohmann::json({{"active", false}}));
  // Missing token / no client authentication.
  auto missing = client().post_form("/oauth/revoke", "",
                                    {{"Authorization", basic_auth(a["client_id"], a["client_secret"])}});
  EXPECT_EQ(missing.status, 400);
  auto anonymous = client().post_form("/oauth/revoke", form_encode({{"token", tok}}));
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.json()["error"], "invalid_client");
}

// A restarted server listens on another port: a fixed issuer keeps its earlier tokens its own.
class FixedIssuerOAuthTest : public OAuthTest {
 protected:
  std::vector<std::string> server_args() const override { return {"--issuer", "https://issuer.example"}; }
};

TEST_F(FixedIssuerOAuthTest, RevocationSurvivesRestart) {
  auto a = cc_client();
  const auto tok = access_token(a);
  const auto kept = access_token(a);
  client().post_form("/oauth/revoke", form_encode({{"token", tok}}),
                     {{"Authorization", basic_auth(a["client_id"], a["client_secret"])}});
  server->stop(SIGKILL);
  ASSERT_TRUE(server->start()) << server->log();
  EXPECT_EQ(introspect(a, tok).json(), nlohmann::json({{"active", false}}));
  EXPECT_EQ(introspect(a, kept).json()["active"], true);  // not merely a new issuer refusing all
}

// By default a client_credentials token has no row until it is revoked: the admin listing does not
// show it, and it is revoked by value (RFC 7009) or with every token of its client, by a cut-off
// that reaches to the microsecond, so a token issued right after it (in the same second) lives.
TEST_F(FixedIssuerOAuthTest, UnrecordedClientTokensAreRevokedByValueAndByClientCutoff) {
  auto a = cc_client();
  auto other = cc_client();
  const auto client_id = a["client_id"].get<std::string>();
  const auto t1 = access_token(a);
  const auto t2 = access_token(a);
  const auto t3 = access_token(a);
  const auto bystander = access_token(other);
  auto listing = [&](bool inactive) {
    auto r = client().get(
        "/api/v1/tokens?client_id=" + client_id + (inactive ? "&include_inactive=true" : ""), admin());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["items"];
  };
  EXPECT_EQ(listing(true).size(), 0u);
  for (const auto& t : {t1, t2, t3}) EXPECT_EQ(introspect(a, t).json()["active"], true);

  // RFC 7009: the token gets a row, revoked, which the listing then shows.
  auto revoked = client().post_form("/oauth/revoke", form_encode({{"token", t1}}),
                                    {{"Authorization", basic_auth(a["client_id"], a["client_secret"])}});
  EXPECT_EQ(revoked.status, 200);
  EXPECT_EQ(introspect(a, t1).json(), nlohmann::json({{"active", false}}));
  auto rows = listing(true);
  ASSERT_EQ(rows.size(), 1u) << rows;
  EXPECT_EQ(rows[0]["jti"], jwt_part(t1, 1)["jti"]);
  EXPECT_TRUE(rows[0]["revoked_at"].is_string());
  EXPECT_EQ(listing(false).size(), 0u);
  // Revoking it again changes nothing and still answers 200 (RFC 7009 §2.2).
  EXPECT_EQ(client()
                .post_form("/oauth/revoke", form_encode({{"token", t1}}),
                           {{"Authorization", basic_auth(a["client_id"], a["client_secret"])}})
                .status,
            200);
  EXPECT_EQ(listing(true).size(), 1u);

  // By jti alone the admin API knows recorded tokens only.
  const std::string jti2 = jwt_part(t2, 1)["jti"];
  EXPECT_EQ(client().request("DELETE", "/api/v1/tokens/" + jti2, admin()).status, 404);
  EXPECT_EQ(introspect(a, t2).json()["active"], true);

  // Every token of the client: a cut-off, effective at once; the token right after it lives.
  auto all = client().post_json("/api/v1/tokens/revoke", {{"client_id", client_id}}, admin());
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.json()["revoked"], 0);  // rows revoked: none was live
  const auto after = access_token(a);
  EXPECT_EQ(introspect(a, t2).json()["active"], false);
  EXPECT_EQ(introspect(a, t3).json()["active"], false);
  EXPECT_EQ(introspect(a, after).json()["active"], true);
  EXPECT_EQ(introspect(other, bystander).json()["active"], true);
  auto protected_read = client().get("/ims/ob/v3p0/profile", {{"Authorization", "Bearer " + t3}});
  EXPECT_EQ(protected_read.status, 401) << protected_read.body;
  EXPECT_NE(client().get("/ims/ob/v3p0/profile", {{"Authorization", "Bearer " + after}}).status, 401);

  // Both survive a crash: the cut-off and the revoked row are durable.
  server->stop(SIGKILL);
  ASSERT_TRUE(server->start()) << server->log();
  EXPECT_EQ(introspect(a, t1).json()["active"], false);
  EXPECT_EQ(introspect(a, t2).json()["active"], false);
  EXPECT_EQ(introspect(a, after).json()["active"], true);
  EXPECT_EQ(introspect(other, bystander).json()["active"], true);

  // Deleting a client (here through RFC 7592) revokes its tokens too: nobody may use them after.
  auto by_admin = [&](const std::string& t) {
    auto r = client().post_form("/oauth/introspect", form_encode({{"token", t}}), admin());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["active"];
  };
  EXPECT_EQ(by_admin(bystander), true);
  auto deleted = client().request(
      "DELETE", "/oauth/register/" + other["client_id"].get<std::string>(),
      {{"Authorization", "Bearer " + other["registration_access_token"].get<std::string>()}});
  ASSERT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_EQ(by_admin(bystander), false);
  EXPECT_EQ(by_admin(after), true);
}

// record_client_credentials_tokens: a row per token, listed and revocable by jti like any other.
class RecordedClientTokensTest : public OAuthTest {
 protected:
  std::vector<std::string> server_args() const override {
    return {"--record-client-credentials-tokens", "true"};
  }
};

TEST_F(RecordedClientTokensTest, AdminTokensApiListsAndRevokes) {
  auto a = cc_client();
  const auto t1 = access_token(a);
  const auto t2 = access_token(a);
  auto list = client().get("/api/v1/tokens?client_id=" + a["client_id"].get<std::string>(), admin());
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json()["items"].size(), 2u);
  EXPECT_EQ(client().get("/api/v1/tokens", admin()).status, 400);
  const std::string jti = jwt_part(t1, 1)["jti"];
  EXPECT_EQ(client().request("DELETE", "/api/v1/tokens/" + jti, admin()).status, 204);
  EXPECT_EQ(introspect(a, t1).json()["active"], false);
  EXPECT_EQ(client().request("DELETE", "/api/v1/tokens/" + jti, admin()).status, 404);
  auto all = client().post_json("/api/v1/tokens/revoke", {{"client_id", a["client_id"]}}, admin());
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.json()["revoked"], 1);
  EXPECT_EQ(introspect(a, t2).json()["active"], false);
  EXPECT_EQ(client().post_json("/api/v1/tokens/revoke", nlohmann::json::object(), admin()).status, 400);
  auto limited = cli_api_key("admin:users", "no-tokens");
  EXPECT_EQ(client().get("/api/v1/tokens?client_id=x", {{"X-API-Key", limited}}).status, 403);
}

TEST_F(OAuthTest, ServiceAccountTokensWorkOnTheAdminApiLikeApiKeys) {
  auto created = client().post_json("/api/v1/clients",
                                    {{"client_name", "ops bot"},
                                     {"grant_types", {"client_credentials"}},
                                     {"token_endpoint_auth_method", "client_secret_basic"},
                                     {"scope", "admin:users"},
                                     {"service_account", true}},
                                    admin());
  ASSERT_EQ(created.status, 201) << created.body;
  const auto tok = access_token(created.json());
  auto users = client().get("/api/v1/users", {{"Authorization", "Bearer " + tok}});
  EXPECT_EQ(users.status, 200) << users.body;
  auto keys = client().get("/api/v1/api-keys", {{"Authorization", "Bearer " + tok}});
  EXPECT_EQ(keys.status, 403);
  // An ordinary client token carries no admin power.
  auto plain = access_token(cc_client());
  EXPECT_EQ(client().get("/api/v1/users", {{"Authorization", "Bearer " + plain}}).status, 403);
}

TEST_F(OAuthTest, DisabledClientCannotAuthenticateAndItsTokensDie) {
  auto c = cc_client();
  const auto tok = access_token(c);
  auto disable =
      client().request("POST", "/api/v1/clients/" + c["client_id"].get<std::string>() + "/disable", admin());
  ASSERT_LT(disable.status, 300) << disable.body;
  auto r = basic_token(c);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.json()["error"], "invalid_client");
  auto by_admin = client().post_form("/oauth/introspect", form_encode({{"token", tok}}), admin());
  EXPECT_EQ(by_admin.json(), nlohmann::json({{"active", false}}));
}

TEST_F(OAuthTest, ForgedKidAndTamperedTokensAreInactive) {
  auto a = cc_client();
  const auto tok = access_token(a);
  auto header = jwt_part(tok, 0);
  header["kid"] = "../../etc/passwd' OR 1=1 --";
  auto rest = tok.substr(tok.find('.'));
  auto forged = crypto::base64url_encode(header.dump()) + rest;
  EXPECT_EQ(introspect(a, forged).json(), nlohmann::json({{"active", false}}));
  auto tampered = tok;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(introspect(a, tampered).json(), nlohmann::json({{"active", false}}));
  EXPECT_EQ(client().get("/api/v1/users", {{"Authorization", "Bearer " + forged}}).status, 401);
}

}  // namespace
}  // namespace bs::test

namespace bs::test {
namespace {

// Resource servers come from the config file: their identifiers are RFC 8707 resources, their
// scopes bound what a token for them may carry, and their clients may introspect tokens for them.
class ResourceServerTest : public OAuthTest {};

TEST_F(ResourceServerTest, ConfiguredResourceServersAudiencesAndIntrospection) {
  auto app = cc_client();
  auto rs = cc_client();
  auto stranger = cc_client();
  const auto config = db->dir() + "/badgeserver.toml";
  {
    std::ofstream out(config);
    out << "[[resource_servers]]\n"
        << "identifier = \"https://api.example.org\"\n"
        << "scopes = [\"" << kCredentialRead << "\"]\n"
        << "clients = [\"" << rs["client_id"].get<std::string>() << "\"]\n";
  }
  server->stop();
  server = std::make_unique<ServerProcess>(db->url(), std::vector<std::string>{"--config", config});
  ASSERT_TRUE(server->start()) << server->log();

  auto ok = basic_token(app, form_encode({{"grant_type", "client_credentials"},
                                          {"scope", kCredentialRead},
                                          {"resource", "https://api.example.org"}}));
  ASSERT_EQ(ok.status, 200) << ok.body;
  const std::string tok = ok.json()["access_token"];
  EXPECT_EQ(jwt_part(tok, 1)["aud"], "https://api.example.org");
  // The resource server's client may introspect it; another client may not.
  EXPECT_EQ(introspect(rs, tok).json()["active"], true);
  EXPECT_EQ(introspect(stranger, tok).json(), nlohmann::json({{"active", false}}));
  // A scope the resource server does not accept cannot be aimed at it.
  auto wrong_scope = basic_token(app, form_encode({{"grant_type", "client_credentials"},
                                                   {"scope", kProfileRead},
                                                   {"resource", "https://api.example.org"}}));
  EXPECT_EQ(wrong_scope.status, 400);
  EXPECT_EQ(wrong_scope.json()["error"], "invalid_target");
  // A token for another audience is not accepted by our own API.
  EXPECT_EQ(client().get("/api/v1/users", {{"Authorization", "Bearer " + tok}}).status, 401);
}

}  // namespace
}  // namespace bs::test
