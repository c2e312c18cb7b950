// Consents over real HTTP: the admin API (pre-authorization, listing, ledger, revocation), a
// user's self-service, and the refresh tokens a consent covers: the refresh_token grant, RFC 7009
// revocation and RFC 7662 introspection of refresh tokens. No public endpoint issues refresh
// tokens yet, so the tests mint a grant family in-process against the server's own database and
// keys, exactly as the code exchange will.
#include <memory>

#include "app/bootstrap.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "keys/keyring.hpp"
#include "oauth/token_service.hpp"
#include "store/database.hpp"
#include "support/fixture.hpp"
#include "support/oauth_helpers.hpp"

namespace bs::test {
namespace {

const std::string kOffline = "offline_access";

class ConsentTest : public ServerTest {
 protected:
  void TearDown() override {
    minted_tokens_.reset();
    minted_keys_.reset();
    minted_db_.reset();
    ServerTest::TearDown();
  }

  nlohmann::json web_client(const std::string& scope = kCredentialRead + " " + kProfileRead + " " +
                                                       kOffline) {
    auto r = client().post_json("/oauth/register", {{"client_name", "web"},
                                                    {"redirect_uris", {"https://app.example.org/cb"}},
                                                    {"grant_types", {"authorization_code", "refresh_token"}},
                                                    {"response_types", {"code"}},
                                                    {"token_endpoint_auth_method", "client_secret_basic"},
                                                    {"scope", scope}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  std::string user_id(const std::string& email) { return create_user(email)["id"].get<std::string>(); }

  HttpResponse pre_authorize(const std::string& subject, const std::string& client_id, nlohmann::json scope,
                             const Headers& headers) {
    return client().post_json("/api/v1/consents",
                              {{"subject", subject}, {"client_id", client_id}, {"grant_scope", scope}},
                              headers);
  }
  nlohmann::json consent(const std::string& subject, const std::string& client_id,
                         nlohmann::json scope = {kCredentialRead}) {
    auto r = pre_authorize(subject, client_id, std::move(scope), admin());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  nlohmann::json list(const std::string& query = "", const Headers& headers = {}) {
    auto r = client().get("/api/v1/consents" + query, headers.empty() ? admin() : headers);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
  HttpResponse del(const std::string& path, const Headers& headers) {
    return client().request("DELETE", path, headers);
  }
  Headers bearer(const std::string& token) const { return {{"Authorization", "Bearer " + token}}; }
  Headers basic(const nlohmann::json& c) const {
    return {{"Authorization", basic_auth(c["client_id"], c["client_secret"])}};
  }

  // A grant family as the code exchange would mint it, signed with the server's keys and written to
  // its database; revocations the server makes are seen by the server at once.
  struct Family {
    std::string access;
    std::string refresh;
  };
  Family mint(const std::string& subject, const std::string& client_id,
              std::vector<std::string> scope = {kCredentialRead, kOffline}) {
    if (!minted_tokens_) {
      auto kek = crypto::base64_decode(kTestKek);
      EXPECT_TRUE(kek.has_value());
      auto opened = store::open_database(db->url(), store::DatabaseOptions{.pool_size = 2});
      EXPECT_TRUE(opened.has_value());
      if (!opened || !kek) return {};
      minted_db_ = std::move(*opened);
      minted_keys_ =
          std::make_unique<keys::Keyring>(*minted_db_, keys::KeyringOptions{.key_encryption_key = *kek});
      EXPECT_TRUE(minted_keys_->reload().has_value());
      oauth::TokenOptions o;
      o.issuer = server->base_url();
      o.default_audience = server->base_url();
      o.refresh_hash_key = app::credential_hash_key(*kek);
      minted_tokens_ = std::make_unique<oauth::TokenService>(*minted_db_, *minted_keys_, o);
    }
    const std::string grant_id = "grt_test_" + std::to_string(++minted_);
    Family f;
    auto at = minted_tokens_->issue_access_token(client_id, subject, scope, {server->base_url()}, grant_id);
    EXPECT_TRUE(at.has_value());
    if (at) f.access = at->token;
    auto rt = minted_tokens_->issue_refresh_token(client_id, subject, scope, server->base_url(), grant_id,
                                                  unix_time() + 3600);
    EXPECT_TRUE(rt.has_value());
    if (rt) f.refresh = rt->token;
    return f;
  }

  HttpResponse introspect(const std::string& token, const Headers& as) {
    return client().post_form("/oauth/introspect", form_encode({{"token", token}}), as);
  }
  bool active(const std::string& token, const Headers& as) {
    auto r = introspect(token, as);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().value("active", false);
  }
  HttpResponse refresh(const nlohmann::json& c, const std::string& token, const std::string& extra = "") {
    return client().post_form(
        "/oauth/token", form_encode({{"grant_type", "refresh_token"}, {"refresh_token", token}}) + extra,
        basic(c));
  }
  std::size_t audit_count(const std::string& event) {
    auto r = client().get("/api/v1/audit-events?limit=200&event=" + event, admin());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["items"].size();
  }

  std::unique_ptr<store::Database> minted_db_;
  std::unique_ptr<keys::Keyring> minted_keys_;
  std::unique_ptr<oauth::TokenService> minted_tokens_;
  int minted_ = 0;
};

// --- admin API ---------------------------------------------------------------------------------

TEST_F(ConsentTest, PreAuthorizationCreatesARememberedConsent) {
  auto c = web_client();
  const auto alice = user_id("alice@example.org");
  auto r = pre_authorize(alice, c["client_id"], {kCredentialRead, kProfileRead}, admin());
  ASSERT_EQ(r.status, 201) << r.body;
  auto v = r.json();
  EXPECT_TRUE(v["id"].get<std::string>().starts_with("cns_"));
  EXPECT_EQ(v["subject"], alice);
  EXPECT_EQ(v["client_id"], c["client_id"]);
  EXPECT_EQ(v["scope"], nlohmann::json({kCredentialRead, kProfileRead}));
  EXPECT_EQ(v["remember"], true);
  EXPECT_TRUE(v["revoked_at"].is_null());
  const std::string created = v["created_at"];
  EXPECT_TRUE(created.size() == 20 && created.back() == 'Z') << created;
  EXPECT_EQ(v["updated_at"], v["created_at"]);

  auto one = client().get("/api/v1/consents/" + v["id"].get<std::string>(), admin());
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.json(), v);
  EXPECT_EQ(client().get("/api/v1/consents/cns_nope", admin()).status, 404);
  EXPECT_EQ(audit_count("consent.pre_authorized"), 1u);
}

TEST_F(ConsentTest, PreAuthorizationRejectsBadInputAndChangesNothing) {
  auto c = web_client(kCredentialRead);
  const std::string cid = c["client_id"];
  const auto alice = user_id("alice@example.org");

  auto unknown_client = pre_authorize(alice, "cli_nobody", {kCredentialRead}, admin());
  EXPECT_EQ(unknown_client.status, 404);
  EXPECT_EQ(unknown_client.json()["error"], "not_found");
  EXPECT_EQ(pre_authorize("usr_nobody", cid, {kCredentialRead}, admin()).status, 404);
  auto outside = pre_authorize(alice, cid, {kProfileRead}, admin());
  EXPECT_EQ(outside.status, 400);
  EXPECT_EQ(outside.json()["error"], "invalid_scope");
  EXPECT_EQ(pre_authorize(alice, cid, {"made-up"}, admin()).json()["error"], "invalid_scope");

  const std::vector<nlohmann::json> malformed = {
      {{"subject", alice}, {"client_id", cid}},
      {{"subject", alice}, {"client_id", cid}, {"grant_scope", nlohmann::json::array()}},
      {{"subject", alice}, {"client_id", cid}, {"grant_scope", kCredentialRead}},
      {{"subject", alice}, {"client_id", cid}, {"grant_scope", {1}}},
      {{"subject", 7}, {"client_id", cid}, {"grant_scope", {kCredentialRead}}},
      {{"client_id", cid}, {"grant_scope", {kCredentialRead}}},
      {{"subject", alice}, {"client_id", ""}, {"grant_scope", {kCredentialRead}}},
      {{"subject", alice}, {"client_id", cid}, {"grant_scope", {kCredentialRead}}, {"remember", true}},
  };
  for (const auto& body : malformed) {
    auto r = client().post_json("/api/v1/consents", body, admin());
    EXPECT_EQ(r.status, 400) << body.dump();
    EXPECT_EQ(r.json()["error"], "invalid_request") << body.dump();
  }
  EXPECT_EQ(client()
                .request("POST", "/api/v1/consents",
                         {{"X-API-Key", admin_key}, {"Content-Type", "application/json"}}, "{not json")
                .status,
            400);
  EXPECT_EQ(client()
                .request("POST", "/api/v1/consents",
                         {{"X-API-Key", admin_key}, {"Content-Type", "text/plain"}}, "{}")
                .status,
            415);

  // Credentials: none, and an admin key without admin:consents.
  EXPECT_EQ(pre_authorize(alice, cid, {kCredentialRead}, {}).status, 401);
  const auto users_key = cli_api_key("admin:users", "users-only");
  auto forbidden = pre_authorize(alice, cid, {kCredentialRead}, {{"X-API-Key", users_key}});
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(forbidden.json()["error"], "insufficient_scope");
  EXPECT_EQ(client().get("/api/v1/consents", {{"X-API-Key", users_key}}).status, 403);

  EXPECT_TRUE(list("?include_revoked=true")["items"].empty());
  EXPECT_EQ(audit_count("consent.pre_authorized"), 0u);
}

TEST_F(ConsentTest, ListingFiltersAndPages) {
  auto a = web_client(), b = web_client();
  std::vector<std::string> users;
  for (const char* email : {"u1@example.org", "u2@example.org", "u3@example.org"})
    users.push_back(user_id(email));
  for (const auto& u : users)
    for (const auto* c : {&a, &b}) consent(u, (*c)["client_id"]);

  EXPECT_EQ(list()["items"].size(), 6u);
  auto of_user = list("?subject=" + users[1]);
  ASSERT_EQ(of_user["items"].size(), 2u);
  for (const auto& item : of_user["items"]) EXPECT_EQ(item["subject"], users[1]);
  auto of_client = list("?client_id=" + a["client_id"].get<std::string>());
  ASSERT_EQ(of_client["items"].size(), 3u);
  for (const auto& item : of_client["items"]) EXPECT_EQ(item["client_id"], a["client_id"]);
  EXPECT_EQ(list("?subject=" + users[0] + "&client_id=" + b["client_id"].get<std::string>())["items"].size(),
            1u);

  // Pages of two, in id order, each consent once.
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto p = list("?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    EXPECT_LE(p["items"].size(), 2u);
    for (const auto& item : p["items"]) seen.push_back(item["id"]);
    if (p["next_cursor"].is_null()) break;
    cursor = p["next_cursor"];
  }
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());

  // Revoked ones only on request.
  ASSERT_EQ(del("/api/v1/consents/" + seen[0], admin()).status, 204);
  EXPECT_EQ(list()["items"].size(), 5u);
  auto everything = list("?include_revoked=true");
  ASSERT_EQ(everything["items"].size(), 6u);
  EXPECT_FALSE(everything["items"][0]["revoked_at"].is_null());
  EXPECT_EQ(client().get("/api/v1/consents?limit=0", admin()).status, 400);
  EXPECT_EQ(client().get("/api/v1/consents?include_revoked=maybe", admin()).status, 400);
}

TEST_F(ConsentTest, LedgerRecordsEveryChangeInOrderWithItsActor) {
  auto c = web_client();
  const std::string cid = c["client_id"];
  const auto alice = user_id("alice@example.org");
  const auto second_key = cli_api_key("admin:consents", "consent-admin");
  const Headers second = {{"X-API-Key", second_key}};

  auto created = consent(alice, cid, {kCredentialRead});
  const std::string id = created["id"];
  ASSERT_EQ(pre_authorize(alice, cid, {kCredentialRead, kProfileRead}, second).status, 201);
  // The same set again changes nothing and adds no entry.
  ASSERT_EQ(pre_authorize(alice, cid, {kProfileRead, kCredentialRead}, second).status, 201);
  auto narrowed = pre_authorize(alice, cid, {kProfileRead}, admin());
  ASSERT_EQ(narrowed.status, 201);
  EXPECT_EQ(narrowed.json()["id"], id);
  EXPECT_EQ(narrowed.json()["scope"], nlohmann::json({kProfileRead}));
  ASSERT_EQ(del("/api/v1/consents/" + id, second).status, 204);

  auto r = client().get("/api/v1/consents/" + id + "/ledger", admin());
  ASSERT_EQ(r.status, 200) << r.body;
  auto items = r.json()["items"];
  ASSERT_EQ(items.size(), 4u);
  const std::vector<std::string> actions = {"pre_authorized", "widened", "narrowed", "revoked"};
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i]["action"], actions[i]);
    if (i > 0) {
      EXPECT_GT(items[i]["id"].get<std::int64_t>(), items[i - 1]["id"].get<std::int64_t>());
    }
    EXPECT_TRUE(items[i]["at"].get<std::string>().ends_with("Z"));
  }
  EXPECT_EQ(items[1]["scope"], nlohmann::json({kCredentialRead, kProfileRead}));
  EXPECT_EQ(items[3]["scope"], nlohmann::json({kProfileRead}));  // what was revoked
  const std::string first_actor = items[0]["actor"], second_actor = items[1]["actor"];
  EXPECT_TRUE(first_actor.starts_with("api_key:")) << first_actor;
  EXPECT_TRUE(second_actor.starts_with("api_key:")) << second_actor;
  EXPECT_NE(first_actor, second_actor);
  EXPECT_EQ(items[2]["actor"], first_actor);
  EXPECT_EQ(items[3]["actor"], second_actor);

  // Pages.
  auto p1 = client().get("/api/v1/consents/" + id + "/ledger?limit=3", admin()).json();
  ASSERT_EQ(p1["items"].size(), 3u);
  ASSERT_TRUE(p1["next_cursor"].is_string());
  auto p2 =
      client()
          .get("/api/v1/consents/" + id + "/ledger?limit=3&cursor=" + p1["next_cursor"].get<std::string>(),
               admin())
          .json();
  ASSERT_EQ(p2["items"].size(), 1u);
  EXPECT_EQ(p2["items"][0]["action"], "revoked");
  EXPECT_TRUE(p2["next_cursor"].is_null());
  EXPECT_EQ(client().get("/api/v1/consents/" + id + "/ledger?cursor=abc", admin()).status, 400);
  EXPECT_EQ(client().get("/api/v1/consents/cns_nope/ledger", admin()).status, 404);
}

TEST_F(ConsentTest, RevokingAConsentRevokesItsTokens) {
  auto c = web_client();
  const std::string cid = c["client_id"];
  const auto alice = user_id("alice@example.org");
  const auto bob = user_id("bob@example.org");
  const std::string id = consent(alice, cid)["id"];
  consent(bob, cid);
  auto alices = mint(alice, cid);
  auto bobs = mint(bob, cid);
  ASSERT_TRUE(active(alices.access, basic(c)));
  ASSERT_TRUE(active(alices.refresh, basic(c)));

  ASSERT_EQ(del("/api/v1/consents/" + id, admin()).status, 204);
  EXPECT_FALSE(active(alices.access, basic(c)));
  EXPECT_FALSE(active(alices.refresh, basic(c)));
  EXPECT_EQ(refresh(c, alices.refresh).json()["error"], "invalid_grant");
  auto left = client().get("/api/v1/tokens?subject=" + alice, admin());
  ASSERT_EQ(left.status, 200);
  EXPECT_TRUE(left.json()["items"].empty());
  // Bob's consent and tokens are untouched.
  EXPECT_TRUE(active(bobs.access, basic(c)));
  EXPECT_EQ(list("?subject=" + bob)["items"].size(), 1u);

  auto again = del("/api/v1/consents/" + id, admin());
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(del("/api/v1/consents/cns_nope", admin()).status, 404);
  const auto users_key = cli_api_key("admin:users", "users-only");
  EXPECT_EQ(del("/api/v1/consents/" + id, {{"X-API-Key", users_key}}).status, 403);
  EXPECT_EQ(audit_count("consent.revoked"), 1u);
}

TEST_F(ConsentTest, BulkRevocationBySubjectOrByClient) {
  auto a = web_client(), b = web_client();
  const auto alice = user_id("alice@example.org");
  const auto bob = user_id("bob@example.org");
  for (const auto& u : {alice, bob})
    for (const auto* c : {&a, &b}) consent(u, (*c)["client_id"]);
  auto bob_b = mint(bob, b["client_id"]);

  for (const auto& body : {nlohmann::json::object(), nlohmann::json{{"subject", alice}, {"client_id", "x"}},
                           nlohmann::json{{"subject", 5}}, nlohmann::json{{"subject", ""}},
                           nlohmann::json{{"everyone", true}}}) {
    auto r = client().post_json("/api/v1/consents/revoke", body, admin());
    EXPECT_EQ(r.status, 400) << body.dump();
  }
  EXPECT_EQ(list()["items"].size(), 4u);

  auto by_subject = client().post_json("/api/v1/consents/revoke", {{"subject", alice}}, admin());
  ASSERT_EQ(by_subject.status, 200) << by_subject.body;
  EXPECT_EQ(by_subject.json(), nlohmann::json({{"revoked", 2}}));
  EXPECT_TRUE(active(bob_b.access, basic(b)));
  auto by_client = client().post_json("/api/v1/consents/revoke", {{"client_id", b["client_id"]}}, admin());
  ASSERT_EQ(by_client.status, 200);
  EXPECT_EQ(by_client.json()["revoked"], 1);
  EXPECT_FALSE(active(bob_b.access, basic(b)));
  auto live = list()["items"];
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0]["subject"], bob);
  EXPECT_EQ(live[0]["client_id"], a["client_id"]);
  EXPECT_EQ(client().post_json("/api/v1/consents/revoke", {{"subject", alice}}, admin()).json()["revoked"],
            0);
}

// --- a user's own consents ---------------------------------------------------------------------

TEST_F(ConsentTest, UsersSeeAndRevokeOnlyTheirOwnConsents) {
  auto c = web_client();
  const std::string cid = c["client_id"];
  const auto alice = user_id("alice@example.org");
  const auto bob = user_id("bob@example.org");
  const std::string alices = consent(alice, cid)["id"];
  const std::string bobs = consent(bob, cid)["id"];
  const auto alice_session = login("alice@example.org");

  auto mine = client().get("/auth/me/consents", bearer(alice_session));
  ASSERT_EQ(mine.status, 200) << mine.body;
  ASSERT_EQ(mine.json()["items"].size(), 1u);
  EXPECT_EQ(mine.json()["items"][0]["id"], alices);
  // A subject filter cannot reach someone else's.
  auto sneaky = client().get("/auth/me/consents?subject=" + bob, bearer(alice_session));
  ASSERT_EQ(sneaky.status, 200);
  ASSERT_EQ(sneaky.json()["items"].size(), 1u);
  EXPECT_EQ(sneaky.json()["items"][0]["id"], alices);

  auto others = del("/auth/me/consents/" + bobs, bearer(alice_session));
  EXPECT_EQ(others.status, 404);
  EXPECT_EQ(list("?subject=" + bob)["items"].size(), 1u);

  auto tokens = mint(alice, cid);
  ASSERT_EQ(del("/auth/me/consents/" + alices, bearer(alice_session)).status, 204);
  EXPECT_FALSE(active(tokens.access, basic(c)));
  EXPECT_TRUE(client().get("/auth/me/consents", bearer(alice_session)).json()["items"].empty());
  auto history = client().get("/auth/me/consents?include_revoked=true", bearer(alice_session)).json();
  ASSERT_EQ(history["items"].size(), 1u);
  auto ledger = client().get("/api/v1/consents/" + alices + "/ledger", admin()).json()["items"];
  ASSERT_EQ(ledger.size(), 2u);
  EXPECT_EQ(ledger[1]["action"], "revoked");
  EXPECT_EQ(ledger[1]["actor"], "user:" + alice);
  EXPECT_EQ(del("/auth/me/consents/" + alices, bearer(alice_session)).status, 404);

  // Only a user's session: not an API key, not anonymous.
  EXPECT_EQ(client().get("/auth/me/consents", admin()).status, 403);
  EXPECT_EQ(del("/auth/me/consents/" + bobs, admin()).status, 403);
  EXPECT_EQ(client().get("/auth/me/consents").status, 401);
  EXPECT_EQ(list("?subject=" + bob)["items"].size(), 1u);
}

// --- refresh tokens ----------------------------------------------------------------------------

TEST_F(ConsentTest, RefreshGrantRotatesAndReuseRevokesTheFamily) {
  auto c = web_client();
  const std::string cid = c["client_id"];
  const auto alice = user_id("alice@example.org");
  consent(alice, cid, {kCredentialRead, kOffline});
  auto f = mint(alice, cid);

  auto first = refresh(c, f.refresh);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.header("cache-control"), "no-store");
  auto body = first.json();
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_EQ(body["scope"], kCredentialRead + " " + kOffline);
  const std::string rt2 = body["refresh_token"], at2 = body["access_token"];
  EXPECT_NE(rt2, f.refresh);
  auto claims = jwt_part(at2, 1);
  EXPECT_EQ(claims["sub"], alice);
  EXPECT_EQ(claims["client_id"], cid);

  auto narrowed = refresh(c, rt2, "&" + form_encode({{"scope", kCredentialRead}}));
  ASSERT_EQ(narrowed.status, 200) << narrowed.body;
  EXPECT_EQ(narrowed.json()["scope"], kCredentialRead);
  const std::string rt3 = narrowed.json()["refresh_token"];
  auto wider = refresh(c, rt3, "&" + form_encode({{"scope", kCredentialRead + " " + kProfileRead}}));
  EXPECT_EQ(wider.status, 400);
  EXPECT_EQ(wider.json()["error"], "invalid_scope");

  // The first token again: theft assumed, the whole family goes.
  auto replay = refresh(c, f.refresh);
  EXPECT_EQ(replay.status, 400);
  EXPECT_EQ(replay.json()["error"], "invalid_grant");
  EXPECT_FALSE(active(at2, basic(c)));
  EXPECT_FALSE(active(rt3, basic(c)));
  EXPECT_EQ(refresh(c, rt3).json()["error"], "invalid_grant");
  EXPECT_EQ(audit_count("refresh_token.reuse_detected"), 1u);

  // Another client presenting a token gets the answer an unknown token gets.
  auto g = mint(alice, cid);
  auto other = web_client();
  auto stolen = refresh(other, g.refresh);
  EXPECT_EQ(stolen.status, 400);
  EXPECT_EQ(stolen.json(), refresh(other, "no-such-token").json());
  EXPECT_EQ(refresh(c, g.refresh).status, 200);
  auto dup = client().post_form(
      "/oauth/token",
      form_encode({{"grant_type", "refresh_token"}, {"refresh_token", "a"}, {"refresh_token", "b"}}),
      basic(c));
  EXPECT_EQ(dup.json()["error"], "invalid_request");
}

TEST_F(ConsentTest, RefreshTokensAreIntrospectedAndRevokedByTheirClientOnly) {
  auto c = web_client(), other = web_client();
  const std::string cid = c["client_id"];
  const auto alice = user_id("alice@example.org");
  consent(alice, cid, {kCredentialRead, kOffline});
  auto f = mint(alice, cid);

  auto own = introspect(f.refresh, basic(c));
  ASSERT_EQ(own.status, 200);
  auto v = own.json();
  EXPECT_EQ(v["active"], true);
  EXPECT_EQ(v["token_type"], "refresh_token");
  EXPECT_EQ(v["client_id"], cid);
  EXPECT_EQ(v["sub"], alice);
  EXPECT_EQ(v["scope"], kCredentialRead + " " + kOffline);
  EXPECT_FALSE(v.contains("jti"));
  EXPECT_GT(v["exp"].get<std::int64_t>(), v["iat"].get<std::int64_t>());
  EXPECT_EQ(introspect(f.refresh, basic(other)).json(), nlohmann::json({{"active", false}}));
  EXPECT_EQ(introspect(f.refresh, admin()).json()["active"], true);

  // Another client's revocation: 200, no effect, audited.
  auto foreign = client().post_form("/oauth/revoke", form_encode({{"token", f.refresh}}), basic(other));
  EXPECT_EQ(foreign.status, 200);
  EXPECT_TRUE(active(f.refresh, basic(c)));
  EXPECT_EQ(audit_count("token.revoke_denied"), 1u);

  // The owner's: the refresh token and the access tokens of its grant.
  auto revoked = client().post_form(
      "/oauth/revoke", form_encode({{"token", f.refresh}, {"token_type_hint", "refresh_token"}}), basic(c));
  EXPECT_EQ(revoked.status, 200);
  EXPECT_FALSE(active(f.refresh, basic(c)));
  EXPECT_FALSE(active(f.access, basic(c)));
  EXPECT_EQ(refresh(c, f.refresh).json()["error"], "invalid_grant");
  EXPECT_EQ(client().post_form("/oauth/revoke", form_encode({{"token", f.refresh}}), basic(c)).status, 200);

  // A rotated token is no longer active.
  auto g = mint(alice, cid);
  ASSERT_EQ(refresh(c, g.refresh).status, 200);
  EXPECT_FALSE(active(g.refresh, basic(c)));
}

// The whole path with the authorization-code flow: a pre-authorized consent lets the user's
// authorization complete without asking; the code gives a refresh token; the user's revocation
// of the consent ends the refresh tokens and access tokens of that grant.
TEST_F(ConsentTest, PreAuthorizedFlowRefreshesUntilTheUserRevokes) {
  auto c = web_client();
  const std::string cid = c["client_id"];
  const auto alice = user_id("alice@example.org");
  const std::string consent_id = consent(alice, cid, {kCredentialRead, kOffline})["id"];
  const auto session = login("alice@example.org");

  const std::string verifier = "a-long-enough-pkce-code-verifier-0123456789abcdefghij";
  const std::string challenge = crypto::base64url_encode(crypto::sha256(verifier));
  Headers h = bearer(session);
  h.emplace_back("Accept", "application/json");
  auto authorized =
      client().get("/oauth/authorize?" + form_encode({{"response_type", "code"},
                                                      {"client_id", cid},
                                                      {"redirect_uri", "https://app.example.org/cb"},
                                                      {"scope", kCredentialRead + " " + kOffline},
                                                      {"state", "s1"},
                                                      {"code_challenge", challenge},
                                                      {"code_challenge_method", "S256"}}),
                   h);
  ASSERT_EQ(authorized.status, 200) << authorized.body;
  const std::string to = authorized.json().value("redirect_to", "");
  auto at = to.find("code=");
  ASSERT_NE(at, std::string::npos) << authorized.body;
  std::string code = to.substr(at + 5);
  code = code.substr(0, code.find('&'));

  auto exchanged = client().post_form("/oauth/token",
                                      form_encode({{"grant_type", "authorization_code"},
                                                   {"code", code},
                                                   {"redirect_uri", "https://app.example.org/cb"},
                                                   {"code_verifier", verifier}}),
                                      basic(c));
  ASSERT_EQ(exchanged.status, 200) << exchanged.body;
  const std::string rt1 = exchanged.json().value("refresh_token", "");
  ASSERT_FALSE(rt1.empty()) << exchanged.body;
  auto rotated = refresh(c, rt1);
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::string rt2 = rotated.json()["refresh_token"], at2 = rotated.json()["access_token"];
  EXPECT_TRUE(active(at2, basic(c)));

  ASSERT_EQ(del("/auth/me/consents/" + consent_id, bearer(session)).status, 204);
  EXPECT_FALSE(active(at2, basic(c)));
  EXPECT_FALSE(active(exchanged.json()["access_token"], basic(c)));
  auto after = refresh(c, rt2);
  EXPECT_EQ(after.status, 400);
  EXPECT_EQ(after.json()["error"], "invalid_grant");
}

}  // namespace
}  // namespace bs::test
