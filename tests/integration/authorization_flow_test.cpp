// The headless authorization-code flow over real HTTP: authorize, the interaction API, PKCE,
// code exchange, refresh rotation, JAR and PAR, and their errors.
#include <thread>

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "support/fixture.hpp"
#include "support/oauth_helpers.hpp"

namespace bs::test {
namespace {

const std::string kRedirect = "https://wallet.example.org/cb";

std::map<std::string, std::string> query_of(const std::string& url) {
  std::map<std::string, std::string> out;
  auto q = url.find('?');
  if (q == std::string::npos) return out;
  std::string rest = url.substr(q + 1);
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    auto amp = rest.find('&', pos);
    auto pair = rest.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    auto eq = pair.find('=');
    auto decode = [](std::string s) {
      std::string o;
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
          o.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
          i += 2;
        } else {
          o.push_back(s[i] == '+' ? ' ' : s[i]);
        }
      }
      return o;
    };
    if (eq != std::string::npos) out[decode(pair.substr(0, eq))] = decode(pair.substr(eq + 1));
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return out;
}

struct Pkce {
  std::string verifier = crypto::random_token(32);
  std::string challenge = crypto::base64url_encode(crypto::sha256(verifier));
};

class AuthorizationFlowTest : public ServerTest {
 protected:
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

  std::string authorize_query(const nlohmann::json& c, const Pkce& pkce, const std::string& scope,
                              const std::string& state = "xyz") {
    return "/oauth/authorize?" + form_encode({{"response_type", "code"},
                                              {"client_id", c["client_id"]},
                                              {"redirect_uri", kRedirect},
                                              {"scope", scope},
                                              {"state", state},
                                              {"code_challenge", pkce.challenge},
                                              {"code_challenge_method", "S256"}});
  }

  HttpResponse authorize(const std::string& target, Headers headers = {}) {
    headers.emplace_back("Accept", "application/json");
    return client().get(target, headers);
  }
  Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

  // Runs authorize -> login -> consent(accept) and returns the code.
  std::string code_for(const nlohmann::json& c, const Pkce& pkce, const std::string& scope) {
    auto a = authorize(authorize_query(c, pkce, scope));
    EXPECT_EQ(a.status, 200) << a.body;
    const std::string id = a.json()["interaction_id"];
    auto l = client().post_json("/oauth/interactions/" + id + "/login", nlohmann::json::object(),
                                {{"Authorization", "Bearer " + session}, {"Accept", "application/json"}});
    EXPECT_EQ(l.status, 200) << l.body;
    auto d = client().post_json("/oauth/interactions/" + id + "/consent", {{"decision", "accept"}},
                                {{"Authorization", "Bearer " + session}, {"Accept", "application/json"}});
    EXPECT_EQ(d.status, 200) << d.body;
    return query_of(d.json().value("redirect_to", ""))["code"];
  }

  HttpResponse exchange(const nlohmann::json& c, const std::string& code, const std::string& verifier,
                        const std::string& redirect = kRedirect) {
    return client().post_form("/oauth/token", form_encode({{"grant_type", "authorization_code"},
                                                           {"client_id", c["client_id"]},
                                                           {"code", code},
                                                           {"redirect_uri", redirect},
                                                           {"code_verifier", verifier}}));
  }

  bool active(const std::string& token) {
    auto r = client().post_form("/oauth/introspect", form_encode({{"token", token}}), admin());
    return r.json().value("active", false);
  }

  nlohmann::json user;
  std::string session;
};

TEST_F(AuthorizationFlowTest, FullFlowWithPkceAndRefreshRotation) {
  auto c = register_client();
  Pkce pkce;
  auto a = authorize(authorize_query(c, pkce, kCredentialRead + " offline_access"));
  ASSERT_EQ(a.status, 200) << a.body;
  auto view = a.json();
  EXPECT_EQ(view["state"], "login_required");
  EXPECT_EQ(view["client"]["client_name"], "Wallet");
  EXPECT_EQ(view["requested_scope"], nlohmann::json({kCredentialRead, "offline_access"}));
  const std::string id = view["interaction_id"];
  EXPECT_GE(id.size(), 22u);  // >= 128 bits
  EXPECT_EQ(client().get("/oauth/interactions/" + id).json()["state"], "login_required");

  auto l = client().post_json("/oauth/interactions/" + id + "/login", nlohmann::json::object(),
                              {{"Authorization", "Bearer " + session}, {"Accept", "application/json"}});
  ASSERT_EQ(l.status, 200) << l.body;
  EXPECT_EQ(l.json()["state"], "consent_required");
  EXPECT_EQ(l.json()["subject"], user["id"]);

  auto d = client().post_json("/oauth/interactions/" + id + "/consent",
                              {{"decision", "accept"}, {"remember", true}},
                              {{"Authorization", "Bearer " + session}, {"Accept", "application/json"}});
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(d.json()["state"], "completed");
  const std::string redirect = d.json()["redirect_to"];
  EXPECT_TRUE(redirect.starts_with(kRedirect + "?"));
  auto q = query_of(redirect);
  EXPECT_EQ(q["state"], "xyz");
  EXPECT_EQ(q["iss"], server->base_url());
  ASSERT_FALSE(q["code"].empty());

  auto t = exchange(c, q["code"], pkce.verifier);
  ASSERT_EQ(t.status, 200) << t.body;
  auto tokens = t.json();
  EXPECT_EQ(t.header("cache-control"), "no-store");
  EXPECT_EQ(tokens["token_type"], "Bearer");
  EXPECT_EQ(tokens["scope"], kCredentialRead + " offline_access");
  ASSERT_TRUE(tokens["refresh_token"].is_string());
  auto claims = jwt_part(tokens["access_token"], 1);
  EXPECT_EQ(claims["sub"], user["id"]);
  EXPECT_EQ(claims["client_id"], c["client_id"]);

  // Rotation: the new refresh token works, the old one is spent; reusing it kills the family.
  auto r1 = client().post_form("/oauth/token", form_encode({{"grant_type", "refresh_token"},
                                                            {"client_id", c["client_id"]},
                                                            {"refresh_token", tokens["refresh_token"]}}));
  ASSERT_EQ(r1.status, 200) << r1.body;
  auto rotated = r1.json();
  EXPECT_NE(rotated["refresh_token"], tokens["refresh_token"]);
  EXPECT_TRUE(active(rotated["access_token"]));
  auto reuse = client().post_form("/oauth/token", form_encode({{"grant_type", "refresh_token"},
                                                               {"client_id", c["client_id"]},
                                                               {"refresh_token", tokens["refresh_token"]}}));
  EXPECT_EQ(reuse.status, 400);
  EXPECT_EQ(reuse.json()["error"], "invalid_grant");
  EXPECT_FALSE(active(rotated["access_token"]));
  EXPECT_FALSE(active(tokens["access_token"]));
  auto after = client().post_form("/oauth/token", form_encode({{"grant_type", "refresh_token"},
                                                               {"client_id", c["client_id"]},
                                                               {"refresh_token", rotated["refresh_token"]}}));
  EXPECT_EQ(after.status, 400);

  // The consent was remembered: a new authorization with the session completes at once.
  Pkce again;
  auto quick = authorize(authorize_query(c, again, kCredentialRead), bearer(session));
  ASSERT_EQ(quick.status, 200) << quick.body;
  EXPECT_EQ(quick.json()["state"], "completed");
  EXPECT_FALSE(query_of(quick.json()["redirect_to"])["code"].empty());
}

TEST_F(AuthorizationFlowTest, CodeIsSingleUseAndReplayRevokesItsTokens) {
  auto c = register_client();
  Pkce pkce;
  auto code = code_for(c, pkce, kCredentialRead);
  auto first = exchange(c, code, pkce.verifier);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_TRUE(active(first.json()["access_token"]));
  auto second = exchange(c, code, pkce.verifier);
  EXPECT_EQ(second.status, 400);
  EXPECT_EQ(second.json()["error"], "invalid_grant");
  EXPECT_FALSE(active(first.json()["access_token"]));
}

TEST_F(AuthorizationFlowTest, TokenRequestMustMatchTheCode) {
  auto c = register_client();
  auto other = register_client();
  Pkce pkce;
  EXPECT_EQ(exchange(c, code_for(c, pkce, kCredentialRead), "wrong-verifier-" + std::string(40, 'a'))
                .json()["error"],
            "invalid_grant");
  EXPECT_EQ(exchange(c, code_for(c, pkce, kCredentialRead), pkce.verifier, "https://wallet.example.org/other")
                .json()["error"],
            "invalid_grant");
  EXPECT_EQ(exchange(other, code_for(c, pkce, kCredentialRead), pkce.verifier).json()["error"],
            "invalid_grant");
  auto missing = client().post_form("/oauth/token", form_encode({{"grant_type", "authorization_code"},
                                                                 {"client_id", c["client_id"]},
                                                                 {"code", code_for(c, pkce, kCredentialRead)},
                                                                 {"redirect_uri", kRedirect}}));
  EXPECT_EQ(missing.json()["error"], "invalid_grant");
  EXPECT_EQ(exchange(c, "made-up-code", pkce.verifier).json()["error"], "invalid_grant");
}

TEST_F(AuthorizationFlowTest, UnknownClientAndBadRedirectUriAreNeverRedirected) {
  auto c = register_client();
  Pkce pkce;
  auto unknown =
      authorize("/oauth/authorize?response_type=code&client_id=cli_nobody&redirect_uri=" + kRedirect);
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.json()["error"], "invalid_request");
  EXPECT_FALSE(unknown.json().contains("redirect_to"));
  auto target = authorize_query(c, pkce, kCredentialRead);
  auto evil = target;
  evil.replace(evil.find("wallet.example.org"), 18, "evil.example.com");
  auto bad = client().get(evil);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.header("location"), "");
  // A prefix of a registered URI is not a match either.
  auto prefixed = authorize("/oauth/authorize?" + form_encode({{"response_type", "code"},
                                                               {"client_id", c["client_id"]},
                                                               {"redirect_uri", kRedirect + "/../x"},
                                                               {"code_challenge", pkce.challenge},
                                                               {"code_challenge_method", "S256"}}));
  EXPECT_EQ(prefixed.status, 400);
}

TEST_F(AuthorizationFlowTest, OtherErrorsRedirectWithStateAndIss) {
  auto c = register_client();
  Pkce pkce;
  auto check = [&](const std::vector<std::pair<std::string, std::string>>& params, const std::string& error) {
    auto r = client().get("/oauth/authorize?" + form_encode(params));  // browser: a 302
    EXPECT_EQ(r.status, 302) << r.body;
    auto q = query_of(r.header("location"));
    EXPECT_TRUE(r.header("location").starts_with(kRedirect)) << r.header("location");
    EXPECT_EQ(q["error"], error) << r.header("location");
    EXPECT_EQ(q["state"], "s1");
    EXPECT_EQ(q["iss"], server->base_url());
  };
  const std::string id = c["client_id"];
  check({{"response_type", "code"}, {"client_id", id}, {"redirect_uri", kRedirect}, {"state", "s1"}},
        "invalid_request");  // no PKCE
  check({{"response_type", "code"},
         {"client_id", id},
         {"redirect_uri", kRedirect},
         {"state", "s1"},
         {"code_challenge", pkce.challenge},
         {"code_challenge_method", "plain"}},
        "invalid_request");  // PKCE downgrade
  check({{"response_type", "token"}, {"client_id", id}, {"redirect_uri", kRedirect}, {"state", "s1"}},
        "unsupported_response_type");
  check({{"response_type", "code"},
         {"client_id", id},
         {"redirect_uri", kRedirect},
         {"state", "s1"},
         {"scope", "admin"},
         {"code_challenge", pkce.challenge},
         {"code_challenge_method", "S256"}},
        "invalid_scope");
  check({{"response_type", "code"},
         {"client_id", id},
         {"redirect_uri", kRedirect},
         {"state", "s1"},
         {"resource", "https://unknown.example"},
         {"code_challenge", pkce.challenge},
         {"code_challenge_method", "S256"}},
        "invalid_target");
}

TEST_F(AuthorizationFlowTest, ConsentRejectRetryConflictAndNarrowing) {
  auto c = register_client();
  Pkce pkce;
  auto start = [&] {
    auto a = authorize(authorize_query(c, pkce, kCredentialRead + " " + kProfileRead), bearer(session));
    return a.json()["interaction_id"].get<std::string>();
  };
  Headers as_user = {{"Authorization", "Bearer " + session}, {"Accept", "application/json"}};
  auto id = start();
  auto wider = client().post_json("/oauth/interactions/" + id + "/consent",
                                  {{"decision", "accept"}, {"grant_scope", {"offline_access"}}}, as_user);
  EXPECT_EQ(wider.status, 400);
  EXPECT_EQ(wider.json()["error"], "invalid_scope");
  EXPECT_EQ(client().get("/oauth/interactions/" + id).json()["state"], "consent_required");
  auto reject =
      client().post_json("/oauth/interactions/" + id + "/consent", {{"decision", "reject"}}, as_user);
  ASSERT_EQ(reject.status, 200) << reject.body;
  auto q = query_of(reject.json()["redirect_to"]);
  EXPECT_EQ(q["error"], "access_denied");
  EXPECT_EQ(q["state"], "xyz");
  auto again =
      client().post_json("/oauth/interactions/" + id + "/consent", {{"decision", "reject"}}, as_user);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.json()["redirect_to"], reject.json()["redirect_to"]);
  auto flip = client().post_json("/oauth/interactions/" + id + "/consent", {{"decision", "accept"}}, as_user);
  EXPECT_EQ(flip.status, 409);
  EXPECT_EQ(flip.json()["interaction"]["state"], "rejected");

  auto id2 = start();
  auto narrow = client().post_json("/oauth/interactions/" + id2 + "/consent",
                                   {{"decision", "accept"}, {"grant_scope", {kProfileRead}}}, as_user);
  ASSERT_EQ(narrow.status, 200) << narrow.body;
  auto t = exchange(c, query_of(narrow.json()["redirect_to"])["code"], pkce.verifier);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.json()["scope"], kProfileRead);
  // Retry of the same accept answers the same redirect (same code).
  auto retry = client().post_json("/oauth/interactions/" + id2 + "/consent",
                                  {{"decision", "accept"}, {"grant_scope", {kProfileRead}}}, as_user);
  EXPECT_EQ(retry.json()["redirect_to"], narrow.json()["redirect_to"]);
}

TEST_F(AuthorizationFlowTest, OnlyTheSubjectOrATrustedBackEndDecides) {
  auto c = register_client();
  Pkce pkce;
  auto a = authorize(authorize_query(c, pkce, kCredentialRead));
  const std::string id = a.json()["interaction_id"];
  create_user("mallory@example.org");
  auto mallory = login("mallory@example.org");
  // A trusted back end logs the learner in by id.
  auto backend =
      client().post_json("/oauth/interactions/" + id + "/login", {{"subject", user["id"]}}, admin());
  ASSERT_EQ(backend.status, 200) << backend.body;
  EXPECT_EQ(backend.json()["subject"], user["id"]);
  auto hijack =
      client().post_json("/oauth/interactions/" + id + "/consent", {{"decision", "accept"}}, bearer(mallory));
  EXPECT_EQ(hijack.status, 403);
  auto no_scope = cli_api_key("admin:users", "users-only");
  auto denied = client().post_json("/oauth/interactions/" + id + "/consent", {{"decision", "accept"}},
                                   {{"X-API-Key", no_scope}});
  EXPECT_EQ(denied.status, 403);
  auto unauth = client().post_json("/oauth/interactions/" + id + "/consent", {{"decision", "accept"}});
  EXPECT_EQ(unauth.status, 401);
  EXPECT_EQ(client().get("/oauth/interactions/" + id).json()["state"], "consent_required");
  // Without Accept: application/json the completed interaction answers with the redirect itself.
  auto ok = client().post_json("/oauth/interactions/" + id + "/consent", {{"decision", "accept"}}, admin());
  EXPECT_EQ(ok.status, 302) << ok.body;
  EXPECT_TRUE(ok.header("location").starts_with(kRedirect + "?code=")) << ok.header("location");
  EXPECT_EQ(client().get("/oauth/interactions/nonexistent").status, 404);
}

TEST_F(AuthorizationFlowTest, BrowserRequestsAreRedirected) {
  auto c = register_client();
  Pkce pkce;
  auto r = client().get(authorize_query(c, pkce, kCredentialRead));  // no Accept: JSON without a front end
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.json().contains("interaction_id"));
}

TEST_F(AuthorizationFlowTest, PushedAuthorizationRequests) {
  auto c = register_client({{"token_endpoint_auth_method", "client_secret_basic"}});
  Pkce pkce;
  Headers auth = {{"Authorization", basic_auth(c["client_id"], c["client_secret"])}};
  auto pushed = client().post_form("/oauth/par",
                                   form_encode({{"response_type", "code"},
                                                {"redirect_uri", kRedirect},
                                                {"scope", kCredentialRead},
                                                {"state", "par-state"},
                                                {"code_challenge", pkce.challenge},
                                                {"code_challenge_method", "S256"}}),
                                   auth);
  ASSERT_EQ(pushed.status, 201) << pushed.body;
  const std::string request_uri = pushed.json()["request_uri"];
  EXPECT_TRUE(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"));
  EXPECT_EQ(pushed.json()["expires_in"], 60);
  auto target =
      "/oauth/authorize?" + form_encode({{"client_id", c["client_id"]}, {"request_uri", request_uri}});
  auto a = authorize(target);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json()["state"], "login_required");
  auto reused = authorize(target);
  ASSERT_EQ(reused.status, 200) << reused.body;
  EXPECT_EQ(query_of(reused.json()["redirect_to"])["error"], "invalid_request_uri");
  // PAR needs client authentication, and validates what it stores.
  EXPECT_EQ(client().post_form("/oauth/par", "response_type=code").status, 401);
  auto invalid = client().post_form(
      "/oauth/par", form_encode({{"response_type", "code"}, {"redirect_uri", kRedirect}}), auth);
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(invalid.json()["error"], "invalid_request");
}

TEST_F(AuthorizationFlowTest, SignedRequestObjects) {
  auto key = crypto::Jwk::generate(crypto::JwsAlg::ES256).value();
  key.kid = "jar-1";
  key.alg = crypto::JwsAlg::ES256;
  auto c = register_client({{"jwks", {{"keys", {key.public_json()}}}}});
  Pkce pkce;
  auto request_object = [&](std::int64_t exp_offset, const crypto::Jwk& signer) {
    const auto now = unix_time();
    nlohmann::json claims = {{"iss", c["client_id"]},
                             {"aud", server->base_url()},
                             {"client_id", c["client_id"]},
                             {"response_type", "code"},
                             {"redirect_uri", kRedirect},
                             {"scope", kCredentialRead},
                             {"state", "inside"},
                             {"code_challenge", pkce.challenge},
                             {"code_challenge_method", "S256"},
                             {"iat", now},
                             {"exp", now + exp_offset}};
    return crypto::sign_jws({{"alg", "ES256"}, {"kid", "jar-1"}, {"typ", "oauth-authz-req+jwt"}},
                            claims.dump(), signer)
        .value();
  };
  auto with = [&](const std::string& jwt) {
    return authorize("/oauth/authorize?" + form_encode({{"client_id", c["client_id"]},
                                                        {"redirect_uri", kRedirect},
                                                        {"state", "outside"},
                                                        {"request", jwt}}));
  };
  auto ok = with(request_object(60, key));
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["state"], "login_required");
  auto other = crypto::Jwk::generate(crypto::JwsAlg::ES256).value();
  other.kid = "jar-1";
  other.alg = crypto::JwsAlg::ES256;
  auto forged = with(request_object(60, other));
  EXPECT_EQ(query_of(forged.json()["redirect_to"])["error"], "invalid_request_object");
  auto expired = with(request_object(-120, key));
  EXPECT_EQ(query_of(expired.json()["redirect_to"])["error"], "invalid_request_object");
  auto none = with(
      crypto::base64url_encode(R"({"alg":"none"})") + "." +
      crypto::base64url_encode(nlohmann::json({{"iss", c["client_id"]}, {"response_type", "code"}}).dump()) +
      ".");
  EXPECT_EQ(query_of(none.json()["redirect_to"])["error"], "invalid_request_object");
}

TEST_F(AuthorizationFlowTest, NativeLoopbackRedirectMayUseAnyPort) {
  auto c =
      register_client({{"application_type", "native"}, {"redirect_uris", {"http://127.0.0.1/callback"}}});
  Pkce pkce;
  auto r = authorize("/oauth/authorize?" + form_encode({{"response_type", "code"},
                                                        {"client_id", c["client_id"]},
                                                        {"redirect_uri", "http://127.0.0.1:53127/callback"},
                                                        {"code_challenge", pkce.challenge},
                                                        {"code_challenge_method", "S256"}}));
  EXPECT_EQ(r.status, 200) << r.body;
  auto other_path =
      authorize("/oauth/authorize?" + form_encode({{"response_type", "code"},
                                                   {"client_id", c["client_id"]},
                                                   {"redirect_uri", "http://127.0.0.1:53127/other"},
                                                   {"code_challenge", pkce.challenge},
                                                   {"code_challenge_method", "S256"}}));
  EXPECT_EQ(other_path.status, 400);
}

class FrontEndAndParRequiredTest : public AuthorizationFlowTest {
 protected:
  std::vector<std::string> server_args() const override {
    return {"--frontend-url", "https://login.example.org/consent", "--require-par", "true"};
  }
};

TEST_F(FrontEndAndParRequiredTest, BrowsersGoToTheFrontEndAndPlainRequestsAreRefused) {
  auto c = register_client({{"token_endpoint_auth_method", "client_secret_basic"}});
  Pkce pkce;
  auto meta = client().get("/.well-known/oauth-authorization-server").json();
  EXPECT_EQ(meta["require_pushed_authorization_requests"], true);
  // Without PAR: refused, by redirect.
  auto plain = authorize(authorize_query(c, pkce, kCredentialRead));
  EXPECT_EQ(query_of(plain.json()["redirect_to"])["error"], "invalid_request");
  // With PAR, a browser (no Accept: JSON) is sent to the front end with the interaction id.
  auto pushed = client().post_form("/oauth/par",
                                   form_encode({{"response_type", "code"},
                                                {"redirect_uri", kRedirect},
                                                {"code_challenge", pkce.challenge},
                                                {"code_challenge_method", "S256"}}),
                                   {{"Authorization", basic_auth(c["client_id"], c["client_secret"])}});
  ASSERT_EQ(pushed.status, 201) << pushed.body;
  auto r = client().get("/oauth/authorize?" + form_encode({{"client_id", c["client_id"]},
                                                           {"request_uri", pushed.json()["request_uri"]}}));
  ASSERT_EQ(r.status, 302) << r.body;
  const auto location = r.header("location");
  EXPECT_TRUE(location.starts_with("https://login.example.org/consent?interaction=")) << location;
  const auto id = query_of(location)["interaction"];
  EXPECT_EQ(client().get("/oauth/interactions/" + id).json()["state"], "login_required");
}

class ShortInteractionTest : public AuthorizationFlowTest {
 protected:
  std::vector<std::string> server_args() const override { return {"--interaction-ttl", "1"}; }
};

class ShortLivedCodesTest : public AuthorizationFlowTest {
 protected:
  std::vector<std::string> server_args() const override {
    return {"--authorization-code-ttl", "1", "--par-ttl", "1"};
  }
};

TEST_F(ShortLivedCodesTest, ExpiredCodesAndPushedRequestsAreRefused) {
  auto c = register_client({{"token_endpoint_auth_method", "client_secret_basic"}});
  Pkce pkce;
  auto code = code_for(c, pkce, kCredentialRead);
  Headers auth = {{"Authorization", basic_auth(c["client_id"], c["client_secret"])}};
  auto pushed = client().post_form("/oauth/par",
                                   form_encode({{"response_type", "code"},
                                                {"redirect_uri", kRedirect},
                                                {"code_challenge", pkce.challenge},
                                                {"code_challenge_method", "S256"}}),
                                   auth);
  ASSERT_EQ(pushed.status, 201) << pushed.body;
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  auto late = client().post_form("/oauth/token",
                                 form_encode({{"grant_type", "authorization_code"},
                                              {"code", code},
                                              {"redirect_uri", kRedirect},
                                              {"code_verifier", pkce.verifier}}),
                                 auth);
  EXPECT_EQ(late.status, 400);
  EXPECT_EQ(late.json()["error"], "invalid_grant");
  auto stale = authorize("/oauth/authorize?" + form_encode({{"client_id", c["client_id"]},
                                                            {"request_uri", pushed.json()["request_uri"]}}));
  EXPECT_EQ(query_of(stale.json()["redirect_to"])["error"], "invalid_request_uri");
}

TEST_F(ShortInteractionTest, InteractionsExpire) {
  auto c = register_client();
  Pkce pkce;
  const std::string id = authorize(authorize_query(c, pkce, kCredentialRead)).json()["interaction_id"];
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_EQ(client().get("/oauth/interactions/" + id).json()["state"], "expired");
  auto late =
      client().post_json("/oauth/interactions/" + id + "/login", nlohmann::json::object(), bearer(session));
  EXPECT_EQ(late.status, 409);
}

}  // namespace
}  // namespace bs::test
