// OAuth repository tests (clients, tokens, revocations, assertion jtis, janitor), run against every
// backend the fixture provides.
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "oauth/token_recorder.hpp"
#include "store/janitor.hpp"
#include "store/oauth_repositories.hpp"
#include "unit/store_fixture.hpp"

namespace bs::store::testing {
namespace {

class StoreOAuthTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(Ok(migrate(db())));
  }

  static OAuthClient client(std::string id) {
    OAuthClient c;
    c.client_id = std::move(id);
    c.client_secret_hash = "a1b2c3";
    c.token_endpoint_auth_method = "client_secret_basic";
    c.grant_types = {"authorization_code", "refresh_token"};
    c.scope = {"badges:read", "badges:issue"};
    c.metadata = R"({"client_name":"Test","redirect_uris":["https://app.example/cb"]})";
    c.created_by = "registration";
    c.created_at = 1000;
    c.updated_at = 1000;
    return c;
  }

  // A client's cut-off taken at `now` (seconds), as oauth::client_cutoff_now builds one.
  static ClientRevocation cutoff(std::string client_id, std::int64_t now) {
    return {.client_id = std::move(client_id),
            .issued_before_us = now * 1'000'000,
            .expires_at = now + 86400,
            .revoked_at = now};
  }

  static OAuthToken token(std::string jti, std::string client_id = "c1", std::string subject = "u1",
                          std::int64_t expires_at = 5000) {
    OAuthToken t;
    t.jti = std::move(jti);
    t.kind = "access";
    t.client_id = std::move(client_id);
    t.subject = std::move(subject);
    t.scope = {"badges:read"};
    t.audience = "https://badges.example";
    t.issued_at = 1000;
    t.expires_at = expires_at;
    return t;
  }

  std::int64_t count(std::string_view table) {
    auto rows = db().query("SELECT COUNT(*) FROM " + std::string(table));
    EXPECT_TRUE(Ok(rows));
    return rows && !rows->empty() ? rows->front().integer(0) : -1;
  }

  std::vector<Revocation> revocations(std::int64_t now = 0) {
    auto r = list_revocations_since(db(), 0, now, 100000);
    EXPECT_TRUE(Ok(r));
    return r ? *r : std::vector<Revocation>{};
  }

  std::optional<OAuthToken> get_token(std::string_view jti) {
    auto t = find_token(db(), jti);
    EXPECT_TRUE(Ok(t));
    return t ? *t : std::nullopt;
  }

  static std::set<std::string> jtis_of(const std::vector<Revocation>& revs) {
    std::set<std::string> out;
    for (const auto& r : revs) out.insert(r.jti);
    return out;
  }
};

// --- clients --------------------------------------------------------------------------------------

TEST_P(StoreOAuthTest, ClientInsertFindUpdate) {
  OAuthClient c = client("c1");
  c.client_secret_encrypted = "bm9uY2U=.Y2lwaGVy";
  c.client_secret_expires_at = 99999;
  c.registration_token_hash = "regtok";
  c.service_account = true;
  ASSERT_TRUE(Ok(insert_client(db(), c)));
  EXPECT_TRUE(FailsWith(insert_client(db(), client("c1")), ErrorCode::conflict));

  auto got = find_client(db(), "c1");
  ASSERT_TRUE(Ok(got));
  ASSERT_TRUE(got->has_value());
  const OAuthClient& g = **got;
  EXPECT_EQ(g.client_id, "c1");
  EXPECT_EQ(g.client_secret_hash, "a1b2c3");
  EXPECT_EQ(g.client_secret_encrypted, "bm9uY2U=.Y2lwaGVy");
  EXPECT_EQ(g.client_secret_expires_at, 99999);
  EXPECT_EQ(g.registration_token_hash, "regtok");
  EXPECT_EQ(g.token_endpoint_auth_method, "client_secret_basic");
  EXPECT_EQ(g.grant_types, (std::vector<std::string>{"authorization_code", "refresh_token"}));
  EXPECT_EQ(g.scope, (std::vector<std::string>{"badges:read", "badges:issue"}));
  EXPECT_EQ(g.metadata, c.metadata);
  EXPECT_TRUE(g.service_account);
  EXPECT_TRUE(g.enabled);
  EXPECT_EQ(g.created_by, "registration");
  EXPECT_EQ(g.created_at, 1000);
  EXPECT_EQ(g.updated_at, 1000);

  // A public client: every nullable column NULL, empty lists.
  OAuthClient pub = client("c2");
  pub.client_secret_hash.reset();
  pub.token_endpoint_auth_method = "none";
  pub.grant_types = {};
  pub.scope = {"", "a", ""};
  pub.enabled = false;
  ASSERT_TRUE(Ok(insert_client(db(), pub)));
  auto got2 = find_client(db(), "c2");
  ASSERT_TRUE(Ok(got2));
  ASSERT_TRUE(got2->has_value());
  EXPECT_EQ((*got2)->client_secret_hash, std::nullopt);
  EXPECT_EQ((*got2)->client_secret_encrypted, std::nullopt);
  EXPECT_EQ((*got2)->registration_token_hash, std::nullopt);
  EXPECT_EQ((*got2)->client_secret_expires_at, 0);
  EXPECT_TRUE((*got2)->grant_types.empty());
  EXPECT_EQ((*got2)->scope, (std::vector<std::string>{"a"}));
  EXPECT_FALSE((*got2)->enabled);
  EXPECT_FALSE((*got2)->service_account);

  auto none = find_client(db(), "c3");
  ASSERT_TRUE(Ok(none));
  EXPECT_FALSE(none->has_value());

  OAuthClient changed = g;
  changed.client_secret_hash.reset();
  changed.client_secret_encrypted.reset();
  changed.client_secret_expires_at = 0;
  changed.registration_token_hash = "regtok2";
  changed.token_endpoint_auth_method = "private_key_jwt";
  changed.grant_types = {"client_credentials"};
  changed.scope = {"admin:users"};
  changed.metadata = "{}";
  changed.service_account = false;
  changed.enabled = false;
  changed.created_by = "admin:u9";
  changed.created_at = 1;  // not updated
  changed.updated_at = 2000;
  auto updated = update_client(db(), changed);
  ASSERT_TRUE(Ok(updated));
  EXPECT_TRUE(*updated);
  auto after = find_client(db(), "c1");
  ASSERT_TRUE(Ok(after));
  ASSERT_TRUE(after->has_value());
  EXPECT_EQ((*after)->client_secret_hash, std::nullopt);
  EXPECT_EQ((*after)->client_secret_encrypted, std::nullopt);
  EXPECT_EQ((*after)->registration_token_hash, "regtok2");
  EXPECT_EQ((*after)->token_endpoint_auth_method, "private_key_jwt");
  EXPECT_EQ((*after)->grant_types, (std::vector<std::string>{"client_credentials"}));
  EXPECT_EQ((*after)->scope, (std::vector<std::string>{"admin:users"}));
  EXPECT_EQ((*after)->metadata, "{}");
  EXPECT_FALSE((*after)->service_account);
  EXPECT_FALSE((*after)->enabled);
  EXPECT_EQ((*after)->created_by, "admin:u9");
  EXPECT_EQ((*after)->created_at, 1000);
  EXPECT_EQ((*after)->updated_at, 2000);

  auto missing = update_client(db(), client("ghost"));
  ASSERT_TRUE(Ok(missing));
  EXPECT_FALSE(*missing);
}

TEST_P(StoreOAuthTest, ClientSetEnabled) {
  ASSERT_TRUE(Ok(insert_client(db(), client("c1"))));
  auto off = set_client_enabled(db(), "c1", false, 1500);
  ASSERT_TRUE(Ok(off));
  EXPECT_TRUE(*off);
  auto got = find_client(db(), "c1");
  ASSERT_TRUE(Ok(got));
  EXPECT_FALSE((*got)->enabled);
  EXPECT_EQ((*got)->updated_at, 1500);
  auto again = set_client_enabled(db(), "c1", false, 1600);  // already disabled: still found
  ASSERT_TRUE(Ok(again));
  EXPECT_TRUE(*again);
  auto on = set_client_enabled(db(), "c1", true, 1700);
  ASSERT_TRUE(Ok(on));
  EXPECT_TRUE(*on);
  got = find_client(db(), "c1");
  ASSERT_TRUE(Ok(got));
  EXPECT_TRUE((*got)->enabled);
  EXPECT_EQ((*got)->updated_at, 1700);
  auto missing = set_client_enabled(db(), "nope", true, 1700);
  ASSERT_TRUE(Ok(missing));
  EXPECT_FALSE(*missing);
}

TEST_P(StoreOAuthTest, DeleteClientDeletesItsTokensAndKeepsRevocations) {
  ASSERT_TRUE(Ok(insert_client(db(), client("c1"))));
  ASSERT_TRUE(Ok(insert_client(db(), client("c2"))));
  const std::int64_t far = unix_now() + 3600;
  ASSERT_TRUE(Ok(insert_token(db(), token("a1", "c1", "u1", far))));
  ASSERT_TRUE(Ok(insert_token(db(), token("a2", "c1", "u1", far))));
  ASSERT_TRUE(Ok(insert_token(db(), token("b1", "c2", "u1", far))));
  ASSERT_TRUE(Ok(revoke_token(db(), "a2", 1500)));  // already revoked: recorded once, not twice

  auto deleted = delete_client(db(), cutoff("c1", unix_now()));
  ASSERT_TRUE(Ok(deleted));
  EXPECT_TRUE(*deleted);
  auto gone = find_client(db(), "c1");
  ASSERT_TRUE(Ok(gone));
  EXPECT_FALSE(gone->has_value());
  EXPECT_FALSE(get_token("a1").has_value());
  EXPECT_FALSE(get_token("a2").has_value());
  ASSERT_TRUE(get_token("b1").has_value());
  EXPECT_EQ(get_token("b1")->revoked_at, std::nullopt);

  // The deleted client's live tokens stay denied until they expire.
  auto revs = revocations();
  EXPECT_EQ(revs.size(), 2u);
  EXPECT_EQ(jtis_of(revs), (std::set<std::string>{"a1", "a2"}));
  for (const auto& r : revs) EXPECT_EQ(r.expires_at, far);

  auto again = delete_client(db(), cutoff("c1", unix_now()));
  ASSERT_TRUE(Ok(again));
  EXPECT_FALSE(*again);
  auto missing = delete_client(db(), cutoff("never", unix_now()));
  ASSERT_TRUE(Ok(missing));
  EXPECT_FALSE(*missing);
  EXPECT_EQ(count("oauth_revocations"), 2);
  // Its tokens without a row are revoked by its cut-off; a client that did not exist gets none.
  auto cutoffs = list_client_revocations(db(), 0);
  ASSERT_TRUE(Ok(cutoffs));
  ASSERT_EQ(cutoffs->size(), 1u);
  EXPECT_EQ((*cutoffs)[0].client_id, "c1");
}

TEST_P(StoreOAuthTest, ListClientsFiltersAndPages) {
  auto empty = list_clients(db(), ClientQuery{.limit = 10});
  ASSERT_TRUE(Ok(empty));
  EXPECT_TRUE(empty->items.empty());
  EXPECT_FALSE(empty->next_cursor);

  // c0..c6; even ones enabled; c1, c2, c3 service accounts.
  for (int i : {3, 0, 6, 1, 5, 2, 4}) {
    OAuthClient c = client("c" + std::to_string(i));
    c.enabled = i % 2 == 0;
    c.service_account = i >= 1 && i <= 3;
    ASSERT_TRUE(Ok(insert_client(db(), c)));
  }
  auto collect = [&](ClientQuery q) {
    std::vector<std::string> seen;
    int pages = 0;
    do {
      auto page = list_clients(db(), q);
      EXPECT_TRUE(Ok(page));
      if (!page) break;
      for (const auto& c : page->items) seen.push_back(c.client_id);
      q.after_client_id = page->next_cursor;
      ++pages;
    } while (q.after_client_id && pages < 20);
    return std::pair{seen, pages};
  };

  auto [all, all_pages] = collect(ClientQuery{.limit = 3});
  EXPECT_EQ(all, (std::vector<std::string>{"c0", "c1", "c2", "c3", "c4", "c5", "c6"}));
  EXPECT_EQ(all_pages, 3);

  auto [enabled, enabled_pages] = collect(ClientQuery{.limit = 2, .enabled = true});
  EXPECT_EQ(enabled, (std::vector<std::string>{"c0", "c2", "c4", "c6"}));
  EXPECT_EQ(enabled_pages, 2);  // the second page ends exactly at the last row

  auto [disabled, disabled_pages] = collect(ClientQuery{.limit = 10, .enabled = false});
  EXPECT_EQ(disabled, (std::vector<std::string>{"c1", "c3", "c5"}));
  EXPECT_EQ(disabled_pages, 1);

  auto [services, s_pages] = collect(ClientQuery{.limit = 1, .service_account = true});
  EXPECT_EQ(services, (std::vector<std::string>{"c1", "c2", "c3"}));
  EXPECT_EQ(s_pages, 3);

  auto [both, b_pages] = collect(ClientQuery{.limit = 5, .enabled = false, .service_account = true});
  EXPECT_EQ(both, (std::vector<std::string>{"c1", "c3"}));

  auto [others, o_pages] = collect(ClientQuery{.limit = 5, .enabled = true, .service_account = false});
  EXPECT_EQ(others, (std::vector<std::string>{"c0", "c4", "c6"}));

  auto after = list_clients(db(), ClientQuery{.after_client_id = "c4", .limit = 10});
  ASSERT_TRUE(Ok(after));
  ASSERT_EQ(after->items.size(), 2u);
  EXPECT_EQ(after->items[0].client_id, "c5");
  EXPECT_EQ(after->items[0].metadata, client("x").metadata);

  EXPECT_TRUE(FailsWith(list_clients(db(), ClientQuery{.limit = 0}), ErrorCode::invalid_request));
  EXPECT_TRUE(
      FailsWith(list_clients(db(), ClientQuery{.limit = kMaxPageLimit + 1}), ErrorCode::invalid_request));
}

// --- tokens ---------------------------------------------------------------------------------------

TEST_P(StoreOAuthTest, TokenInsertAndFind) {
  OAuthToken t = token("r1");
  t.kind = "refresh";
  t.scope = {"badges:read", "badges:issue", "offline_access"};
  t.audience = "https://a.example https://b.example";
  t.grant_id = "g1";
  t.parent_jti = "r0";
  t.revoked_at = 1200;
  t.used_at = 1100;
  ASSERT_TRUE(Ok(insert_token(db(), t)));
  EXPECT_TRUE(FailsWith(insert_token(db(), token("r1")), ErrorCode::conflict));
  EXPECT_FALSE(insert_token(db(), [] {
    OAuthToken bad = token("x1");
    bad.kind = "id_token";  // not a kind the table accepts
    return bad;
  }()));

  auto got = get_token("r1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->jti, "r1");
  EXPECT_EQ(got->kind, "refresh");
  EXPECT_EQ(got->client_id, "c1");
  EXPECT_EQ(got->subject, "u1");
  EXPECT_EQ(got->scope, t.scope);
  EXPECT_EQ(got->audience, t.audience);
  EXPECT_EQ(got->grant_id, "g1");
  EXPECT_EQ(got->parent_jti, "r0");
  EXPECT_EQ(got->issued_at, 1000);
  EXPECT_EQ(got->expires_at, 5000);
  EXPECT_EQ(got->revoked_at, 1200);
  EXPECT_EQ(got->used_at, 1100);

  ASSERT_TRUE(Ok(insert_token(db(), token("a1"))));
  auto plain = get_token("a1");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->kind, "access");
  EXPECT_EQ(plain->grant_id, std::nullopt);
  EXPECT_EQ(plain->parent_jti, std::nullopt);
  EXPECT_EQ(plain->revoked_at, std::nullopt);
  EXPECT_EQ(plain->used_at, std::nullopt);

  EXPECT_FALSE(get_token("nope").has_value());
  // Inserting a token row is not a revocation, whatever its columns say.
  EXPECT_EQ(count("oauth_revocations"), 0);
}

TEST_P(StoreOAuthTest, RevokeTokenOnceAndRecordsRevocation) {
  ASSERT_TRUE(Ok(insert_token(db(), token("a1", "c1", "u1", 5000))));
  ASSERT_TRUE(Ok(insert_token(db(), token("a2", "c1", "u1", 1500))));

  auto first = revoke_token(db(), "a1", 1200);
  ASSERT_TRUE(Ok(first));
  EXPECT_TRUE(*first);
  auto second = revoke_token(db(), "a1", 1300);
  ASSERT_TRUE(Ok(second));
  EXPECT_FALSE(*second);
  EXPECT_EQ(get_token("a1")->revoked_at, 1200);

  auto unknown = revoke_token(db(), "nope", 1300);
  ASSERT_TRUE(Ok(unknown));
  EXPECT_FALSE(*unknown);
  auto expired = revoke_token(db(), "a2", 1500);  // expires_at == now: no longer live
  ASSERT_TRUE(Ok(expired));
  EXPECT_FALSE(*expired);
  EXPECT_EQ(get_token("a2")->revoked_at, std::nullopt);

  auto revs = revocations();
  ASSERT_EQ(revs.size(), 1u);
  EXPECT_EQ(revs[0].jti, "a1");
  EXPECT_EQ(revs[0].expires_at, 5000);
  EXPECT_EQ(revs[0].revoked_at, 1200);
  EXPECT_GT(revs[0].id, 0);

  // mark_token_used changes another column: not a revocation.
  ASSERT_TRUE(Ok(insert_token(db(), token("r1"))));
  ASSERT_TRUE(Ok(mark_token_used(db(), "r1", 1400)));
  EXPECT_EQ(count("oauth_revocations"), 1);
}

TEST_P(StoreOAuthTest, RevokeTokensOfClientSubjectGrant) {
  // c1/u1: a1 a2 (a2 already revoked) a3 (expired); c1/u2: b1; c2/u1: d1; grant g1: r1 r2 (c2/u3).
  ASSERT_TRUE(Ok(insert_token(db(), token("a1", "c1", "u1"))));
  ASSERT_TRUE(Ok(insert_token(db(), token("a2", "c1", "u1"))));
  ASSERT_TRUE(Ok(insert_token(db(), token("a3", "c1", "u1", 1100))));
  ASSERT_TRUE(Ok(insert_token(db(), token("b1", "c1", "u2"))));
  ASSERT_TRUE(Ok(insert_token(db(), token("d1", "c2", "u1"))));
  for (const char* jti : {"r1", "r2"}) {
    OAuthToken r = token(jti, "c2", "u3");
    r.kind = "refresh";
    r.grant_id = "g1";
    ASSERT_TRUE(Ok(insert_token(db(), r)));
  }
  OAuthToken other = token("r3", "c2", "u3");
  other.grant_id = "g2";
  ASSERT_TRUE(Ok(insert_token(db(), other)));
  ASSERT_TRUE(Ok(revoke_token(db(), "a2", 1150)));

  auto by_client = revoke_tokens_of_client(db(), cutoff("c1", 1200));
  ASSERT_TRUE(Ok(by_client));
  EXPECT_EQ(*by_client, 2);  // a1, b1: a2 was revoked already, a3 expired
  EXPECT_EQ(jtis_of(revocations()), (std::set<std::string>{"a1", "a2", "b1"}));
  EXPECT_EQ(get_token("a3")->revoked_at, std::nullopt);
  EXPECT_EQ(get_token("a2")->revoked_at, 1150);
  // The tokens without a row: by the cut-off, recorded in the same call.
  auto cutoffs = list_client_revocations(db(), 0);
  ASSERT_TRUE(Ok(cutoffs));
  ASSERT_EQ(cutoffs->size(), 1u);
  EXPECT_EQ((*cutoffs)[0].client_id, "c1");
  EXPECT_EQ((*cutoffs)[0].issued_before_us, 1200 * 1'000'000LL);

  auto by_subject = revoke_tokens_of_subject(db(), "u1", 1300);
  ASSERT_TRUE(Ok(by_subject));
  EXPECT_EQ(*by_subject, 1);  // d1
  EXPECT_EQ(get_token("d1")->revoked_at, 1300);

  auto by_grant = revoke_tokens_of_grant(db(), "g1", 1400);
  ASSERT_TRUE(Ok(by_grant));
  EXPECT_EQ(*by_grant, 2);
  EXPECT_EQ(get_token("r1")->revoked_at, 1400);
  EXPECT_EQ(get_token("r2")->revoked_at, 1400);
  EXPECT_EQ(get_token("r3")->revoked_at, std::nullopt);

  auto again = revoke_tokens_of_grant(db(), "g1", 1500);
  ASSERT_TRUE(Ok(again));
  EXPECT_EQ(*again, 0);
  auto none = revoke_tokens_of_client(db(), cutoff("nobody", 1500));
  ASSERT_TRUE(Ok(none));
  EXPECT_EQ(*none, 0);

  // One Revocation per revoked token, with the token's expiry and the revocation time.
  auto revs = revocations();
  ASSERT_EQ(revs.size(), 6u);
  EXPECT_EQ(jtis_of(revs), (std::set<std::string>{"a1", "a2", "b1", "d1", "r1", "r2"}));
  for (const auto& r : revs) {
    EXPECT_EQ(r.expires_at, 5000);
    EXPECT_EQ(r.revoked_at, get_token(r.jti)->revoked_at) << r.jti;
  }
}

TEST_P(StoreOAuthTest, RevocationRollsBackWithItsTransaction) {
  ASSERT_TRUE(Ok(insert_token(db(), token("a1"))));
  Status st = db().transaction([&](Connection& c) -> Status {
    auto r = revoke_token(c, "a1", 1200);
    if (!r) return std::unexpected(r.error());
    if (!*r) return fail(ErrorCode::internal_error, "not revoked");
    return fail(ErrorCode::conflict, "caller gives up");
  });
  EXPECT_TRUE(FailsWith(st, ErrorCode::conflict));
  EXPECT_EQ(get_token("a1")->revoked_at, std::nullopt);
  EXPECT_EQ(count("oauth_revocations"), 0);

  // Committed together too.
  st = db().transaction([&](Connection& c) -> Status {
    auto r = revoke_tokens_of_subject(c, "u1", 1300);
    if (!r) return std::unexpected(r.error());
    return ok();
  });
  ASSERT_TRUE(Ok(st));
  EXPECT_EQ(get_token("a1")->revoked_at, 1300);
  EXPECT_EQ(count("oauth_revocations"), 1);
}

TEST_P(StoreOAuthTest, RevocationIdsBecomeVisibleInOrder) {
  // A poller that has seen id N must never later find a smaller id appear. Transaction A revokes
  // first (drawing the smaller id) and commits late; B revokes meanwhile. B must not become visible
  // before A.
  ASSERT_TRUE(Ok(insert_token(db(), token("a1"))));
  ASSERT_TRUE(Ok(insert_token(db(), token("b1"))));
  std::atomic<bool> a_revoked{false};
  Status a_status;
  std::thread a([&] {
    a_status = db().transaction([&](Connection& c) -> Status {
      auto r = revoke_token(c, "a1", 1200);
      if (!r) return std::unexpected(r.error());
      a_revoked = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return ok();
    });
  });
  while (!a_revoked) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto b = revoke_token(db(), "b1", 1210);
  // As soon as B is visible, every smaller id must be too.
  auto seen = list_revocations_since(db(), 0, 0, 100);
  a.join();
  ASSERT_TRUE(Ok(a_status));
  ASSERT_TRUE(Ok(b));
  EXPECT_TRUE(*b);
  ASSERT_TRUE(Ok(seen));
  ASSERT_EQ(seen->size(), 2u);
  EXPECT_EQ((*seen)[0].jti, "a1");
  EXPECT_EQ((*seen)[1].jti, "b1");
  EXPECT_LT((*seen)[0].id, (*seen)[1].id);
}

TEST_P(StoreOAuthTest, MarkTokenUsedIsCompareAndSet) {
  OAuthToken r = token("r1");
  r.kind = "refresh";
  ASSERT_TRUE(Ok(insert_token(db(), r)));
  auto first = mark_token_used(db(), "r1", 1100);
  ASSERT_TRUE(Ok(first));
  EXPECT_TRUE(*first);
  auto replay = mark_token_used(db(), "r1", 1200);
  ASSERT_TRUE(Ok(replay));
  EXPECT_FALSE(*replay);
  EXPECT_EQ(get_token("r1")->used_at, 1100);

  auto unknown = mark_token_used(db(), "nope", 1200);
  ASSERT_TRUE(Ok(unknown));
  EXPECT_FALSE(*unknown);

  r.jti = "r2";
  ASSERT_TRUE(Ok(insert_token(db(), r)));
  ASSERT_TRUE(Ok(revoke_token(db(), "r2", 1100)));
  auto revoked = mark_token_used(db(), "r2", 1200);
  ASSERT_TRUE(Ok(revoked));
  EXPECT_FALSE(*revoked);
  EXPECT_EQ(get_token("r2")->used_at, std::nullopt);
}

TEST_P(StoreOAuthTest, ConcurrentMarkTokenUsedExactlyOneWins) {
  constexpr int kTokens = 5;
  constexpr int kThreads = 8;
  for (int i = 0; i < kTokens; ++i) {
    OAuthToken r = token("r" + std::to_string(i));
    r.kind = "refresh";
    ASSERT_TRUE(Ok(insert_token(db(), r)));
  }
  std::unique_ptr<Database> other = open_another();  // a second server instance too
  ASSERT_TRUE(other);
  for (int i = 0; i < kTokens; ++i) {
    const std::string jti = "r" + std::to_string(i);
    std::atomic<int> wins{0};
    std::atomic<int> errors{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        while (!go) std::this_thread::yield();
        Database& d = t % 2 ? *other : db();
        auto r = mark_token_used(d, jti, 2000 + t);
        if (!r) {
          ++errors;
          ADD_FAILURE() << r.error().description;
        } else if (*r) {
          ++wins;
        }
      });
    }
    go = true;
    for (auto& t : threads) t.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(wins.load(), 1) << jti;
    ASSERT_TRUE(get_token(jti)->used_at.has_value());
  }
}

TEST_P(StoreOAuthTest, InsertTokensInBatches) {
  ASSERT_TRUE(Ok(insert_tokens(db(), {})));
  EXPECT_EQ(count("oauth_tokens"), 0);

  // Sizes around the statement sizes (powers of two up to 256): 1, non-powers of two, past 256.
  std::int64_t expected = 0;
  int next = 0;
  for (int n : {1, 3, 255, 257, 513}) {
    std::vector<OAuthToken> batch;
    for (int i = 0; i < n; ++i) {
      OAuthToken t = token("s" + std::to_string(next++), "c" + std::to_string(i % 3));
      if (i % 2) t.grant_id = "g" + std::to_string(i);
      batch.push_back(t);
    }
    ASSERT_TRUE(Ok(insert_tokens(db(), batch))) << n;
    expected += n;
    EXPECT_EQ(count("oauth_tokens"), expected);
  }
  auto last = get_token("s" + std::to_string(next - 1));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->client_id, "c2");  // i = 512
  EXPECT_EQ(last->grant_id, std::nullopt);
  auto odd = get_token("s" + std::to_string(next - 2));
  ASSERT_TRUE(odd.has_value());
  EXPECT_EQ(odd->grant_id, "g511");
  EXPECT_EQ(odd->client_id, "c1");

  // 5,000 rows in one transaction, as the batched writer does.
  std::vector<OAuthToken> big;
  big.reserve(5000);
  for (int i = 0; i < 5000; ++i) {
    OAuthToken t = token("big-" + std::to_string(i), "c" + std::to_string(i % 7),
                         "u" + std::to_string(i % 11), 10000 + i);
    t.scope = {"badges:read", "s" + std::to_string(i)};
    if (i % 3 == 0) t.grant_id = "g" + std::to_string(i);
    if (i % 5 == 0) t.parent_jti = "p" + std::to_string(i);
    big.push_back(std::move(t));
  }
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(Ok(db().transaction([&](Connection& c) { return insert_tokens(c, big); })));
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("insert_5000_ms", static_cast<int>(ms));
  EXPECT_EQ(count("oauth_tokens"), expected + 5000);
  for (int i : {0, 1, 2047, 4095, 4999}) {
    auto got = get_token("big-" + std::to_string(i));
    ASSERT_TRUE(got.has_value()) << i;
    EXPECT_EQ(got->client_id, "c" + std::to_string(i % 7));
    EXPECT_EQ(got->subject, "u" + std::to_string(i % 11));
    EXPECT_EQ(got->expires_at, 10000 + i);
    EXPECT_EQ(got->scope, (std::vector<std::string>{"badges:read", "s" + std::to_string(i)}));
    EXPECT_EQ(got->grant_id.has_value(), i % 3 == 0);
    EXPECT_EQ(got->parent_jti.has_value(), i % 5 == 0);
  }

  // A duplicate jti anywhere in the batch is a conflict, and inside a transaction nothing stays.
  std::vector<OAuthToken> dup;
  for (int i = 0; i < 1000; ++i) dup.push_back(token("dup-" + std::to_string(i)));
  dup.push_back(token("big-17"));
  EXPECT_TRUE(
      FailsWith(db().transaction([&](Connection& c) { return insert_tokens(c, dup); }), ErrorCode::conflict));
  EXPECT_EQ(count("oauth_tokens"), expected + 5000);
  EXPECT_FALSE(get_token("dup-0").has_value());
}

// The recorder's write: one statement on PostgreSQL (arrays per column), one transaction on SQLite.
// Every value comes back unchanged, whatever its characters; a duplicate fails the whole batch.
TEST_P(StoreOAuthTest, RecordTokensKeepsEveryValueAndIsAllOrNothing) {
  std::vector<OAuthToken> batch;
  for (int i = 0; i < 300; ++i) {
    OAuthToken t =
        token("rec-" + std::to_string(i), "c\"q\\" + std::to_string(i % 3), "u,{x} NULL", 5000 + i);
    t.scope = {"a\"b", "c\\d", "{e}", "NULL"};
    t.audience = i % 2 ? "" : "https://rs.example/\"x\"";
    if (i % 3 == 0) t.grant_id = "g'" + std::to_string(i);
    if (i % 4 == 0) t.parent_jti = "NULL";
    if (i % 5 == 0) t.revoked_at = 4000 + i;
    if (i % 7 == 0) t.used_at = -i;
    batch.push_back(std::move(t));
  }
  ASSERT_TRUE(Ok(record_tokens(db(), batch)));
  ASSERT_TRUE(Ok(record_tokens(db(), {})));
  EXPECT_EQ(count("oauth_tokens"), 300);
  for (const OAuthToken& want : batch) {
    auto got = get_token(want.jti);
    ASSERT_TRUE(got.has_value()) << want.jti;
    EXPECT_EQ(got->kind, want.kind);
    EXPECT_EQ(got->client_id, want.client_id);
    EXPECT_EQ(got->subject, want.subject);
    EXPECT_EQ(got->scope, want.scope);
    EXPECT_EQ(got->audience, want.audience);
    EXPECT_EQ(got->grant_id, want.grant_id);
    EXPECT_EQ(got->parent_jti, want.parent_jti);
    EXPECT_EQ(got->issued_at, want.issued_at);
    EXPECT_EQ(got->expires_at, want.expires_at);
    EXPECT_EQ(got->revoked_at, want.revoked_at);
    EXPECT_EQ(got->used_at, want.used_at);
  }
  std::vector<OAuthToken> dup = {token("rec-new-1"), token("rec-17"), token("rec-new-2")};
  EXPECT_TRUE(FailsWith(record_tokens(db(), dup), ErrorCode::conflict));
  EXPECT_EQ(count("oauth_tokens"), 300);
  EXPECT_FALSE(get_token("rec-new-1").has_value());
}

// The group-commit writer's asynchronous side: a callback fires only after its record is committed
// (the row is readable from it), and a batch that fails reports the failure to every callback in it.
TEST_P(StoreOAuthTest, RecorderCallsBackAfterCommitAndReportsFailedBatches) {
  oauth::TokenRecorder recorder(db());
  constexpr int kThreads = 4, kPerThread = 50;
  std::atomic<int> ok{0}, visible{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string jti = "async-" + std::to_string(t) + "-" + std::to_string(i);
        recorder.record_async(token(jti), [&, jti](Status st) {
          if (!st) return;
          ok.fetch_add(1);
          auto found = find_token(db(), jti);
          if (found && *found) visible.fetch_add(1);
        });
      }
    });
  for (auto& t : threads) t.join();
  // A blocking record() queued after them returns only once they are settled too.
  ASSERT_TRUE(Ok(recorder.record(token("async-last"))));
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_EQ(visible.load(), kThreads * kPerThread);

  // A jti already stored makes its batch fail: the callback hears it, nothing is half-written.
  std::promise<Status> outcome;
  recorder.record_async(token("async-0-0"), [&](Status st) { outcome.set_value(st); });
  auto st = outcome.get_future().get();
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::conflict);
  EXPECT_EQ(count("oauth_tokens"), kThreads * kPerThread + 1);
}

TEST_P(StoreOAuthTest, ListTokensFiltersAndPages) {
  // c1/u1: t01 t02 t03(revoked) t04(expired); c1/u2: t05 t06; c2/u1: t07 t08(revoked, expired).
  ASSERT_TRUE(Ok(insert_token(db(), token("t07", "c2", "u1"))));
  ASSERT_TRUE(Ok(insert_token(db(), token("t01", "c1", "u1"))));
  ASSERT_TRUE(Ok(insert_token(db(), token("t05", "c1", "u2"))));
  ASSERT_TRUE(Ok(insert_token(db(), token("t03", "c1", "u1"))));
  ASSERT_TRUE(Ok(insert_token(db(), token("t02", "c1", "u1"))));
  ASSERT_TRUE(Ok(insert_token(db(), token("t04", "c1", "u1", 2000))));
  ASSERT_TRUE(Ok(insert_token(db(), token("t06", "c1", "u2"))));
  ASSERT_TRUE(Ok(insert_token(db(), token("t08", "c2", "u1", 2000))));
  ASSERT_TRUE(Ok(revoke_token(db(), "t03", 1500)));
  ASSERT_TRUE(Ok(revoke_token(db(), "t08", 1500)));

  auto collect = [&](TokenQuery q, int* pages_out = nullptr) {
    std::vector<std::string> seen;
    int pages = 0;
    do {
      auto page = list_tokens(db(), q);
      EXPECT_TRUE(Ok(page));
      if (!page) break;
      for (const auto& t : page->items) seen.push_back(t.jti);
      q.after_jti = page->next_cursor;
      ++pages;
    } while (q.after_jti && pages < 20);
    if (pages_out) *pages_out = pages;
    return seen;
  };
  using V = std::vector<std::string>;
  int pages = 0;
  EXPECT_EQ(collect({.limit = 2, .include_inactive = true, .now = 3000}, &pages),
            (V{"t01", "t02", "t03", "t04", "t05", "t06", "t07", "t08"}));
  EXPECT_EQ(pages, 4);
  EXPECT_EQ(collect({.limit = 3, .now = 3000}, &pages), (V{"t01", "t02", "t05", "t06", "t07"}));
  EXPECT_EQ(pages, 2);
  // At now = 1000, t04 and t08 have not expired yet, but t08 is revoked.
  EXPECT_EQ(collect({.limit = 50, .now = 1000}), (V{"t01", "t02", "t04", "t05", "t06", "t07"}));
  // expires_at == now: expired.
  EXPECT_EQ(collect({.client_id = "c1", .limit = 50, .now = 2000}), (V{"t01", "t02", "t05", "t06"}));
  EXPECT_EQ(collect({.client_id = "c1", .limit = 1, .include_inactive = true}),
            (V{"t01", "t02", "t03", "t04", "t05", "t06"}));
  EXPECT_EQ(collect({.subject = "u1", .limit = 2, .now = 3000}), (V{"t01", "t02", "t07"}));
  EXPECT_EQ(collect({.subject = "u1", .limit = 2, .include_inactive = true}),
            (V{"t01", "t02", "t03", "t04", "t07", "t08"}));
  EXPECT_EQ(collect({.client_id = "c2", .subject = "u1", .limit = 5, .include_inactive = true}),
            (V{"t07", "t08"}));
  EXPECT_EQ(collect({.client_id = "c2", .subject = "u2", .limit = 5, .include_inactive = true}), V{});
  EXPECT_EQ(collect({.client_id = "c1", .after_jti = "t02", .limit = 5, .now = 3000}), (V{"t05", "t06"}));

  auto page = list_tokens(db(), {.client_id = "c1", .limit = 2, .now = 3000});
  ASSERT_TRUE(Ok(page));
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->next_cursor, "t02");
  EXPECT_EQ(page->items[0].audience, "https://badges.example");

  EXPECT_TRUE(FailsWith(list_tokens(db(), {.limit = 0}), ErrorCode::invalid_request));
  EXPECT_TRUE(FailsWith(list_tokens(db(), {.limit = kMaxPageLimit + 1}), ErrorCode::invalid_request));
}

// --- revocations ----------------------------------------------------------------------------------

TEST_P(StoreOAuthTest, ListRevocationsSinceOrdersAndFiltersExpired) {
  auto empty = list_revocations_since(db(), 0, 0, 10);
  ASSERT_TRUE(Ok(empty));
  EXPECT_TRUE(empty->empty());

  // Revoked in this order: e (expires 2000), a, d (expires 3000), b, c.
  const std::pair<const char*, std::int64_t> tokens[] = {
      {"e", 2000}, {"a", 9000}, {"d", 3000}, {"b", 9000}, {"c", 9000}};
  std::int64_t at = 1100;
  for (const auto& [jti, exp] : tokens) {
    ASSERT_TRUE(Ok(insert_token(db(), token(jti, "c1", "u1", exp))));
    auto r = revoke_token(db(), jti, at++);
    ASSERT_TRUE(Ok(r));
    ASSERT_TRUE(*r);
  }

  auto all = list_revocations_since(db(), 0, 1000, 100);
  ASSERT_TRUE(Ok(all));
  ASSERT_EQ(all->size(), 5u);
  std::vector<std::string> order;
  for (std::size_t i = 0; i < all->size(); ++i) {
    order.push_back((*all)[i].jti);
    EXPECT_EQ((*all)[i].revoked_at, 1100 + static_cast<std::int64_t>(i));
    if (i) {
      EXPECT_GT((*all)[i].id, (*all)[i - 1].id);
    }
  }
  EXPECT_EQ(order, (std::vector<std::string>{"e", "a", "d", "b", "c"}));

  // Expired at now (expires_at <= now) are left out.
  auto live = list_revocations_since(db(), 0, 2000, 100);
  ASSERT_TRUE(Ok(live));
  ASSERT_EQ(live->size(), 4u);
  EXPECT_EQ((*live)[0].jti, "a");
  auto later = list_revocations_since(db(), 0, 5000, 100);
  ASSERT_TRUE(Ok(later));
  EXPECT_EQ(jtis_of(*later), (std::set<std::string>{"a", "b", "c"}));

  // Polling in small steps from the last id seen.
  std::vector<std::string> polled;
  std::int64_t last = 0;
  for (int i = 0; i < 10; ++i) {
    auto step = list_revocations_since(db(), last, 2500, 2);
    ASSERT_TRUE(Ok(step));
    for (const auto& r : *step) {
      polled.push_back(r.jti);
      last = r.id;
    }
    if (step->size() < 2) break;
  }
  EXPECT_EQ(polled, (std::vector<std::string>{"a", "d", "b", "c"}));
  auto nothing_new = list_revocations_since(db(), (*all)[4].id, 0, 10);
  ASSERT_TRUE(Ok(nothing_new));
  EXPECT_TRUE(nothing_new->empty());

  EXPECT_TRUE(FailsWith(list_revocations_since(db(), 0, 0, 0), ErrorCode::invalid_request));
}

// --- assertion jtis -------------------------------------------------------------------------------

TEST_P(StoreOAuthTest, ClientCutoffsOnlyMoveForwardAndExpire) {
  auto cutoffs = [&](std::int64_t now) {
    auto r = list_client_revocations(db(), now);
    EXPECT_TRUE(Ok(r));
    std::map<std::string, std::int64_t> out;
    if (r)
      for (const auto& c : *r) out[c.client_id] = c.issued_before_us;
    return out;
  };
  EXPECT_TRUE(cutoffs(0).empty());
  ASSERT_TRUE(Ok(record_client_revocation(
      db(), {.client_id = "c1", .issued_before_us = 5'000'000, .expires_at = 3000, .revoked_at = 5})));
  ASSERT_TRUE(Ok(record_client_revocation(
      db(), {.client_id = "c2", .issued_before_us = 6'000'000, .expires_at = 2000, .revoked_at = 6})));
  EXPECT_EQ(cutoffs(1000), (std::map<std::string, std::int64_t>{{"c1", 5'000'000}, {"c2", 6'000'000}}));
  // A later cut-off replaces the earlier one; an older one (a slow instance's) does not move it back.
  ASSERT_TRUE(Ok(record_client_revocation(
      db(), {.client_id = "c1", .issued_before_us = 7'000'000, .expires_at = 4000, .revoked_at = 7})));
  ASSERT_TRUE(Ok(record_client_revocation(
      db(), {.client_id = "c1", .issued_before_us = 4'000'000, .expires_at = 9000, .revoked_at = 4})));
  EXPECT_EQ(cutoffs(1000), (std::map<std::string, std::int64_t>{{"c1", 7'000'000}, {"c2", 6'000'000}}));
  EXPECT_EQ(count("oauth_client_revocations"), 2);
  // Listed while in force (expires_at > now), deleted by the janitor once expired.
  EXPECT_EQ(cutoffs(2000), (std::map<std::string, std::int64_t>{{"c1", 7'000'000}}));
  auto deleted = delete_expired_oauth_rows(db(), 2001, 100);
  ASSERT_TRUE(Ok(deleted));
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(count("oauth_client_revocations"), 1);
  auto rest = delete_expired_oauth_rows(db(), 4001, 100);
  ASSERT_TRUE(Ok(rest));
  EXPECT_EQ(*rest, 1);
  EXPECT_TRUE(cutoffs(0).empty());
}

TEST_P(StoreOAuthTest, AssertionJtiReplayIsConflict) {
  ASSERT_TRUE(Ok(record_assertion_jti(db(), "c1", "j1", 2000)));
  EXPECT_TRUE(FailsWith(record_assertion_jti(db(), "c1", "j1", 2000), ErrorCode::conflict));
  EXPECT_TRUE(FailsWith(record_assertion_jti(db(), "c1", "j1", 9000), ErrorCode::conflict));
  ASSERT_TRUE(Ok(record_assertion_jti(db(), "c2", "j1", 2000)));  // jti is per client
  ASSERT_TRUE(Ok(record_assertion_jti(db(), "c1", "j2", 2000)));

  // A replay inside a transaction leaves the transaction usable (PostgreSQL aborts a transaction on
  // a failed statement; this one does not fail).
  Status st = db().transaction([&](Connection& c) -> Status {
    if (auto r = record_assertion_jti(c, "c1", "j1", 2000); r || r.error().code != ErrorCode::conflict) {
      return fail(ErrorCode::internal_error, "replay not detected");
    }
    return record_assertion_jti(c, "c1", "j3", 2000);
  });
  ASSERT_TRUE(Ok(st));
  EXPECT_EQ(count("oauth_assertion_jtis"), 4);

  // Concurrent presentations of one assertion: exactly one is accepted.
  std::atomic<int> accepted{0};
  std::atomic<int> replays{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      while (!go) std::this_thread::yield();
      auto r = record_assertion_jti(db(), "c9", "same", 2000);
      if (r) {
        ++accepted;
      } else if (r.error().code == ErrorCode::conflict) {
        ++replays;
      } else {
        ADD_FAILURE() << r.error().description;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 1);
  EXPECT_EQ(replays.load(), 7);
}

// --- janitor --------------------------------------------------------------------------------------

TEST_P(StoreOAuthTest, JanitorDeletesOnlyExpiredRowsInBatches) {
  // 25 expired tokens (10 of them revoked while live), 5 live ones (2 revoked); 12 expired and 3
  // live assertion jtis.
  std::vector<OAuthToken> tokens;
  for (int i = 0; i < 25; ++i) tokens.push_back(token("old" + std::to_string(i), "c1", "u1", 1000 + i));
  for (int i = 0; i < 5; ++i) tokens.push_back(token("new" + std::to_string(i), "c1", "u1", 9000));
  ASSERT_TRUE(Ok(insert_tokens(db(), tokens)));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Ok(revoke_token(db(), "old" + std::to_string(i), 900)));
  ASSERT_TRUE(Ok(revoke_token(db(), "new0", 900)));
  ASSERT_TRUE(Ok(revoke_token(db(), "new1", 900)));
  for (int i = 0; i < 12; ++i)
    ASSERT_TRUE(Ok(record_assertion_jti(db(), "c1", "ja" + std::to_string(i), 1500)));
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(Ok(record_assertion_jti(db(), "c1", "jb" + std::to_string(i), 9000)));
  EXPECT_EQ(count("oauth_revocations"), 12);

  // Nothing has expired before 1000.
  auto none = delete_expired_oauth_rows(db(), 1000, 10);
  ASSERT_TRUE(Ok(none));
  EXPECT_EQ(*none, 0);

  // 25 tokens + 10 revocations + 12 jtis = 47 rows expired before 2000, removed 10 at a time.
  std::vector<std::int64_t> calls;
  for (int i = 0; i < 100; ++i) {
    auto n = delete_expired_oauth_rows(db(), 2000, 10);
    ASSERT_TRUE(Ok(n));
    EXPECT_LE(*n, 10);
    calls.push_back(*n);
    if (*n < 10) break;
  }
  EXPECT_EQ(calls, (std::vector<std::int64_t>{10, 10, 10, 10, 7}));
  EXPECT_EQ(count("oauth_tokens"), 5);
  EXPECT_EQ(count("oauth_revocations"), 2);
  EXPECT_EQ(count("oauth_assertion_jtis"), 3);
  EXPECT_TRUE(get_token("new0").has_value());
  EXPECT_FALSE(get_token("old24").has_value());
  EXPECT_EQ(jtis_of(revocations()), (std::set<std::string>{"new0", "new1"}));
  // A deleted assertion jti may be recorded again (its assertion has expired anyway).
  EXPECT_TRUE(Ok(record_assertion_jti(db(), "c1", "ja0", 1600)));
  EXPECT_TRUE(FailsWith(record_assertion_jti(db(), "c1", "jb0", 9000), ErrorCode::conflict));

  // expires_at == before is not "expired before".
  auto edge = delete_expired_oauth_rows(db(), 9000, 100);
  ASSERT_TRUE(Ok(edge));
  EXPECT_EQ(*edge, 1);  // ja0 again
  auto rest = delete_expired_oauth_rows(db(), 9001, 100);
  ASSERT_TRUE(Ok(rest));
  EXPECT_EQ(*rest, 5 + 2 + 3);
  EXPECT_EQ(count("oauth_tokens") + count("oauth_revocations") + count("oauth_assertion_jtis"), 0);

  EXPECT_TRUE(FailsWith(delete_expired_oauth_rows(db(), 2000, 0), ErrorCode::invalid_request));
}

TEST_P(StoreOAuthTest, JanitorRunDeletesEveryExpiredRowAcrossBatches) {
  std::vector<OAuthToken> tokens;
  for (int i = 0; i < 250; ++i) tokens.push_back(token("old" + std::to_string(i), "c1", "u1", 1000));
  for (int i = 0; i < 7; ++i) tokens.push_back(token("new" + std::to_string(i), "c1", "u1", 9000));
  ASSERT_TRUE(Ok(insert_tokens(db(), tokens)));
  auto run = run_janitor(db(), 2000, 100);
  ASSERT_TRUE(Ok(run));
  EXPECT_TRUE(run->ran);
  EXPECT_EQ(run->deleted_rows, 250);
  EXPECT_EQ(count("oauth_tokens"), 7);
  EXPECT_TRUE(FailsWith(run_janitor(db(), 2000, 0), ErrorCode::invalid_request));
}

TEST_P(StoreOAuthTest, JanitorSkipsARoundWhileAnotherInstanceHoldsItsLock) {
  if (!is_postgres()) GTEST_SKIP() << "SQLite has one writer per file: the janitor needs no lock there";
  ASSERT_TRUE(Ok(insert_tokens(db(), {token("old", "c1", "u1", 1000)})));
  auto other = open_another();
  ASSERT_NE(other, nullptr);
  // The janitor's own lock, taken by holding a janitor run open on this instance.
  std::optional<Result<JanitorRun>> inner;
  std::atomic<bool> holding{false}, release{false};
  std::thread holder([&] {
    auto held = db().with_lock_if_free(0x62736a616e697472, [&](Connection&) -> Status {
      holding = true;
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return ok();
    });
    EXPECT_TRUE(Ok(held));
    EXPECT_TRUE(held && *held);
  });
  while (!holding) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  inner = run_janitor(*other, 2000);
  release = true;
  holder.join();
  ASSERT_TRUE(Ok(*inner));
  EXPECT_FALSE((*inner)->ran);
  EXPECT_EQ((*inner)->deleted_rows, 0);
  EXPECT_EQ(count("oauth_tokens"), 1);
  // Released: the next round runs.
  auto after = run_janitor(*other, 2000);
  ASSERT_TRUE(Ok(after));
  EXPECT_TRUE(after->ran);
  EXPECT_EQ(after->deleted_rows, 1);
}

TEST_P(StoreOAuthTest, ConcurrentJanitorsOnTwoInstancesDeleteEachRowOnceWithoutDeadlock) {
  // 3,000 expired tokens, each revoked (a revocation row each), plus live ones that must survive.
  constexpr int kExpired = 3000;
  std::vector<OAuthToken> tokens;
  for (int i = 0; i < kExpired; ++i) {
    auto t = token("old" + std::to_string(i), "c1", "u1", 1000);
    tokens.push_back(t);
  }
  for (int i = 0; i < 20; ++i) tokens.push_back(token("new" + std::to_string(i), "c1", "u1", 9000));
  ASSERT_TRUE(Ok(insert_tokens(db(), tokens)));
  ASSERT_EQ(*revoke_tokens_of_client(db(), cutoff("c1", 900)), kExpired + 20);
  ASSERT_EQ(count("oauth_revocations"), kExpired + 20);

  auto other = open_another();
  ASSERT_NE(other, nullptr);
  std::atomic<std::int64_t> deleted{0};
  std::atomic<int> rounds_run{0}, failures{0};
  auto janitor_loop = [&](Database& instance) {
    for (int i = 0; i < 20; ++i) {
      auto run = run_janitor(instance, 2000, 100);
      if (!run) {
        ++failures;
        continue;
      }
      if (run->ran) ++rounds_run;
      deleted += run->deleted_rows;
    }
  };
  std::thread a([&] { janitor_loop(db()); });
  std::thread b([&] { janitor_loop(*other); });
  a.join();
  b.join();
  EXPECT_EQ(failures, 0);  // a deadlock would surface as an aborted statement here
  EXPECT_GE(rounds_run, 1);
  // Every expired row is gone and no live one: the rounds that ran add up to exactly the expired rows.
  EXPECT_EQ(deleted, 2 * kExpired);
  EXPECT_EQ(count("oauth_tokens"), 20);
  EXPECT_EQ(count("oauth_revocations"), 20);
}

// --- values ---------------------------------------------------------------------------------------

TEST_P(StoreOAuthTest, SqlSpecialCharactersRoundTrip) {
  const std::string nasty = "O'Brien \"quoted\"; DROP TABLE oauth_tokens; -- %_\\ $1 \u00e9\u4e16\U0001F389";
  OAuthClient c = client(nasty);
  c.client_secret_hash = nasty;
  c.client_secret_encrypted = nasty;
  c.registration_token_hash = nasty;
  c.token_endpoint_auth_method = nasty;
  c.metadata = R"({"client_name":"O'Brien \"x\" \\ ; --","logo_uri":"https://x.example/%20?a=1&b='2'"})";
  c.created_by = nasty;
  c.scope = {"a'b", "c\"d", "e;f", "%", "_", "\\"};
  ASSERT_TRUE(Ok(insert_client(db(), c)));
  auto got = find_client(db(), nasty);
  ASSERT_TRUE(Ok(got));
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->client_id, nasty);
  EXPECT_EQ((*got)->client_secret_hash, nasty);
  EXPECT_EQ((*got)->client_secret_encrypted, nasty);
  EXPECT_EQ((*got)->registration_token_hash, nasty);
  EXPECT_EQ((*got)->token_endpoint_auth_method, nasty);
  EXPECT_EQ((*got)->metadata, c.metadata);
  EXPECT_EQ((*got)->created_by, nasty);
  EXPECT_EQ((*got)->scope, c.scope);
  // LIKE wildcards in a key match only themselves.
  auto wildcard = find_client(db(), "%");
  ASSERT_TRUE(Ok(wildcard));
  EXPECT_FALSE(wildcard->has_value());

  OAuthToken t = token(nasty, nasty, nasty);
  t.audience = nasty;
  t.grant_id = nasty;
  t.parent_jti = nasty;
  t.scope = c.scope;
  ASSERT_TRUE(Ok(insert_tokens(db(), {t, token(nasty + "2", nasty, nasty)})));
  auto tok = get_token(nasty);
  ASSERT_TRUE(tok.has_value());
  EXPECT_EQ(tok->client_id, nasty);
  EXPECT_EQ(tok->subject, nasty);
  EXPECT_EQ(tok->audience, nasty);
  EXPECT_EQ(tok->grant_id, nasty);
  EXPECT_EQ(tok->parent_jti, nasty);
  EXPECT_EQ(tok->scope, c.scope);

  auto listed = list_tokens(db(), {.client_id = nasty, .subject = nasty, .after_jti = "", .limit = 10});
  ASSERT_TRUE(Ok(listed));
  EXPECT_EQ(listed->items.size(), 2u);
  auto revoked = revoke_tokens_of_grant(db(), nasty, 1200);
  ASSERT_TRUE(Ok(revoked));
  EXPECT_EQ(*revoked, 1);
  auto revs = revocations();
  ASSERT_EQ(revs.size(), 1u);
  EXPECT_EQ(revs[0].jti, nasty);
  ASSERT_TRUE(Ok(record_assertion_jti(db(), nasty, nasty, 2000)));
  EXPECT_TRUE(FailsWith(record_assertion_jti(db(), nasty, nasty, 2000), ErrorCode::conflict));
  auto deleted = delete_client(db(), cutoff(nasty, unix_now()));
  ASSERT_TRUE(Ok(deleted));
  EXPECT_TRUE(*deleted);
  EXPECT_EQ(count("oauth_tokens"), 0);
  EXPECT_EQ(count("oauth_clients"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreOAuthTest, ::testing::Values(Backend::sqlite, Backend::postgres),
                         backend_name);

}  // namespace
}  // namespace bs::store::testing
