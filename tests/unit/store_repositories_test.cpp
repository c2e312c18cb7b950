// Repository tests, run against every backend the fixture provides.
#include <atomic>
#include <thread>
#include <vector>

#include "store/repositories.hpp"
#include "unit/store_fixture.hpp"

namespace bs::store::testing {
namespace {

class StoreRepoTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(Ok(migrate(db())));
  }

  static User user(std::string id, std::string email) {
    User u;
    u.id = std::move(id);
    u.email = std::move(email);
    u.name = "Name of " + u.id;
    u.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA";
    u.created_at = 1000;
    u.updated_at = 1000;
    return u;
  }

  static AuthSession session(std::string id, std::string user_id, std::string hash,
                             std::int64_t expires_at = 5000) {
    AuthSession s;
    s.id = std::move(id);
    s.user_id = std::move(user_id);
    s.refresh_token_hash = std::move(hash);
    s.created_at = 1000;
    s.expires_at = expires_at;
    return s;
  }
};

// --- users ----------------------------------------------------------------------------------------

TEST_P(StoreRepoTest, UserInsertFindUpdateDelete) {
  User u = user("u1", "Alice@Example.COM");
  u.role = "admin";
  ASSERT_TRUE(Ok(insert_user(db(), u)));

  auto by_id = find_user_by_id(db(), "u1");
  ASSERT_TRUE(Ok(by_id));
  ASSERT_TRUE(by_id->has_value());
  const User& got = **by_id;
  EXPECT_EQ(got.email, "alice@example.com");
  EXPECT_EQ(got.name, u.name);
  EXPECT_EQ(got.password_hash, u.password_hash);
  EXPECT_EQ(got.role, "admin");
  EXPECT_FALSE(got.disabled);
  EXPECT_EQ(got.created_at, 1000);
  EXPECT_EQ(got.updated_at, 1000);

  auto by_email = find_user_by_email(db(), "ALICE@example.com");
  ASSERT_TRUE(Ok(by_email));
  ASSERT_TRUE(by_email->has_value());
  EXPECT_EQ((*by_email)->id, "u1");

  auto missing = find_user_by_id(db(), "nope");
  ASSERT_TRUE(Ok(missing));
  EXPECT_FALSE(missing->has_value());
  auto missing_email = find_user_by_email(db(), "' OR '1'='1");
  ASSERT_TRUE(Ok(missing_email));
  EXPECT_FALSE(missing_email->has_value());

  User changed = got;
  changed.name = "Alice B.";
  changed.disabled = true;
  changed.role = "user";
  changed.updated_at = 2000;
  changed.created_at = 1;  // not updated
  auto updated = update_user(db(), changed);
  ASSERT_TRUE(Ok(updated));
  EXPECT_TRUE(*updated);
  auto after = find_user_by_id(db(), "u1");
  ASSERT_TRUE(Ok(after));
  EXPECT_EQ((*after)->name, "Alice B.");
  EXPECT_TRUE((*after)->disabled);
  EXPECT_EQ((*after)->role, "user");
  EXPECT_EQ((*after)->updated_at, 2000);
  EXPECT_EQ((*after)->created_at, 1000);

  auto update_missing = update_user(db(), user("ghost", "ghost@example.com"));
  ASSERT_TRUE(Ok(update_missing));
  EXPECT_FALSE(*update_missing);

  auto deleted = delete_user(db(), "u1");
  ASSERT_TRUE(Ok(deleted));
  EXPECT_TRUE(*deleted);
  auto deleted_again = delete_user(db(), "u1");
  ASSERT_TRUE(Ok(deleted_again));
  EXPECT_FALSE(*deleted_again);
}

TEST_P(StoreRepoTest, UserEmailAndIdAreUnique) {
  ASSERT_TRUE(Ok(insert_user(db(), user("u1", "bob@example.com"))));
  EXPECT_TRUE(FailsWith(insert_user(db(), user("u2", "BOB@example.com")), ErrorCode::conflict));
  EXPECT_TRUE(FailsWith(insert_user(db(), user("u1", "other@example.com")), ErrorCode::conflict));
  ASSERT_TRUE(Ok(insert_user(db(), user("u3", "carol@example.com"))));
  User u3 = user("u3", "Bob@Example.com");
  EXPECT_TRUE(FailsWith(update_user(db(), u3), ErrorCode::conflict));
  auto n = count_users(db());
  ASSERT_TRUE(Ok(n));
  EXPECT_EQ(*n, 2);
}

TEST_P(StoreRepoTest, ListUsersPaginatesById) {
  auto empty = list_users(db(), std::nullopt, 10);
  ASSERT_TRUE(Ok(empty));
  EXPECT_TRUE(empty->items.empty());
  EXPECT_FALSE(empty->next_cursor);

  for (const char* id : {"u03", "u01", "u05", "u02", "u04"}) {
    ASSERT_TRUE(Ok(insert_user(db(), user(id, std::string(id) + "@example.com"))));
  }
  std::vector<std::string> seen;
  std::optional<std::string> cursor;
  int pages = 0;
  do {
    auto page = list_users(db(), cursor, 2);
    ASSERT_TRUE(Ok(page));
    for (const auto& u : page->items) seen.push_back(u.id);
    cursor = page->next_cursor;
    ++pages;
  } while (cursor && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"u01", "u02", "u03", "u04", "u05"}));

  // A page that ends exactly at the last row has no next cursor.
  auto exact = list_users(db(), std::nullopt, 5);
  ASSERT_TRUE(Ok(exact));
  EXPECT_EQ(exact->items.size(), 5u);
  EXPECT_FALSE(exact->next_cursor);

  EXPECT_TRUE(FailsWith(list_users(db(), std::nullopt, 0), ErrorCode::invalid_request));
  EXPECT_TRUE(FailsWith(list_users(db(), std::nullopt, kMaxPageLimit + 1), ErrorCode::invalid_request));
}

TEST_P(StoreRepoTest, DeletingAUserDeletesItsSessions) {
  ASSERT_TRUE(Ok(insert_user(db(), user("u1", "a@example.com"))));
  ASSERT_TRUE(Ok(insert_auth_session(db(), session("s1", "u1", "h1"))));
  ASSERT_TRUE(Ok(delete_user(db(), "u1")));
  auto s = find_auth_session_by_id(db(), "s1");
  ASSERT_TRUE(Ok(s));
  EXPECT_FALSE(s->has_value());
}

// --- API keys -------------------------------------------------------------------------------------

TEST_P(StoreRepoTest, ApiKeyRoundTrip) {
  ApiKey k;
  k.id = "key1";
  k.name = "CI \"deploy\" key; DROP TABLE api_keys";
  k.key_hash = "sha256:abcdef";
  k.scopes = {"badges:read", "badges:issue", "", "users:admin"};
  k.created_at = 1000;
  ASSERT_TRUE(Ok(insert_api_key(db(), k)));
  EXPECT_TRUE(FailsWith(insert_api_key(db(), k), ErrorCode::conflict));

  auto got = find_api_key(db(), "key1");
  ASSERT_TRUE(Ok(got));
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->name, k.name);
  EXPECT_EQ((*got)->key_hash, k.key_hash);
  EXPECT_EQ((*got)->scopes, (std::vector<std::string>{"badges:read", "badges:issue", "users:admin"}));
  EXPECT_EQ((*got)->created_by, std::nullopt);
  EXPECT_EQ((*got)->created_at, 1000);
  EXPECT_EQ((*got)->expires_at, std::nullopt);
  EXPECT_EQ((*got)->revoked_at, std::nullopt);
  EXPECT_EQ((*got)->last_used_at, std::nullopt);

  ApiKey full = k;
  full.id = "key2";
  full.scopes = {};
  full.created_by = "u1";
  full.expires_at = 9000;
  full.last_used_at = 1500;
  ASSERT_TRUE(Ok(insert_api_key(db(), full)));
  auto got2 = find_api_key(db(), "key2");
  ASSERT_TRUE(Ok(got2));
  ASSERT_TRUE(got2->has_value());
  EXPECT_TRUE((*got2)->scopes.empty());
  EXPECT_EQ((*got2)->created_by, "u1");
  EXPECT_EQ((*got2)->expires_at, 9000);
  EXPECT_EQ((*got2)->last_used_at, 1500);

  auto none = find_api_key(db(), "key3");
  ASSERT_TRUE(Ok(none));
  EXPECT_FALSE(none->has_value());
}

TEST_P(StoreRepoTest, ApiKeyRevokeAndTouch) {
  ApiKey k;
  k.id = "key1";
  k.name = "n";
  k.key_hash = "h";
  k.scopes = {"a"};
  k.created_at = 1000;
  ASSERT_TRUE(Ok(insert_api_key(db(), k)));

  auto touched = touch_api_key_last_used(db(), "key1", 1100);
  ASSERT_TRUE(Ok(touched));
  EXPECT_TRUE(*touched);
  auto back = touch_api_key_last_used(db(), "key1", 1050);  // never moves back
  ASSERT_TRUE(Ok(back));
  EXPECT_FALSE(*back);
  auto same = touch_api_key_last_used(db(), "key1", 1100);
  ASSERT_TRUE(Ok(same));
  EXPECT_FALSE(*same);
  auto missing = touch_api_key_last_used(db(), "nope", 1100);
  ASSERT_TRUE(Ok(missing));
  EXPECT_FALSE(*missing);

  auto revoked = revoke_api_key(db(), "key1", 1200);
  ASSERT_TRUE(Ok(revoked));
  EXPECT_TRUE(*revoked);
  auto again = revoke_api_key(db(), "key1", 1300);
  ASSERT_TRUE(Ok(again));
  EXPECT_FALSE(*again);
  auto unknown = revoke_api_key(db(), "nope", 1300);
  ASSERT_TRUE(Ok(unknown));
  EXPECT_FALSE(*unknown);

  auto got = find_api_key(db(), "key1");
  ASSERT_TRUE(Ok(got));
  EXPECT_EQ((*got)->revoked_at, 1200);
  EXPECT_EQ((*got)->last_used_at, 1100);
}

TEST_P(StoreRepoTest, ListApiKeysPaginates) {
  for (int i = 0; i < 5; ++i) {
    ApiKey k;
    k.id = "k" + std::to_string(i);
    k.name = "n";
    k.key_hash = "h";
    k.created_at = i;
    ASSERT_TRUE(Ok(insert_api_key(db(), k)));
  }
  auto first = list_api_keys(db(), std::nullopt, 3);
  ASSERT_TRUE(Ok(first));
  ASSERT_EQ(first->items.size(), 3u);
  EXPECT_EQ(first->items[0].id, "k0");
  ASSERT_TRUE(first->next_cursor);
  EXPECT_EQ(*first->next_cursor, "k2");
  auto second = list_api_keys(db(), first->next_cursor, 3);
  ASSERT_TRUE(Ok(second));
  ASSERT_EQ(second->items.size(), 2u);
  EXPECT_EQ(second->items[0].id, "k3");
  EXPECT_EQ(second->items[1].id, "k4");
  EXPECT_FALSE(second->next_cursor);
  EXPECT_TRUE(FailsWith(list_api_keys(db(), std::nullopt, -1), ErrorCode::invalid_request));
}

// --- signing keys ---------------------------------------------------------------------------------

TEST_P(StoreRepoTest, SigningKeys) {
  auto empty = list_signing_keys(db());
  ASSERT_TRUE(Ok(empty));
  EXPECT_TRUE(empty->empty());

  SigningKeyRecord a;
  a.kid = "kid-b";
  a.alg = "EdDSA";
  a.private_key_encrypted = "AAECAwQFBgcICQ==";
  a.public_jwk = R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
  a.created_at = 100;
  a.activates_at = 200;
  SigningKeyRecord b = a;
  b.kid = "kid-a";
  b.alg = "ES256";
  b.activates_at = 300;
  b.retired_at = 400;
  b.expires_at = 500;
  ASSERT_TRUE(Ok(insert_signing_key(db(), b)));
  ASSERT_TRUE(Ok(insert_signing_key(db(), a)));
  EXPECT_TRUE(FailsWith(insert_signing_key(db(), a), ErrorCode::conflict));

  auto keys = list_signing_keys(db());
  ASSERT_TRUE(Ok(keys));
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid, "kid-b");  // by activates_at
  EXPECT_EQ((*keys)[0].public_jwk, a.public_jwk);
  EXPECT_EQ((*keys)[0].private_key_encrypted, a.private_key_encrypted);
  EXPECT_EQ((*keys)[0].retired_at, std::nullopt);
  EXPECT_EQ((*keys)[1].kid, "kid-a");
  EXPECT_EQ((*keys)[1].alg, "ES256");
  EXPECT_EQ((*keys)[1].retired_at, 400);
  EXPECT_EQ((*keys)[1].expires_at, 500);

  auto retired = update_signing_key_retired(db(), "kid-b", 250);
  ASSERT_TRUE(Ok(retired));
  EXPECT_TRUE(*retired);
  auto expires = update_signing_key_expires(db(), "kid-b", 900);
  ASSERT_TRUE(Ok(expires));
  EXPECT_TRUE(*expires);
  auto cleared = update_signing_key_retired(db(), "kid-a", std::nullopt);
  ASSERT_TRUE(Ok(cleared));
  EXPECT_TRUE(*cleared);
  auto missing = update_signing_key_expires(db(), "kid-z", 1);
  ASSERT_TRUE(Ok(missing));
  EXPECT_FALSE(*missing);

  keys = list_signing_keys(db());
  ASSERT_TRUE(Ok(keys));
  EXPECT_EQ((*keys)[0].retired_at, 250);
  EXPECT_EQ((*keys)[0].expires_at, 900);
  EXPECT_EQ((*keys)[1].retired_at, std::nullopt);
  EXPECT_EQ((*keys)[1].expires_at, 500);
}

TEST_P(StoreRepoTest, SigningKeyPublicRetentionOnlyExtends) {
  SigningKeyRecord k;
  k.kid = "kid-r";
  k.alg = "RS256";
  k.private_key_encrypted = "AAECAwQFBgcICQ==";
  k.public_jwk = R"({"kty":"RSA","n":"AQAB","e":"AQAB"})";
  k.created_at = 100;
  k.activates_at = 100;
  ASSERT_TRUE(Ok(insert_signing_key(db(), k)));
  auto keys = list_signing_keys(db());
  ASSERT_TRUE(Ok(keys));
  EXPECT_EQ((*keys)[0].retain_public_until, std::nullopt);
  EXPECT_FALSE((*keys)[0].retain_public_forever);

  ASSERT_TRUE(Ok(retain_signing_key_public(db(), "kid-r", 5000)));
  ASSERT_TRUE(Ok(retain_signing_key_public(db(), "kid-r", 3000)));  // earlier: ignored
  keys = list_signing_keys(db());
  ASSERT_TRUE(Ok(keys));
  EXPECT_EQ((*keys)[0].retain_public_until, 5000);
  ASSERT_TRUE(Ok(retain_signing_key_public(db(), "kid-r", 7000)));
  keys = list_signing_keys(db());
  ASSERT_TRUE(Ok(keys));
  EXPECT_EQ((*keys)[0].retain_public_until, 7000);
  EXPECT_FALSE((*keys)[0].retain_public_forever);

  ASSERT_TRUE(Ok(retain_signing_key_public(db(), "kid-r", std::nullopt)));
  ASSERT_TRUE(Ok(retain_signing_key_public(db(), "kid-z", std::nullopt)));  // unknown: no row
  keys = list_signing_keys(db());
  ASSERT_TRUE(Ok(keys));
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_TRUE((*keys)[0].retain_public_forever);
  EXPECT_EQ((*keys)[0].retain_public_until, 7000);

  // Stored as given on insert too (the round trip of both columns).
  SigningKeyRecord inserted = k;
  inserted.kid = "kid-s";
  inserted.activates_at = 200;
  inserted.retain_public_until = 42;
  inserted.retain_public_forever = true;
  ASSERT_TRUE(Ok(insert_signing_key(db(), inserted)));
  keys = list_signing_keys(db());
  ASSERT_TRUE(Ok(keys));
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[1].retain_public_until, 42);
  EXPECT_TRUE((*keys)[1].retain_public_forever);
}

// --- auth sessions --------------------------------------------------------------------------------

TEST_P(StoreRepoTest, AuthSessionInsertAndFind) {
  ASSERT_TRUE(Ok(insert_user(db(), user("u1", "a@example.com"))));
  ASSERT_TRUE(Ok(insert_auth_session(db(), session("s1", "u1", "hash-1"))));
  EXPECT_TRUE(FailsWith(insert_auth_session(db(), session("s2", "u1", "hash-1")), ErrorCode::conflict));
  EXPECT_TRUE(FailsWith(insert_auth_session(db(), session("s1", "u1", "hash-2")), ErrorCode::conflict));
  // Sessions of unknown users violate the foreign key.
  EXPECT_FALSE(insert_auth_session(db(), session("s3", "ghost", "hash-3")));

  auto by_id = find_auth_session_by_id(db(), "s1");
  ASSERT_TRUE(Ok(by_id));
  ASSERT_TRUE(by_id->has_value());
  EXPECT_EQ((*by_id)->user_id, "u1");
  EXPECT_EQ((*by_id)->refresh_token_hash, "hash-1");
  EXPECT_EQ((*by_id)->created_at, 1000);
  EXPECT_EQ((*by_id)->expires_at, 5000);
  EXPECT_EQ((*by_id)->refreshed_at, std::nullopt);
  EXPECT_EQ((*by_id)->revoked_at, std::nullopt);

  auto by_hash = find_auth_session_by_refresh_hash(db(), "hash-1");
  ASSERT_TRUE(Ok(by_hash));
  ASSERT_TRUE(by_hash->has_value());
  EXPECT_EQ((*by_hash)->id, "s1");
  auto none = find_auth_session_by_refresh_hash(db(), "hash-x");
  ASSERT_TRUE(Ok(none));
  EXPECT_FALSE(none->has_value());
}

TEST_P(StoreRepoTest, RefreshRotationIsCompareAndSwap) {
  ASSERT_TRUE(Ok(insert_user(db(), user("u1", "a@example.com"))));
  ASSERT_TRUE(Ok(insert_auth_session(db(), session("s1", "u1", "h1"))));

  auto wrong = rotate_auth_session_refresh(db(), "s1", "not-h1", "h2", 2000);
  ASSERT_TRUE(Ok(wrong));
  EXPECT_FALSE(*wrong);
  auto swapped = rotate_auth_session_refresh(db(), "s1", "h1", "h2", 2000);
  ASSERT_TRUE(Ok(swapped));
  EXPECT_TRUE(*swapped);
  auto replay = rotate_auth_session_refresh(db(), "s1", "h1", "h3", 2001);  // old token used again
  ASSERT_TRUE(Ok(replay));
  EXPECT_FALSE(*replay);

  auto s = find_auth_session_by_id(db(), "s1");
  ASSERT_TRUE(Ok(s));
  EXPECT_EQ((*s)->refresh_token_hash, "h2");
  EXPECT_EQ((*s)->refreshed_at, 2000);
  auto old = find_auth_session_by_refresh_hash(db(), "h1");
  ASSERT_TRUE(Ok(old));
  EXPECT_FALSE(old->has_value());

  auto expired = rotate_auth_session_refresh(db(), "s1", "h2", "h4", 5000);  // expires_at == now
  ASSERT_TRUE(Ok(expired));
  EXPECT_FALSE(*expired);

  // A new hash that another session already uses is a conflict, not a silent swap.
  ASSERT_TRUE(Ok(insert_auth_session(db(), session("s2", "u1", "taken"))));
  EXPECT_TRUE(FailsWith(rotate_auth_session_refresh(db(), "s1", "h2", "taken", 2002), ErrorCode::conflict));

  auto revoked = revoke_auth_session(db(), "s1", 3000);
  ASSERT_TRUE(Ok(revoked));
  EXPECT_TRUE(*revoked);
  auto after_revoke = rotate_auth_session_refresh(db(), "s1", "h2", "h5", 3001);
  ASSERT_TRUE(Ok(after_revoke));
  EXPECT_FALSE(*after_revoke);
  auto revoke_again = revoke_auth_session(db(), "s1", 3002);
  ASSERT_TRUE(Ok(revoke_again));
  EXPECT_FALSE(*revoke_again);
  s = find_auth_session_by_id(db(), "s1");
  ASSERT_TRUE(Ok(s));
  EXPECT_EQ((*s)->revoked_at, 3000);
}

TEST_P(StoreRepoTest, ConcurrentRotationsExactlyOneWins) {
  ASSERT_TRUE(Ok(insert_user(db(), user("u1", "a@example.com"))));
  ASSERT_TRUE(Ok(insert_auth_session(db(), session("s1", "u1", "h0"))));
  constexpr int kThreads = 8;
  std::atomic<int> wins{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto r = rotate_auth_session_refresh(db(), "s1", "h0", "new-" + std::to_string(i), 2000);
      if (!r) {
        ++errors;
        ADD_FAILURE() << r.error().description;
      } else if (*r) {
        ++wins;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(wins.load(), 1);
}

TEST_P(StoreRepoTest, RevokeUserSessionsAndDeleteExpired) {
  ASSERT_TRUE(Ok(insert_user(db(), user("u1", "a@example.com"))));
  ASSERT_TRUE(Ok(insert_user(db(), user("u2", "b@example.com"))));
  ASSERT_TRUE(Ok(insert_auth_session(db(), session("s1", "u1", "h1", 5000))));
  ASSERT_TRUE(Ok(insert_auth_session(db(), session("s2", "u1", "h2", 1500))));
  ASSERT_TRUE(Ok(insert_auth_session(db(), session("s3", "u2", "h3", 5000))));
  ASSERT_TRUE(Ok(revoke_auth_session(db(), "s2", 1100)));

  auto n = revoke_user_auth_sessions(db(), "u1", 1200);
  ASSERT_TRUE(Ok(n));
  EXPECT_EQ(*n, 1);  // s2 was revoked already
  auto s3 = find_auth_session_by_id(db(), "s3");
  ASSERT_TRUE(Ok(s3));
  EXPECT_EQ((*s3)->revoked_at, std::nullopt);

  auto gone = delete_expired_auth_sessions(db(), 1500);
  ASSERT_TRUE(Ok(gone));
  EXPECT_EQ(*gone, 1);
  auto s2 = find_auth_session_by_id(db(), "s2");
  ASSERT_TRUE(Ok(s2));
  EXPECT_FALSE(s2->has_value());
}

// --- audit events ---------------------------------------------------------------------------------

TEST_P(StoreRepoTest, AuditEventsInsertAndList) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 7; ++i) {
    AuditEvent e;
    e.at = 1000 + i;
    e.event = i % 2 ? "login" : "badge.issue";
    e.outcome = i == 3 ? "failure" : "success";
    if (i == 0) {
      e.actor = "u1";
      e.subject = "assertion/42";
      e.ip = "2001:db8::1";
      e.details = R"({"reason":"quote \" and '; DROP TABLE audit_events; --","emoji":"\u00e9\ud83c\udf89"})";
    }
    auto id = insert_audit_event(db(), e);
    ASSERT_TRUE(Ok(id));
    if (!ids.empty()) {
      EXPECT_GT(*id, ids.back());
    }
    ids.push_back(*id);
  }

  auto all = list_audit_events(db(), AuditQuery{.limit = 100});
  ASSERT_TRUE(Ok(all));
  ASSERT_EQ(all->items.size(), 7u);
  EXPECT_FALSE(all->next_cursor);
  EXPECT_EQ(all->items.front().id, ids.back());  // newest first
  const AuditEvent& first = all->items.back();
  EXPECT_EQ(first.id, ids.front());
  EXPECT_EQ(first.at, 1000);
  EXPECT_EQ(first.event, "badge.issue");
  EXPECT_EQ(first.actor, "u1");
  EXPECT_EQ(first.subject, "assertion/42");
  EXPECT_EQ(first.ip, "2001:db8::1");
  EXPECT_EQ(first.outcome, "success");
  EXPECT_EQ(first.details,
            R"({"reason":"quote \" and '; DROP TABLE audit_events; --","emoji":"\u00e9\ud83c\udf89"})");
  EXPECT_EQ(all->items.front().actor, std::nullopt);
  EXPECT_EQ(all->items.front().details, std::nullopt);

  // Pages of 2 over the three "login" events (ids[1], ids[3], ids[5]).
  auto p1 = list_audit_events(db(), AuditQuery{.limit = 2, .event = "login"});
  ASSERT_TRUE(Ok(p1));
  ASSERT_EQ(p1->items.size(), 2u);
  EXPECT_EQ(p1->items[0].id, ids[5]);
  EXPECT_EQ(p1->items[1].id, ids[3]);
  EXPECT_EQ(p1->items[1].outcome, "failure");
  ASSERT_TRUE(p1->next_cursor);
  auto p2 = list_audit_events(db(), AuditQuery{.before_id = p1->next_cursor, .limit = 2, .event = "login"});
  ASSERT_TRUE(Ok(p2));
  ASSERT_EQ(p2->items.size(), 1u);
  EXPECT_EQ(p2->items[0].id, ids[1]);
  EXPECT_FALSE(p2->next_cursor);

  auto before = list_audit_events(db(), AuditQuery{.before_id = ids[2], .limit = 10});
  ASSERT_TRUE(Ok(before));
  ASSERT_EQ(before->items.size(), 2u);
  EXPECT_EQ(before->items[0].id, ids[1]);

  auto none = list_audit_events(db(), AuditQuery{.limit = 10, .event = "nothing"});
  ASSERT_TRUE(Ok(none));
  EXPECT_TRUE(none->items.empty());
  EXPECT_TRUE(FailsWith(list_audit_events(db(), AuditQuery{.limit = 0}), ErrorCode::invalid_request));
}

// --- composition ----------------------------------------------------------------------------------

TEST_P(StoreRepoTest, RepositoryCallsComposeInATransaction) {
  Status st = db().transaction([&](Connection& c) -> Status {
    if (auto r = insert_user(c, user("u1", "a@example.com")); !r) return r;
    if (auto r = insert_auth_session(c, session("s1", "u1", "h1")); !r) return r;
    auto found = find_user_by_email(c, "a@example.com");  // sees the uncommitted row
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(ErrorCode::internal_error, "own write not visible");
    return ok();
  });
  ASSERT_TRUE(Ok(st));

  // The second insert fails (duplicate email), so the first one is rolled back too.
  st = db().transaction([&](Connection& c) -> Status {
    if (auto r = insert_user(c, user("u2", "b@example.com")); !r) return r;
    return insert_user(c, user("u3", "A@example.com"));
  });
  EXPECT_TRUE(FailsWith(st, ErrorCode::conflict));
  auto u2 = find_user_by_id(db(), "u2");
  ASSERT_TRUE(Ok(u2));
  EXPECT_FALSE(u2->has_value());
  auto n = count_users(db());
  ASSERT_TRUE(Ok(n));
  EXPECT_EQ(*n, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreRepoTest, ::testing::Values(Backend::sqlite, Backend::postgres),
                         backend_name);

}  // namespace
}  // namespace bs::store::testing
