// The refresh_token grant (rotation, reuse detection, grace period, expiry, scope rules) and the
// ConsentService (ledger semantics, pre-authorization, revocation with its tokens), driven directly
// on a real TokenService over each storage backend.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "auth/audit.hpp"
#include "crypto/random.hpp"
#include "keys/keyring.hpp"
#include "oauth/consents.hpp"
#include "oauth/grants/grant.hpp"
#include "oauth/scopes.hpp"
#include "oauth/token_service.hpp"
#include "store/authorization_repositories.hpp"
#include "store/migrations.hpp"
#include "store/oauth_repositories.hpp"
#include "store/repositories.hpp"
#include "unit/store_fixture.hpp"

namespace bs::oauth {
namespace {

using store::testing::Backend;
using store::testing::FailsWith;
using store::testing::Ok;
using Words = std::vector<std::string>;

const std::string kRead(kScopeCredentialRead);
const std::string kProfile(kScopeProfileRead);
const std::string kUpsert(kScopeCredentialUpsert);
const std::string kOffline(kScopeOfflineAccess);
const std::string kIssuer = "https://as.example";
const std::string kResource = "https://rs.example";

class RefreshConsentTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(Ok(store::migrate(db())));
    keyring_ = std::make_unique<keys::Keyring>(
        db(), keys::KeyringOptions{.key_encryption_key = std::string(32, 'k')});
    ASSERT_TRUE(Ok(keyring_->initialize()));
    audit_ = std::make_unique<auth::AuditLog>(db());
    make_services();
    add_user("usr_alice");
    add_user("usr_bob");
    app_ = add_client("cli_app", {"authorization_code", "refresh_token"});
    other_ = add_client("cli_other", {"authorization_code", "refresh_token"});
    no_refresh_ = add_client("cli_norefresh", {"authorization_code"});
  }

  void make_services() {
    consents_.reset();
    tokens_.reset();
    TokenOptions o;
    o.issuer = kIssuer;
    o.default_audience = kIssuer;
    o.resource_servers = {{kResource, {}, {}}};
    o.refresh_hash_key = "refresh-hash-key";
    o.refresh_token_idle_ttl = idle_ttl_;
    o.refresh_grace_period = grace_;
    tokens_ = std::make_unique<TokenService>(db(), *keyring_, o);
    consents_ = std::make_unique<ConsentService>(db(), *tokens_, *audit_);
  }

  void add_user(const std::string& id, bool disabled = false) {
    store::User u;
    u.id = id;
    u.email = id + "@example.org";
    u.name = id;
    u.password_hash = "x";
    u.disabled = disabled;
    u.created_at = u.updated_at = store::unix_now();
    ASSERT_TRUE(Ok(store::insert_user(db(), u)));
  }

  AuthenticatedClient add_client(const std::string& id, Words grant_types,
                                 Words scope = {kRead, kProfile, kUpsert, kOffline}) {
    store::OAuthClient c;
    c.client_id = id;
    c.token_endpoint_auth_method = "none";
    c.grant_types = std::move(grant_types);
    c.scope = std::move(scope);
    c.metadata = "{}";
    c.created_by = "test";
    c.created_at = c.updated_at = store::unix_now();
    EXPECT_TRUE(Ok(store::insert_client(db(), c)));
    return {c, "none"};
  }

  struct Family {
    std::string grant_id;
    std::string access;
    std::string refresh;
  };
  // What the code exchange would hand out: an access and a refresh token of one new grant.
  Family issue(const std::string& subject = "usr_alice", const std::string& client_id = "cli_app",
               Words scope = {kRead, kProfile, kOffline}, std::int64_t lifetime = 3600) {
    Family f;
    f.grant_id = "grt_" + crypto::random_token(12);
    auto at = tokens_->issue_access_token(client_id, subject, scope, {kIssuer, kResource}, f.grant_id);
    EXPECT_TRUE(Ok(at));
    if (at) f.access = at->token;
    auto rt = tokens_->issue_refresh_token(client_id, subject, scope, kIssuer + " " + kResource, f.grant_id,
                                           store::unix_now() + lifetime);
    EXPECT_TRUE(Ok(rt));
    if (rt) f.refresh = rt->token;
    return f;
  }
  // A refresh token stored with chosen times (expiry, idleness).
  std::string seed_refresh(std::int64_t issued_at, std::int64_t expires_at, const std::string& grant_id) {
    std::string value = crypto::random_token(32);
    store::OAuthToken t;
    t.jti = tokens_->refresh_token_id(value);
    t.kind = "refresh";
    t.client_id = "cli_app";
    t.subject = "usr_alice";
    t.scope = {kRead};
    t.audience = kIssuer;
    t.grant_id = grant_id;
    t.issued_at = issued_at;
    t.expires_at = expires_at;
    EXPECT_TRUE(Ok(store::insert_token(db(), t)));
    return value;
  }
  void consent(const std::string& subject = "usr_alice", const std::string& client_id = "cli_app",
               Words scope = {kRead, kProfile, kOffline}) {
    ASSERT_TRUE(Ok(consents_->record_grant(subject, client_id, scope, true, "user:" + subject)));
  }

  Result<TokenResponseBody> refresh(const AuthenticatedClient& client, const std::string& token,
                                    std::vector<std::pair<std::string, std::string>> extra = {}) {
    Params p;
    p.items = {{"grant_type", "refresh_token"}, {"refresh_token", token}};
    for (auto& kv : extra) p.items.push_back(std::move(kv));
    GrantContext ctx{*tokens_, *audit_, db(), "127.0.0.1"};
    return refresh_token_grant(client, p, ctx);
  }

  store::OAuthToken record_of(const std::string& token) {
    auto r = tokens_->find_refresh_token(token);
    EXPECT_TRUE(Ok(r));
    EXPECT_TRUE(r && *r);
    return r && *r ? **r : store::OAuthToken{};
  }
  bool access_valid(const std::string& token) { return tokens_->verify_access_token(token).has_value(); }

  std::int64_t audit_count(const std::string& event) {
    store::AuditQuery q;
    q.event = event;
    q.limit = 1000;
    auto page = store::list_audit_events(db(), q);
    EXPECT_TRUE(Ok(page));
    return page ? static_cast<std::int64_t>(page->items.size()) : -1;
  }

  std::vector<store::ConsentLedgerEntry> ledger_of(const std::string& consent_id) {
    auto page = consents_->ledger(consent_id, std::nullopt, 100);
    EXPECT_TRUE(Ok(page));
    return page ? page->items : std::vector<store::ConsentLedgerEntry>{};
  }
  static Words actions(const std::vector<store::ConsentLedgerEntry>& entries) {
    Words out;
    for (const auto& e : entries) out.push_back(e.action);
    return out;
  }

  std::int64_t idle_ttl_ = 14 * 86400;
  std::int64_t grace_ = 0;
  std::unique_ptr<keys::Keyring> keyring_;
  std::unique_ptr<auth::AuditLog> audit_;
  std::unique_ptr<TokenService> tokens_;
  std::unique_ptr<ConsentService> consents_;
  AuthenticatedClient app_, other_, no_refresh_;
};

// --- refresh_token grant -----------------------------------------------------------------------

TEST_P(RefreshConsentTest, RotationIssuesANewPairAndRetiresTheOldToken) {
  consent();
  auto f = issue();
  const auto old = record_of(f.refresh);
  auto r = refresh(app_, f.refresh);
  ASSERT_TRUE(Ok(r));
  EXPECT_EQ((*r)["token_type"], "Bearer");
  EXPECT_EQ((*r)["expires_in"], 3600);
  EXPECT_EQ((*r)["scope"], kRead + " " + kProfile + " " + kOffline);
  const std::string next = (*r)["refresh_token"];
  ASSERT_NE(next, f.refresh);

  auto claims = tokens_->verify_access_token((*r)["access_token"].get<std::string>());
  ASSERT_TRUE(Ok(claims));
  EXPECT_EQ(claims->subject, "usr_alice");
  EXPECT_EQ(claims->client_id, "cli_app");
  EXPECT_EQ(claims->audience, (Words{kIssuer, kResource}));

  const auto rotated = record_of(next);
  EXPECT_EQ(rotated.grant_id, f.grant_id);
  EXPECT_EQ(rotated.parent_jti, old.jti);
  EXPECT_EQ(rotated.expires_at, old.expires_at);  // the absolute deadline does not move
  EXPECT_EQ(rotated.scope, old.scope);
  EXPECT_EQ(rotated.audience, old.audience);
  EXPECT_TRUE(record_of(f.refresh).used_at.has_value());
  // The new one rotates in turn.
  EXPECT_TRUE(Ok(refresh(app_, next)));
}

TEST_P(RefreshConsentTest, ReuseRevokesTheWholeFamily) {
  consent();
  auto f = issue();
  auto first = refresh(app_, f.refresh);
  ASSERT_TRUE(Ok(first));
  const std::string rt2 = (*first)["refresh_token"], at2 = (*first)["access_token"];
  ASSERT_TRUE(access_valid(f.access));
  ASSERT_TRUE(access_valid(at2));

  EXPECT_TRUE(FailsWith(refresh(app_, f.refresh), ErrorCode::invalid_grant));
  EXPECT_FALSE(access_valid(f.access));
  EXPECT_FALSE(access_valid(at2));
  EXPECT_TRUE(record_of(rt2).revoked_at.has_value());
  EXPECT_TRUE(FailsWith(refresh(app_, rt2), ErrorCode::invalid_grant));
  EXPECT_EQ(audit_count("refresh_token.reuse_detected"), 1);
  // Another family of the same subject and client is not touched.
  auto g = issue();
  EXPECT_TRUE(Ok(refresh(app_, g.refresh)));
}

TEST_P(RefreshConsentTest, ReuseWithinTheGracePeriodIsRefusedWithoutRevoking) {
  grace_ = 60;
  make_services();
  consent();
  auto f = issue();
  auto first = refresh(app_, f.refresh);
  ASSERT_TRUE(Ok(first));
  EXPECT_TRUE(FailsWith(refresh(app_, f.refresh), ErrorCode::invalid_grant));
  EXPECT_EQ(audit_count("refresh_token.reuse_detected"), 0);
  EXPECT_TRUE(access_valid((*first)["access_token"]));
  EXPECT_TRUE(Ok(refresh(app_, (*first)["refresh_token"])));
}

TEST_P(RefreshConsentTest, ReuseAfterTheGracePeriodRevokes) {
  grace_ = 60;
  make_services();
  consent();
  const auto now = store::unix_now();
  const std::string grant = "grt_graceful";
  auto at = tokens_->issue_access_token("cli_app", "usr_alice", {kRead}, {kIssuer}, grant);
  ASSERT_TRUE(Ok(at));
  auto rt = seed_refresh(now - 200, now + 3600, grant);
  ASSERT_TRUE(Ok(store::mark_token_used(db(), tokens_->refresh_token_id(rt), now - 120)));
  EXPECT_TRUE(FailsWith(refresh(app_, rt), ErrorCode::invalid_grant));
  EXPECT_FALSE(access_valid(at->token));
  EXPECT_EQ(audit_count("refresh_token.reuse_detected"), 1);
}

TEST_P(RefreshConsentTest, ConcurrentRotationHasExactlyOneWinner) {
  grace_ = 60;  // the losers are a race, not theft: the winner's tokens survive
  make_services();
  consent();
  auto f = issue();
  std::atomic<int> wins{0}, invalid{0};
  std::vector<std::string> winners(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      auto r = refresh(app_, f.refresh);
      if (r) {
        ++wins;
        winners[i] = (*r)["refresh_token"];
      } else if (r.error().code == ErrorCode::invalid_grant) {
        ++invalid;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(invalid.load(), 7);
  for (const auto& w : winners)
    if (!w.empty()) {
      EXPECT_TRUE(Ok(refresh(app_, w)));
    }
}

TEST_P(RefreshConsentTest, AnotherClientsTokenIsInvalidGrantAndLeftAlone) {
  consent();
  auto f = issue();
  auto stolen = refresh(other_, f.refresh);
  ASSERT_TRUE(FailsWith(stolen, ErrorCode::invalid_grant));
  // The same answer as for a token that does not exist.
  auto unknown = refresh(other_, "no-such-token");
  ASSERT_TRUE(FailsWith(unknown, ErrorCode::invalid_grant));
  EXPECT_EQ(stolen.error().description, unknown.error().description);
  EXPECT_FALSE(record_of(f.refresh).used_at.has_value());
  EXPECT_TRUE(access_valid(f.access));
  EXPECT_TRUE(Ok(refresh(app_, f.refresh)));
}

TEST_P(RefreshConsentTest, ScopeMayNarrowButNeverWiden) {
  consent();
  auto f = issue();
  auto narrowed = refresh(app_, f.refresh, {{"scope", kRead}});
  ASSERT_TRUE(Ok(narrowed));
  EXPECT_EQ((*narrowed)["scope"], kRead);
  auto claims = tokens_->verify_access_token((*narrowed)["access_token"].get<std::string>());
  ASSERT_TRUE(Ok(claims));
  EXPECT_EQ(claims->scope, Words{kRead});
  // RFC 6749 §6: the new refresh token keeps the original scope.
  const std::string next = (*narrowed)["refresh_token"];
  EXPECT_EQ(record_of(next).scope, (Words{kRead, kProfile, kOffline}));

  // kUpsert is registered by the client but was not granted: widening.
  EXPECT_TRUE(FailsWith(refresh(app_, next, {{"scope", kRead + " " + kUpsert}}), ErrorCode::invalid_scope));
  EXPECT_TRUE(FailsWith(refresh(app_, next, {{"scope", "nonsense"}}), ErrorCode::invalid_scope));
  // A refused scope does not use the token up.
  EXPECT_FALSE(record_of(next).used_at.has_value());
  EXPECT_TRUE(Ok(refresh(app_, next)));
}

TEST_P(RefreshConsentTest, ResourceMayNarrowTheAudience) {
  consent();
  auto f = issue();
  auto r = refresh(app_, f.refresh, {{"resource", kResource}});
  ASSERT_TRUE(Ok(r));
  auto claims = tokens_->verify_access_token((*r)["access_token"].get<std::string>());
  ASSERT_TRUE(Ok(claims));
  EXPECT_EQ(claims->audience, Words{kResource});
  EXPECT_TRUE(FailsWith(refresh(app_, (*r)["refresh_token"], {{"resource", "https://elsewhere.example"}}),
                        ErrorCode::invalid_target));
}

TEST_P(RefreshConsentTest, ExpiredIdleRevokedAndUnknownTokensAreInvalidGrant) {
  idle_ttl_ = 100;
  make_services();
  consent();
  const auto now = store::unix_now();
  auto expired = seed_refresh(now - 10, now - 1, "grt_expired");
  EXPECT_TRUE(FailsWith(refresh(app_, expired), ErrorCode::invalid_grant));
  auto idle = seed_refresh(now - 101, now + 3600, "grt_idle");
  EXPECT_TRUE(FailsWith(refresh(app_, idle), ErrorCode::invalid_grant));
  auto fresh = seed_refresh(now - 50, now + 3600, "grt_fresh");
  EXPECT_TRUE(Ok(refresh(app_, fresh)));
  auto revoked = seed_refresh(now, now + 3600, "grt_revoked");
  ASSERT_TRUE(Ok(tokens_->revoke_grant("grt_revoked")));
  EXPECT_TRUE(FailsWith(refresh(app_, revoked), ErrorCode::invalid_grant));
  EXPECT_TRUE(FailsWith(refresh(app_, "unknown"), ErrorCode::invalid_grant));
  // None of these was reuse.
  EXPECT_EQ(audit_count("refresh_token.reuse_detected"), 0);
  EXPECT_FALSE(record_of(expired).used_at.has_value());
}

TEST_P(RefreshConsentTest, MalformedRequestsAndUnregisteredClients) {
  consent("usr_alice", "cli_norefresh");
  auto f = issue("usr_alice", "cli_norefresh");
  EXPECT_TRUE(FailsWith(refresh(no_refresh_, f.refresh), ErrorCode::unauthorized_client));
  EXPECT_TRUE(FailsWith(refresh(app_, ""), ErrorCode::invalid_request));
  Params p;
  p.items = {{"grant_type", "refresh_token"}, {"refresh_token", "a"}, {"refresh_token", "b"}};
  GrantContext ctx{*tokens_, *audit_, db(), ""};
  EXPECT_TRUE(FailsWith(refresh_token_grant(app_, p, ctx), ErrorCode::invalid_request));
  auto g = issue();
  EXPECT_TRUE(
      FailsWith(refresh(app_, g.refresh, {{"scope", kRead}, {"scope", kRead}}), ErrorCode::invalid_request));
}

TEST_P(RefreshConsentTest, ADisabledUserOrAMissingConsentEndsTheFamily) {
  auto f = issue();  // no consent recorded
  EXPECT_TRUE(FailsWith(refresh(app_, f.refresh), ErrorCode::invalid_grant));
  EXPECT_FALSE(access_valid(f.access));

  add_user("usr_carol", true);
  consent("usr_carol");
  auto g = issue("usr_carol");
  EXPECT_TRUE(FailsWith(refresh(app_, g.refresh), ErrorCode::invalid_grant));
}

// --- consents ----------------------------------------------------------------------------------

TEST_P(RefreshConsentTest, RecordGrantCreatesWidensAndIgnoresSubsets) {
  auto first = consents_->record_grant("usr_alice", "cli_app", {kRead}, false, "user:usr_alice");
  ASSERT_TRUE(Ok(first));
  EXPECT_EQ(first->scope, Words{kRead});
  EXPECT_FALSE(first->remember);
  EXPECT_FALSE(*consents_->covers("usr_alice", "cli_app", {kRead}));  // not remembered

  // A subset changes nothing: no ledger entry.
  auto same = consents_->record_grant("usr_alice", "cli_app", {kRead}, false, "user:usr_alice");
  ASSERT_TRUE(Ok(same));
  EXPECT_EQ(same->id, first->id);
  EXPECT_EQ(actions(ledger_of(first->id)), Words{"granted"});

  // More scopes: the union.
  auto wider = consents_->record_grant("usr_alice", "cli_app", {kProfile}, false, "user:usr_alice");
  ASSERT_TRUE(Ok(wider));
  EXPECT_EQ(wider->id, first->id);
  EXPECT_EQ(wider->scope, (Words{kRead, kProfile}));

  // A subset that asks to be remembered: same scope, remembered now.
  auto remembered = consents_->record_grant("usr_alice", "cli_app", {kRead}, true, "user:usr_alice");
  ASSERT_TRUE(Ok(remembered));
  EXPECT_TRUE(remembered->remember);
  EXPECT_EQ(remembered->scope, (Words{kRead, kProfile}));
  EXPECT_TRUE(*consents_->covers("usr_alice", "cli_app", {kRead, kProfile}));
  EXPECT_FALSE(*consents_->covers("usr_alice", "cli_app", {kRead, kUpsert}));
  EXPECT_FALSE(*consents_->covers("usr_bob", "cli_app", {kRead}));
  // ...and a later decision without remember does not forget it.
  auto again = consents_->record_grant("usr_alice", "cli_app", {kRead}, false, "user:usr_alice");
  ASSERT_TRUE(Ok(again));
  EXPECT_TRUE(again->remember);

  auto entries = ledger_of(first->id);
  EXPECT_EQ(actions(entries), (Words{"granted", "widened", "granted"}));
  EXPECT_EQ(entries[1].scope, (Words{kRead, kProfile}));
  for (const auto& e : entries) EXPECT_EQ(e.actor, "user:usr_alice");
  EXPECT_TRUE(FailsWith(consents_->record_grant("usr_alice", "cli_app", {"bogus"}, true, "x"),
                        ErrorCode::invalid_scope));
}

TEST_P(RefreshConsentTest, PreAuthorizeValidatesAndReplacesTheScope) {
  EXPECT_TRUE(
      FailsWith(consents_->pre_authorize("usr_alice", "cli_nobody", {kRead}, "admin"), ErrorCode::not_found));
  EXPECT_TRUE(
      FailsWith(consents_->pre_authorize("usr_nobody", "cli_app", {kRead}, "admin"), ErrorCode::not_found));
  auto narrow_client = add_client("cli_narrow", {"authorization_code"}, {kRead});
  EXPECT_TRUE(FailsWith(consents_->pre_authorize("usr_alice", "cli_narrow", {kProfile}, "admin"),
                        ErrorCode::invalid_scope));
  EXPECT_TRUE(FailsWith(consents_->pre_authorize("usr_alice", "cli_app", {"bogus"}, "admin"),
                        ErrorCode::invalid_scope));
  EXPECT_TRUE(
      FailsWith(consents_->pre_authorize("usr_alice", "cli_app", {}, "admin"), ErrorCode::invalid_scope));
  ASSERT_TRUE(Ok(store::set_client_enabled(db(), "cli_narrow", false, store::unix_now())));
  EXPECT_TRUE(
      FailsWith(consents_->pre_authorize("usr_alice", "cli_narrow", {kRead}, "admin"), ErrorCode::not_found));
  auto none = consents_->list({});
  ASSERT_TRUE(Ok(none));
  EXPECT_TRUE(none->items.empty());

  auto created = consents_->pre_authorize("usr_alice", "cli_app", {kRead, kProfile}, "api_key:k1");
  ASSERT_TRUE(Ok(created));
  EXPECT_TRUE(created->remember);
  EXPECT_TRUE(*consents_->covers("usr_alice", "cli_app", {kProfile}));

  auto f = issue("usr_alice", "cli_app", {kRead, kProfile});
  // Widening keeps the tokens.
  ASSERT_TRUE(Ok(consents_->pre_authorize("usr_alice", "cli_app", {kRead, kProfile, kUpsert}, "api_key:k1")));
  EXPECT_TRUE(access_valid(f.access));
  // The same set again: nothing to record.
  ASSERT_TRUE(Ok(consents_->pre_authorize("usr_alice", "cli_app", {kUpsert, kRead, kProfile}, "api_key:k1")));
  // Narrowing revokes what was granted under the wider consent.
  auto narrowed = consents_->pre_authorize("usr_alice", "cli_app", {kRead}, "api_key:k2");
  ASSERT_TRUE(Ok(narrowed));
  EXPECT_EQ(narrowed->id, created->id);
  EXPECT_EQ(narrowed->scope, Words{kRead});
  EXPECT_FALSE(access_valid(f.access));
  EXPECT_TRUE(record_of(f.refresh).revoked_at.has_value());
  // Neither subset nor superset.
  ASSERT_TRUE(Ok(consents_->pre_authorize("usr_alice", "cli_app", {kProfile}, "api_key:k2")));

  auto entries = ledger_of(created->id);
  EXPECT_EQ(actions(entries), (Words{"pre_authorized", "widened", "narrowed", "pre_authorized"}));
  EXPECT_EQ(entries[0].actor, "api_key:k1");
  EXPECT_EQ(entries[2].actor, "api_key:k2");
  EXPECT_EQ(entries[3].scope, Words{kProfile});
  for (std::size_t i = 1; i < entries.size(); ++i) EXPECT_GT(entries[i].id, entries[i - 1].id);
}

TEST_P(RefreshConsentTest, RevokeEndsTheConsentAndItsTokens) {
  consent();
  auto c = consents_->list({.subject = "usr_alice"});
  ASSERT_TRUE(Ok(c));
  ASSERT_EQ(c->items.size(), 1u);
  const auto id = c->items[0].id;
  auto f = issue();
  auto bobs = issue("usr_bob");  // another subject's tokens for the same client
  auto cc = tokens_->issue_access_token("cli_app", "cli_app", {kRead}, {kIssuer});  // the client's own
  ASSERT_TRUE(Ok(cc));

  // Someone else's consent: not found, and nothing changes.
  EXPECT_TRUE(FailsWith(consents_->revoke(id, "user:usr_bob", std::string("usr_bob")), ErrorCode::not_found));
  EXPECT_TRUE(access_valid(f.access));

  ASSERT_TRUE(Ok(consents_->revoke(id, "user:usr_alice", std::string("usr_alice"))));
  EXPECT_FALSE(access_valid(f.access));
  EXPECT_TRUE(FailsWith(refresh(app_, f.refresh), ErrorCode::invalid_grant));
  EXPECT_TRUE(access_valid(bobs.access));
  EXPECT_TRUE(access_valid(cc->token));
  auto found = consents_->find(id);
  ASSERT_TRUE(Ok(found));
  ASSERT_TRUE(found->has_value());
  EXPECT_TRUE((*found)->revoked_at.has_value());
  EXPECT_FALSE(*consents_->covers("usr_alice", "cli_app", {kRead}));
  EXPECT_TRUE(FailsWith(consents_->revoke(id, "admin"), ErrorCode::not_found));
  EXPECT_TRUE(FailsWith(consents_->revoke("cns_unknown", "admin"), ErrorCode::not_found));
  EXPECT_EQ(actions(ledger_of(id)), (Words{"granted", "revoked"}));
  EXPECT_EQ(ledger_of(id).back().actor, "user:usr_alice");
  EXPECT_EQ(audit_count("consent.revoked"), 1);

  // A new decision after revocation is a new consent.
  auto next = consents_->record_grant("usr_alice", "cli_app", {kRead}, true, "user:usr_alice");
  ASSERT_TRUE(Ok(next));
  EXPECT_NE(next->id, id);
}

TEST_P(RefreshConsentTest, BulkRevocationBySubjectAndByClient) {
  consent("usr_alice", "cli_app");
  consent("usr_alice", "cli_other");
  consent("usr_bob", "cli_app");
  consent("usr_bob", "cli_other");
  auto alice_app = issue("usr_alice", "cli_app");
  auto alice_other = issue("usr_alice", "cli_other");
  auto bob_app = issue("usr_bob", "cli_app");
  auto bob_other = issue("usr_bob", "cli_other");

  auto n = consents_->revoke_all_of_subject("usr_alice", "api_key:k1");
  ASSERT_TRUE(Ok(n));
  EXPECT_EQ(*n, 2);
  EXPECT_FALSE(access_valid(alice_app.access));
  EXPECT_FALSE(access_valid(alice_other.access));
  EXPECT_TRUE(access_valid(bob_app.access));
  EXPECT_EQ(*consents_->revoke_all_of_subject("usr_alice", "api_key:k1"), 0);

  auto m = consents_->revoke_all_of_client("cli_other", "api_key:k1");
  ASSERT_TRUE(Ok(m));
  EXPECT_EQ(*m, 1);
  EXPECT_FALSE(access_valid(bob_other.access));
  EXPECT_TRUE(access_valid(bob_app.access));

  auto live = consents_->list({});
  ASSERT_TRUE(Ok(live));
  ASSERT_EQ(live->items.size(), 1u);
  EXPECT_EQ(live->items[0].subject, "usr_bob");
  EXPECT_EQ(live->items[0].client_id, "cli_app");
  auto all = consents_->list({.include_revoked = true});
  ASSERT_TRUE(Ok(all));
  ASSERT_EQ(all->items.size(), 4u);
  for (const auto& c : all->items)
    if (c.revoked_at) {
      EXPECT_EQ(actions(ledger_of(c.id)), (Words{"granted", "revoked"}));
    }
}

TEST_P(RefreshConsentTest, ConcurrentGrantsLeaveOneLiveConsent) {
  const Words scopes[] = {{kRead}, {kProfile}, {kUpsert}, {kOffline}};
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      auto r = consents_->record_grant("usr_alice", "cli_app", scopes[i % 4], true, "user:usr_alice");
      if (!r) ++failures;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto live = consents_->list({.subject = "usr_alice", .include_revoked = true});
  ASSERT_TRUE(Ok(live));
  ASSERT_EQ(live->items.size(), 1u);
  auto entries = ledger_of(live->items[0].id);
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries[0].action, "granted");
  // SQLite serializes writers, so no widening is lost there. PostgreSQL at READ COMMITTED can lose
  // one of two truly concurrent widenings (see ConsentService): only the invariant above holds.
  if (!is_postgres()) {
    EXPECT_EQ(live->items[0].scope.size(), 4u);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, RefreshConsentTest, ::testing::Values(Backend::sqlite, Backend::postgres),
                         store::testing::backend_name);

}  // namespace
}  // namespace bs::oauth
