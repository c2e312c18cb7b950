// Authorization-code flow and consent repository tests (interactions, codes, PAR requests, consents,
// the consent ledger, the janitor), run against every backend the fixture provides.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "store/authorization_repositories.hpp"
#include "unit/store_fixture.hpp"

namespace bs::store::testing {
namespace {

using Words = std::vector<std::string>;

class StoreAuthorizationTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(Ok(migrate(db())));
  }

  static OAuthInteraction interaction(std::string id_hash, std::int64_t expires_at = 5000) {
    OAuthInteraction i;
    i.id_hash = std::move(id_hash);
    i.client_id = "c1";
    i.request =
        R"({"redirect_uri":"https://app.example/cb","scope":"badges:read","state":"xyz",)"
        R"("code_challenge":"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM","code_challenge_method":"S256"})";
    i.state = std::string(interaction_state::login_required);
    i.created_at = 1000;
    i.updated_at = 1000;
    i.expires_at = expires_at;
    return i;
  }

  static AuthorizationCode code(std::string code_hash, std::int64_t expires_at = 1600) {
    AuthorizationCode c;
    c.code_hash = std::move(code_hash);
    c.client_id = "c1";
    c.redirect_uri = "https://app.example/cb";
    c.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    c.code_challenge_method = "S256";
    c.subject = "u1";
    c.scope = {"badges:read", "badges:issue"};
    c.audience = "https://badges.example";
    c.grant_id = "g-" + c.code_hash;
    c.issued_at = 1000;
    c.expires_at = expires_at;
    return c;
  }

  static ParRequest par(std::string hash, std::string client_id = "c1", std::int64_t expires_at = 1090) {
    ParRequest q;
    q.request_uri_hash = std::move(hash);
    q.client_id = std::move(client_id);
    q.params = R"({"response_type":"code","scope":"badges:read"})";
    q.created_at = 1000;
    q.expires_at = expires_at;
    return q;
  }

  static OAuthConsent consent(std::string id, std::string subject = "u1", std::string client_id = "c1") {
    OAuthConsent c;
    c.id = std::move(id);
    c.subject = std::move(subject);
    c.client_id = std::move(client_id);
    c.scope = {"badges:read"};
    c.remember = true;
    c.created_at = 1000;
    c.updated_at = 1000;
    return c;
  }

  static ConsentLedgerEntry entry(const OAuthConsent& c, std::string_view action, std::int64_t at) {
    ConsentLedgerEntry e;
    e.consent_id = c.id;
    e.subject = c.subject;
    e.client_id = c.client_id;
    e.action = std::string(action);
    e.scope = c.scope;
    e.actor = c.subject;
    e.at = at;
    return e;
  }

  std::int64_t count(std::string_view table) {
    auto rows = db().query("SELECT COUNT(*) FROM " + std::string(table));
    EXPECT_TRUE(Ok(rows));
    return rows && !rows->empty() ? rows->front().integer(0) : -1;
  }

  std::optional<OAuthInteraction> get_interaction(std::string_view id_hash) {
    auto r = find_interaction(db(), id_hash);
    EXPECT_TRUE(Ok(r));
    return r ? *r : std::nullopt;
  }
  std::optional<AuthorizationCode> get_code(std::string_view code_hash) {
    auto r = find_authorization_code(db(), code_hash);
    EXPECT_TRUE(Ok(r));
    return r ? *r : std::nullopt;
  }
  std::optional<ParRequest> get_par(std::string_view hash) {
    auto r = find_par_request(db(), hash);
    EXPECT_TRUE(Ok(r));
    return r ? *r : std::nullopt;
  }
  std::optional<OAuthConsent> get_consent(std::string_view id) {
    auto r = find_consent(db(), id);
    EXPECT_TRUE(Ok(r));
    return r ? *r : std::nullopt;
  }

  static std::vector<std::string> ids_of(const std::vector<OAuthConsent>& consents) {
    std::vector<std::string> out;
    for (const auto& c : consents) out.push_back(c.id);
    return out;
  }

  // Runs fn(t, database) on `threads` threads released together, half of them through a second
  // Database (as a second server instance would).
  template <class F>
  void race(int threads, F fn) {
    std::unique_ptr<Database> other = open_another();
    ASSERT_TRUE(other);
    std::atomic<bool> go{false};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        while (!go) std::this_thread::yield();
        fn(t, t % 2 ? *other : db());
      });
    }
    go = true;
    for (auto& t : pool) t.join();
  }
};

// --- interactions ---------------------------------------------------------------------------------

TEST_P(StoreAuthorizationTest, InteractionInsertAndFind) {
  OAuthInteraction i = interaction("ih1");
  ASSERT_TRUE(Ok(insert_interaction(db(), i)));
  EXPECT_TRUE(FailsWith(insert_interaction(db(), i), ErrorCode::conflict));

  auto got = get_interaction("ih1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->client_id, "c1");
  EXPECT_EQ(got->request, i.request);
  EXPECT_EQ(got->state, "login_required");
  EXPECT_EQ(got->subject, std::nullopt);
  EXPECT_EQ(got->granted_scope, std::nullopt);
  EXPECT_FALSE(got->remember);
  EXPECT_EQ(got->decision, std::nullopt);
  EXPECT_EQ(got->redirect_to, std::nullopt);
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->updated_at, 1000);
  EXPECT_EQ(got->expires_at, 5000);

  // Every optional column set; an empty granted scope is not the same as an undecided one.
  OAuthInteraction full = interaction("ih2");
  full.state = std::string(interaction_state::completed);
  full.subject = "u1";
  full.granted_scope = Words{};
  full.remember = true;
  full.decision = std::string(interaction_decision::accept);
  full.redirect_to = "https://app.example/cb?code=abc&state=xyz";
  ASSERT_TRUE(Ok(insert_interaction(db(), full)));
  auto got2 = get_interaction("ih2");
  ASSERT_TRUE(got2.has_value());
  EXPECT_EQ(got2->state, "completed");
  EXPECT_EQ(got2->subject, "u1");
  ASSERT_TRUE(got2->granted_scope.has_value());
  EXPECT_TRUE(got2->granted_scope->empty());
  EXPECT_TRUE(got2->remember);
  EXPECT_EQ(got2->decision, "accept");
  EXPECT_EQ(got2->redirect_to, full.redirect_to);

  EXPECT_FALSE(get_interaction("ih3").has_value());

  // The schema rejects unknown states and decisions.
  OAuthInteraction bad = interaction("ih4");
  bad.state = "approved";
  EXPECT_FALSE(insert_interaction(db(), bad));
  bad.state = std::string(interaction_state::completed);
  bad.decision = "maybe";
  EXPECT_FALSE(insert_interaction(db(), bad));
  EXPECT_EQ(count("oauth_interactions"), 2);
}

TEST_P(StoreAuthorizationTest, TransitionInteractionIsCompareAndSet) {
  ASSERT_TRUE(Ok(insert_interaction(db(), interaction("ih1"))));

  // Login: only the subject is decided; the other columns keep their values.
  InteractionUpdate login{.state = std::string(interaction_state::consent_required), .subject = "u1"};
  auto wrong_state = transition_interaction(db(), "ih1", interaction_state::consent_required, login, 1100);
  ASSERT_TRUE(Ok(wrong_state));
  EXPECT_FALSE(*wrong_state);
  auto missing = transition_interaction(db(), "nope", interaction_state::login_required, login, 1100);
  ASSERT_TRUE(Ok(missing));
  EXPECT_FALSE(*missing);
  auto logged_in = transition_interaction(db(), "ih1", interaction_state::login_required, login, 1100);
  ASSERT_TRUE(Ok(logged_in));
  EXPECT_TRUE(*logged_in);
  auto again = transition_interaction(db(), "ih1", interaction_state::login_required, login, 1101);
  ASSERT_TRUE(Ok(again));
  EXPECT_FALSE(*again);

  auto after_login = get_interaction("ih1");
  ASSERT_TRUE(after_login.has_value());
  EXPECT_EQ(after_login->state, "consent_required");
  EXPECT_EQ(after_login->subject, "u1");
  EXPECT_EQ(after_login->granted_scope, std::nullopt);
  EXPECT_FALSE(after_login->remember);
  EXPECT_EQ(after_login->decision, std::nullopt);
  EXPECT_EQ(after_login->updated_at, 1100);
  EXPECT_EQ(after_login->created_at, 1000);
  EXPECT_EQ(after_login->expires_at, 5000);

  // Consent: scope, remember, decision, redirect and a fresh expiry; subject stays.
  InteractionUpdate accept{.state = std::string(interaction_state::completed),
                           .granted_scope = Words{"badges:read", "profile"},
                           .remember = true,
                           .decision = std::string(interaction_decision::accept),
                           .redirect_to = "https://app.example/cb?code=c&state=xyz",
                           .expires_at = 6000};
  auto accepted = transition_interaction(db(), "ih1", interaction_state::consent_required, accept, 1200);
  ASSERT_TRUE(Ok(accepted));
  EXPECT_TRUE(*accepted);
  auto done = get_interaction("ih1");
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->state, "completed");
  EXPECT_EQ(done->subject, "u1");
  EXPECT_EQ(done->granted_scope, (Words{"badges:read", "profile"}));
  EXPECT_TRUE(done->remember);
  EXPECT_EQ(done->decision, "accept");
  EXPECT_EQ(done->redirect_to, accept.redirect_to);
  EXPECT_EQ(done->expires_at, 6000);
  EXPECT_EQ(done->updated_at, 1200);

  // A second decision on the completed interaction loses.
  InteractionUpdate reject{.state = std::string(interaction_state::rejected),
                           .decision = std::string(interaction_decision::reject)};
  auto late = transition_interaction(db(), "ih1", interaction_state::consent_required, reject, 1300);
  ASSERT_TRUE(Ok(late));
  EXPECT_FALSE(*late);
  EXPECT_EQ(get_interaction("ih1")->decision, "accept");

  // remember = false is a value, not "keep".
  ASSERT_TRUE(Ok(insert_interaction(db(), interaction("ih2"))));
  InteractionUpdate keep_remember{.state = std::string(interaction_state::consent_required),
                                  .remember = false};
  auto r = transition_interaction(db(), "ih2", interaction_state::login_required, keep_remember, 1100);
  ASSERT_TRUE(Ok(r));
  EXPECT_TRUE(*r);
  EXPECT_FALSE(get_interaction("ih2")->remember);

  // An invalid new state is refused by the schema and changes nothing.
  InteractionUpdate bogus{.state = "approved"};
  EXPECT_FALSE(transition_interaction(db(), "ih2", interaction_state::consent_required, bogus, 1100));
  EXPECT_EQ(get_interaction("ih2")->state, "consent_required");
}

TEST_P(StoreAuthorizationTest, ExpiredInteractionCanOnlyBecomeExpired) {
  ASSERT_TRUE(Ok(insert_interaction(db(), interaction("ih1", 2000))));
  InteractionUpdate login{.state = std::string(interaction_state::consent_required), .subject = "u1"};
  // expires_at == now is expired.
  auto at_expiry = transition_interaction(db(), "ih1", interaction_state::login_required, login, 2000);
  ASSERT_TRUE(Ok(at_expiry));
  EXPECT_FALSE(*at_expiry);
  auto before_expiry = transition_interaction(db(), "ih1", interaction_state::login_required, login, 1999);
  ASSERT_TRUE(Ok(before_expiry));
  EXPECT_TRUE(*before_expiry);

  InteractionUpdate accept{.state = std::string(interaction_state::completed),
                           .decision = std::string(interaction_decision::accept)};
  auto late = transition_interaction(db(), "ih1", interaction_state::consent_required, accept, 2500);
  ASSERT_TRUE(Ok(late));
  EXPECT_FALSE(*late);

  InteractionUpdate expire{.state = std::string(interaction_state::expired)};
  auto expired = transition_interaction(db(), "ih1", interaction_state::consent_required, expire, 2500);
  ASSERT_TRUE(Ok(expired));
  EXPECT_TRUE(*expired);
  auto got = get_interaction("ih1");
  EXPECT_EQ(got->state, "expired");
  EXPECT_EQ(got->subject, "u1");
  EXPECT_EQ(got->decision, std::nullopt);
  EXPECT_EQ(got->updated_at, 2500);
}

TEST_P(StoreAuthorizationTest, TransitionRollsBackWithItsTransaction) {
  ASSERT_TRUE(Ok(insert_interaction(db(), interaction("ih1"))));
  InteractionUpdate login{.state = std::string(interaction_state::consent_required), .subject = "u1"};
  auto r = db().transaction([&](Connection& c) -> Result<bool> {
    auto t = transition_interaction(c, "ih1", interaction_state::login_required, login, 1100);
    if (!t) return t;
    EXPECT_TRUE(*t);
    return fail(ErrorCode::internal_error, "roll back");
  });
  EXPECT_FALSE(r);
  EXPECT_EQ(get_interaction("ih1")->state, "login_required");
  EXPECT_EQ(get_interaction("ih1")->subject, std::nullopt);
}

TEST_P(StoreAuthorizationTest, ConcurrentDecisionsExactlyOneWins) {
  constexpr int kInteractions = 4;
  constexpr int kThreads = 8;
  for (int i = 0; i < kInteractions; ++i) {
    OAuthInteraction it = interaction("ih" + std::to_string(i));
    it.state = std::string(interaction_state::consent_required);
    it.subject = "u1";
    ASSERT_TRUE(Ok(insert_interaction(db(), it)));
  }
  for (int i = 0; i < kInteractions; ++i) {
    const std::string id = "ih" + std::to_string(i);
    std::atomic<int> wins{0};
    std::atomic<int> winner{-1};
    race(kThreads, [&](int t, Database& d) {
      // Even threads accept, odd ones reject: whichever wins, the row must be all of one decision.
      InteractionUpdate u{
          .state = std::string(t % 2 ? interaction_state::rejected : interaction_state::completed),
          .granted_scope = Words{"scope" + std::to_string(t)},
          .decision = std::string(t % 2 ? interaction_decision::reject : interaction_decision::accept),
          .redirect_to = "https://app.example/cb?t=" + std::to_string(t)};
      auto r = transition_interaction(d, id, interaction_state::consent_required, u, 1100 + t);
      if (!r) {
        ADD_FAILURE() << r.error().description;
      } else if (*r) {
        ++wins;
        winner = t;
      }
    });
    ASSERT_EQ(wins.load(), 1) << id;
    const int t = winner.load();
    auto got = get_interaction(id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->state, t % 2 ? "rejected" : "completed");
    EXPECT_EQ(got->decision, t % 2 ? "reject" : "accept");
    EXPECT_EQ(got->granted_scope, (Words{"scope" + std::to_string(t)}));
    EXPECT_EQ(got->redirect_to, "https://app.example/cb?t=" + std::to_string(t));
    EXPECT_EQ(got->updated_at, 1100 + t);
  }
}

// --- authorization codes --------------------------------------------------------------------------

TEST_P(StoreAuthorizationTest, CodeInsertAndFind) {
  AuthorizationCode c = code("ch1");
  ASSERT_TRUE(Ok(insert_authorization_code(db(), c)));
  EXPECT_TRUE(FailsWith(insert_authorization_code(db(), c), ErrorCode::conflict));
  auto got = get_code("ch1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->client_id, c.client_id);
  EXPECT_EQ(got->redirect_uri, c.redirect_uri);
  EXPECT_EQ(got->code_challenge, c.code_challenge);
  EXPECT_EQ(got->code_challenge_method, "S256");
  EXPECT_EQ(got->subject, "u1");
  EXPECT_EQ(got->scope, (Words{"badges:read", "badges:issue"}));
  EXPECT_EQ(got->audience, c.audience);
  EXPECT_EQ(got->grant_id, "g-ch1");
  EXPECT_EQ(got->interaction_id_hash, std::nullopt);
  EXPECT_EQ(got->nonce, std::nullopt);
  EXPECT_EQ(got->issued_at, 1000);
  EXPECT_EQ(got->expires_at, 1600);
  EXPECT_EQ(got->used_at, std::nullopt);

  AuthorizationCode full = code("ch2");
  full.interaction_id_hash = "ih1";
  full.nonce = "n-0S6_WzA2Mj";
  full.scope = {};
  full.audience = "https://a.example https://b.example";
  ASSERT_TRUE(Ok(insert_authorization_code(db(), full)));
  auto got2 = get_code("ch2");
  ASSERT_TRUE(got2.has_value());
  EXPECT_EQ(got2->interaction_id_hash, "ih1");
  EXPECT_EQ(got2->nonce, "n-0S6_WzA2Mj");
  EXPECT_TRUE(got2->scope.empty());
  EXPECT_EQ(got2->audience, full.audience);

  EXPECT_FALSE(get_code("ch3").has_value());
}

TEST_P(StoreAuthorizationTest, ConsumeCodeOnceAndDetectReplay) {
  ASSERT_TRUE(Ok(insert_authorization_code(db(), code("ch1"))));

  auto first = consume_authorization_code(db(), "ch1", 1100);
  ASSERT_TRUE(Ok(first));
  EXPECT_EQ(first->outcome, CodeConsumption::consumed);
  ASSERT_TRUE(first->code.has_value());
  EXPECT_EQ(first->code->used_at, 1100);
  EXPECT_EQ(first->code->grant_id, "g-ch1");
  EXPECT_EQ(first->code->scope, (Words{"badges:read", "badges:issue"}));
  EXPECT_EQ(get_code("ch1")->used_at, 1100);

  // A replay is told apart, with the row so the caller can revoke the grant's tokens.
  auto replay = consume_authorization_code(db(), "ch1", 1200);
  ASSERT_TRUE(Ok(replay));
  EXPECT_EQ(replay->outcome, CodeConsumption::already_used);
  ASSERT_TRUE(replay->code.has_value());
  EXPECT_EQ(replay->code->grant_id, "g-ch1");
  EXPECT_EQ(replay->code->used_at, 1100);  // not moved by the replay
  // Still a replay after expiry, until the janitor deletes it.
  auto late_replay = consume_authorization_code(db(), "ch1", 9000);
  ASSERT_TRUE(Ok(late_replay));
  EXPECT_EQ(late_replay->outcome, CodeConsumption::already_used);

  auto unknown = consume_authorization_code(db(), "nope", 1100);
  ASSERT_TRUE(Ok(unknown));
  EXPECT_EQ(unknown->outcome, CodeConsumption::not_found);
  EXPECT_FALSE(unknown->code.has_value());

  // expires_at == now is expired; an expired code is not used up.
  ASSERT_TRUE(Ok(insert_authorization_code(db(), code("ch2", 1600))));
  auto expired = consume_authorization_code(db(), "ch2", 1600);
  ASSERT_TRUE(Ok(expired));
  EXPECT_EQ(expired->outcome, CodeConsumption::expired);
  ASSERT_TRUE(expired->code.has_value());
  EXPECT_EQ(expired->code->used_at, std::nullopt);
  EXPECT_EQ(get_code("ch2")->used_at, std::nullopt);
  auto just_in_time = consume_authorization_code(db(), "ch2", 1599);
  ASSERT_TRUE(Ok(just_in_time));
  EXPECT_EQ(just_in_time->outcome, CodeConsumption::consumed);
}

TEST_P(StoreAuthorizationTest, ConsumeCodeInsideTransaction) {
  ASSERT_TRUE(Ok(insert_authorization_code(db(), code("ch1"))));
  // Rolled back: the code is still unused.
  auto rolled = db().transaction([&](Connection& c) -> Result<bool> {
    auto r = consume_authorization_code(c, "ch1", 1100);
    if (!r) return std::unexpected(r.error());
    EXPECT_EQ(r->outcome, CodeConsumption::consumed);
    return fail(ErrorCode::internal_error, "token issuance failed");
  });
  EXPECT_FALSE(rolled);
  EXPECT_EQ(get_code("ch1")->used_at, std::nullopt);
  // Committed, and a replay inside the same transaction is seen as one.
  auto committed = db().transaction([&](Connection& c) -> Result<bool> {
    auto r = consume_authorization_code(c, "ch1", 1100);
    if (!r) return std::unexpected(r.error());
    EXPECT_EQ(r->outcome, CodeConsumption::consumed);
    auto again = consume_authorization_code(c, "ch1", 1101);
    if (!again) return std::unexpected(again.error());
    EXPECT_EQ(again->outcome, CodeConsumption::already_used);
    return true;
  });
  ASSERT_TRUE(Ok(committed));
  EXPECT_EQ(get_code("ch1")->used_at, 1100);
}

TEST_P(StoreAuthorizationTest, ConcurrentCodeConsumptionExactlyOneWins) {
  constexpr int kCodes = 5;
  constexpr int kThreads = 8;
  for (int i = 0; i < kCodes; ++i)
    ASSERT_TRUE(Ok(insert_authorization_code(db(), code("ch" + std::to_string(i)))));
  for (int i = 0; i < kCodes; ++i) {
    const std::string hash = "ch" + std::to_string(i);
    std::atomic<int> consumed{0};
    std::atomic<int> replays{0};
    race(kThreads, [&](int t, Database& d) {
      // Half of them in a transaction, as the token endpoint composes consumption with issuance.
      auto r = t % 4 < 2 ? consume_authorization_code(d, hash, 1100 + t) : d.transaction([&](Connection& c) {
        return consume_authorization_code(c, hash, 1100 + t);
      });
      if (!r) {
        ADD_FAILURE() << r.error().description;
        return;
      }
      if (r->outcome == CodeConsumption::consumed) ++consumed;
      if (r->outcome == CodeConsumption::already_used) {
        ++replays;
        EXPECT_TRUE(r->code && r->code->used_at && r->code->grant_id == "g-" + hash);
      }
    });
    EXPECT_EQ(consumed.load(), 1) << hash;
    EXPECT_EQ(replays.load(), kThreads - 1) << hash;
    EXPECT_TRUE(get_code(hash)->used_at.has_value());
  }
}

// --- pushed authorization requests ----------------------------------------------------------------

TEST_P(StoreAuthorizationTest, ParInsertFindAndConsumeOnce) {
  ParRequest q = par("ph1");
  ASSERT_TRUE(Ok(insert_par_request(db(), q)));
  EXPECT_TRUE(FailsWith(insert_par_request(db(), q), ErrorCode::conflict));
  auto got = get_par("ph1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->client_id, "c1");
  EXPECT_EQ(got->params, q.params);
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->expires_at, 1090);
  EXPECT_EQ(got->used_at, std::nullopt);
  EXPECT_FALSE(get_par("ph2").has_value());

  // Another client's presentation neither gets it nor uses it up.
  auto stranger = consume_par_request(db(), "ph1", "c2", 1010);
  ASSERT_TRUE(Ok(stranger));
  EXPECT_FALSE(stranger->has_value());
  EXPECT_EQ(get_par("ph1")->used_at, std::nullopt);

  auto first = consume_par_request(db(), "ph1", "c1", 1010);
  ASSERT_TRUE(Ok(first));
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->params, q.params);
  EXPECT_EQ((*first)->used_at, 1010);
  auto second = consume_par_request(db(), "ph1", "c1", 1011);
  ASSERT_TRUE(Ok(second));
  EXPECT_FALSE(second->has_value());
  EXPECT_EQ(get_par("ph1")->used_at, 1010);

  auto unknown = consume_par_request(db(), "nope", "c1", 1010);
  ASSERT_TRUE(Ok(unknown));
  EXPECT_FALSE(unknown->has_value());

  // expires_at == now is expired.
  ASSERT_TRUE(Ok(insert_par_request(db(), par("ph3", "c1", 1090))));
  auto expired = consume_par_request(db(), "ph3", "c1", 1090);
  ASSERT_TRUE(Ok(expired));
  EXPECT_FALSE(expired->has_value());
  EXPECT_EQ(get_par("ph3")->used_at, std::nullopt);
  auto in_time = consume_par_request(db(), "ph3", "c1", 1089);
  ASSERT_TRUE(Ok(in_time));
  EXPECT_TRUE(in_time->has_value());
}

TEST_P(StoreAuthorizationTest, ConcurrentParConsumptionExactlyOneWins) {
  constexpr int kRequests = 5;
  constexpr int kThreads = 8;
  for (int i = 0; i < kRequests; ++i)
    ASSERT_TRUE(Ok(insert_par_request(db(), par("ph" + std::to_string(i)))));
  for (int i = 0; i < kRequests; ++i) {
    const std::string hash = "ph" + std::to_string(i);
    std::atomic<int> wins{0};
    race(kThreads, [&](int t, Database& d) {
      auto r = consume_par_request(d, hash, "c1", 1010 + t);
      if (!r) {
        ADD_FAILURE() << r.error().description;
      } else if (r->has_value()) {
        ++wins;
      }
    });
    EXPECT_EQ(wins.load(), 1) << hash;
    EXPECT_TRUE(get_par(hash)->used_at.has_value());
  }
}

// --- consents -------------------------------------------------------------------------------------

TEST_P(StoreAuthorizationTest, ConsentInsertFindUpdateRevoke) {
  OAuthConsent c = consent("k1");
  ASSERT_TRUE(Ok(insert_consent(db(), c)));
  auto got = get_consent("k1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->subject, "u1");
  EXPECT_EQ(got->client_id, "c1");
  EXPECT_EQ(got->scope, (Words{"badges:read"}));
  EXPECT_TRUE(got->remember);
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->updated_at, 1000);
  EXPECT_EQ(got->revoked_at, std::nullopt);
  EXPECT_FALSE(get_consent("k2").has_value());

  auto live = find_live_consent(db(), "u1", "c1");
  ASSERT_TRUE(Ok(live));
  ASSERT_TRUE(live->has_value());
  EXPECT_EQ((*live)->id, "k1");
  auto none = find_live_consent(db(), "u1", "c2");
  ASSERT_TRUE(Ok(none));
  EXPECT_FALSE(none->has_value());
  auto swapped = find_live_consent(db(), "c1", "u1");
  ASSERT_TRUE(Ok(swapped));
  EXPECT_FALSE(swapped->has_value());

  auto widened = update_consent_scope(db(), "k1", {"badges:read", "badges:issue"}, false, 1100);
  ASSERT_TRUE(Ok(widened));
  EXPECT_TRUE(*widened);
  got = get_consent("k1");
  EXPECT_EQ(got->scope, (Words{"badges:read", "badges:issue"}));
  EXPECT_FALSE(got->remember);
  EXPECT_EQ(got->updated_at, 1100);
  EXPECT_EQ(got->created_at, 1000);
  auto missing = update_consent_scope(db(), "k2", {"x"}, true, 1100);
  ASSERT_TRUE(Ok(missing));
  EXPECT_FALSE(*missing);

  auto revoked = revoke_consent(db(), "k1", 1200);
  ASSERT_TRUE(Ok(revoked));
  EXPECT_TRUE(*revoked);
  auto revoked_again = revoke_consent(db(), "k1", 1300);
  ASSERT_TRUE(Ok(revoked_again));
  EXPECT_FALSE(*revoked_again);
  auto revoke_missing = revoke_consent(db(), "k2", 1300);
  ASSERT_TRUE(Ok(revoke_missing));
  EXPECT_FALSE(*revoke_missing);
  got = get_consent("k1");
  EXPECT_EQ(got->revoked_at, 1200);
  EXPECT_EQ(got->updated_at, 1200);
  auto gone = find_live_consent(db(), "u1", "c1");
  ASSERT_TRUE(Ok(gone));
  EXPECT_FALSE(gone->has_value());

  // A revoked consent cannot be changed any more.
  auto update_revoked = update_consent_scope(db(), "k1", {"everything"}, true, 1400);
  ASSERT_TRUE(Ok(update_revoked));
  EXPECT_FALSE(*update_revoked);
  EXPECT_EQ(get_consent("k1")->scope, (Words{"badges:read", "badges:issue"}));
}

TEST_P(StoreAuthorizationTest, AtMostOneLiveConsentPerSubjectAndClient) {
  ASSERT_TRUE(Ok(insert_consent(db(), consent("k1", "u1", "c1"))));
  EXPECT_TRUE(FailsWith(insert_consent(db(), consent("k2", "u1", "c1")), ErrorCode::conflict));
  EXPECT_TRUE(FailsWith(insert_consent(db(), consent("k1", "u9", "c9")), ErrorCode::conflict));  // same id
  ASSERT_TRUE(Ok(insert_consent(db(), consent("k3", "u1", "c2"))));
  ASSERT_TRUE(Ok(insert_consent(db(), consent("k4", "u2", "c1"))));
  // A revoked row does not count.
  OAuthConsent old = consent("k5", "u1", "c1");
  old.revoked_at = 900;
  ASSERT_TRUE(Ok(insert_consent(db(), old)));

  ASSERT_TRUE(Ok(revoke_consent(db(), "k1", 1100)));
  ASSERT_TRUE(Ok(insert_consent(db(), consent("k2", "u1", "c1"))));
  auto live = find_live_consent(db(), "u1", "c1");
  ASSERT_TRUE(Ok(live));
  ASSERT_TRUE(live->has_value());
  EXPECT_EQ((*live)->id, "k2");
  EXPECT_TRUE(FailsWith(insert_consent(db(), consent("k6", "u1", "c1")), ErrorCode::conflict));
  EXPECT_EQ(count("oauth_consents"), 5);

  // The conflict leaves the caller's transaction usable (PostgreSQL aborts a transaction on a
  // failed statement): a grant that lost the race updates the winner's consent instead.
  auto upserted = db().transaction([&](Connection& c) -> Result<bool> {
    auto ins = insert_consent(c, consent("k7", "u1", "c1"));
    EXPECT_TRUE(FailsWith(ins, ErrorCode::conflict));
    auto existing = find_live_consent(c, "u1", "c1");
    if (!existing) return std::unexpected(existing.error());
    if (!*existing) return fail(ErrorCode::internal_error, "no live consent");
    return update_consent_scope(c, (*existing)->id, {"badges:read", "profile"}, true, 1200);
  });
  ASSERT_TRUE(Ok(upserted));
  EXPECT_TRUE(*upserted);
  EXPECT_EQ(get_consent("k2")->scope, (Words{"badges:read", "profile"}));
  EXPECT_FALSE(get_consent("k7").has_value());
}

TEST_P(StoreAuthorizationTest, ConcurrentConsentInsertsLeaveOneLive) {
  constexpr int kThreads = 8;
  std::atomic<int> inserted{0};
  std::atomic<int> conflicts{0};
  race(kThreads, [&](int t, Database& d) {
    auto r = insert_consent(d, consent("k" + std::to_string(t), "u1", "c1"));
    if (r) {
      ++inserted;
    } else if (r.error().code == ErrorCode::conflict) {
      ++conflicts;
    } else {
      ADD_FAILURE() << r.error().description;
    }
  });
  EXPECT_EQ(inserted.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
  EXPECT_EQ(count("oauth_consents"), 1);
}

TEST_P(StoreAuthorizationTest, RevokeConsentsOfSubjectAndClient) {
  for (const auto& [id, subject, client] :
       std::vector<std::tuple<std::string, std::string, std::string>>{{"k3", "u1", "c1"},
                                                                      {"k1", "u1", "c2"},
                                                                      {"k2", "u1", "c3"},
                                                                      {"k4", "u2", "c1"},
                                                                      {"k5", "u3", "c1"}}) {
    ASSERT_TRUE(Ok(insert_consent(db(), consent(id, subject, client))));
  }
  ASSERT_TRUE(Ok(revoke_consent(db(), "k2", 1050)));  // already revoked: not returned again

  auto of_u1 = revoke_consents_of_subject(db(), "u1", 1100);
  ASSERT_TRUE(Ok(of_u1));
  EXPECT_EQ(ids_of(*of_u1), (std::vector<std::string>{"k1", "k3"}));  // ordered by id
  for (const auto& c : *of_u1) {
    EXPECT_EQ(c.subject, "u1");
    EXPECT_EQ(c.revoked_at, 1100);
    EXPECT_EQ(c.updated_at, 1100);
    EXPECT_EQ(c.scope, (Words{"badges:read"}));
  }
  EXPECT_EQ((*of_u1)[0].client_id, "c2");
  EXPECT_EQ((*of_u1)[1].client_id, "c1");
  EXPECT_EQ(get_consent("k2")->revoked_at, 1050);
  EXPECT_EQ(get_consent("k4")->revoked_at, std::nullopt);
  auto again = revoke_consents_of_subject(db(), "u1", 1200);
  ASSERT_TRUE(Ok(again));
  EXPECT_TRUE(again->empty());

  auto of_c1 = revoke_consents_of_client(db(), "c1", 1300);
  ASSERT_TRUE(Ok(of_c1));
  EXPECT_EQ(ids_of(*of_c1), (std::vector<std::string>{"k4", "k5"}));
  EXPECT_EQ(get_consent("k3")->revoked_at, 1100);  // not moved
  auto nobody = revoke_consents_of_client(db(), "c9", 1300);
  ASSERT_TRUE(Ok(nobody));
  EXPECT_TRUE(nobody->empty());

  auto live = list_consents(db(), {.limit = 100});
  ASSERT_TRUE(Ok(live));
  EXPECT_TRUE(live->items.empty());
}

TEST_P(StoreAuthorizationTest, ListConsentsFiltersAndPages) {
  auto empty = list_consents(db(), {});
  ASSERT_TRUE(Ok(empty));
  EXPECT_TRUE(empty->items.empty());
  EXPECT_FALSE(empty->next_cursor);

  // u1: c1..c5 (c2 revoked); u2: c1, c2.
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(Ok(insert_consent(db(), consent("a" + std::to_string(i), "u1", "c" + std::to_string(i)))));
  }
  ASSERT_TRUE(Ok(insert_consent(db(), consent("b1", "u2", "c1"))));
  ASSERT_TRUE(Ok(insert_consent(db(), consent("b2", "u2", "c2"))));
  ASSERT_TRUE(Ok(revoke_consent(db(), "a2", 1100)));

  auto collect = [&](ConsentQuery q) {
    std::vector<std::string> seen;
    int pages = 0;
    do {
      auto page = list_consents(db(), q);
      EXPECT_TRUE(Ok(page));
      if (!page) break;
      for (const auto& c : page->items) seen.push_back(c.id);
      q.after_id = page->next_cursor;
      ++pages;
    } while (q.after_id && pages < 20);
    return seen;
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(collect({.limit = 2}), (Ids{"a1", "a3", "a4", "a5", "b1", "b2"}));
  EXPECT_EQ(collect({.limit = 2, .include_revoked = true}), (Ids{"a1", "a2", "a3", "a4", "a5", "b1", "b2"}));
  EXPECT_EQ(collect({.subject = "u1", .limit = 3}), (Ids{"a1", "a3", "a4", "a5"}));
  EXPECT_EQ(collect({.client_id = "c1", .limit = 1}), (Ids{"a1", "b1"}));
  EXPECT_EQ(collect({.subject = "u2", .client_id = "c2", .limit = 5}), (Ids{"b2"}));
  EXPECT_EQ(collect({.subject = "u1", .client_id = "c2", .limit = 5}), Ids{});
  EXPECT_EQ(collect({.subject = "u1", .client_id = "c2", .limit = 5, .include_revoked = true}), (Ids{"a2"}));
  EXPECT_EQ(collect({.subject = "u9", .limit = 5}), Ids{});

  auto first = list_consents(db(), {.subject = "u1", .limit = 2});
  ASSERT_TRUE(Ok(first));
  EXPECT_EQ(first->next_cursor, "a3");
  auto exact = list_consents(db(), {.subject = "u1", .limit = 4});
  ASSERT_TRUE(Ok(exact));
  EXPECT_EQ(exact->items.size(), 4u);
  EXPECT_FALSE(exact->next_cursor);

  EXPECT_TRUE(FailsWith(list_consents(db(), {.limit = 0}), ErrorCode::invalid_request));
  EXPECT_TRUE(FailsWith(list_consents(db(), {.limit = kMaxPageLimit + 1}), ErrorCode::invalid_request));
}

// --- consent ledger -------------------------------------------------------------------------------

TEST_P(StoreAuthorizationTest, LedgerAppendsInOrder) {
  OAuthConsent a = consent("ka", "u1", "c1");
  OAuthConsent b = consent("kb", "u2", "c1");
  ASSERT_TRUE(Ok(insert_consent(db(), a)));
  ASSERT_TRUE(Ok(insert_consent(db(), b)));

  // Interleaved histories; `at` deliberately not monotonic: the order is the id's.
  const std::vector<std::pair<const OAuthConsent*, std::string_view>> steps = {
      {&a, consent_action::granted},  {&b, consent_action::pre_authorized}, {&a, consent_action::widened},
      {&a, consent_action::narrowed}, {&b, consent_action::revoked},        {&a, consent_action::revoked}};
  std::vector<std::int64_t> ids;
  std::int64_t at = 2000;
  for (const auto& [c, action] : steps) {
    ConsentLedgerEntry e = entry(*c, action, at--);
    e.id = 424242;  // ignored
    e.scope = {std::string(action) + ":scope", "badges:read"};
    auto id = append_consent_ledger(db(), e);
    ASSERT_TRUE(Ok(id));
    if (!ids.empty()) {
      EXPECT_GT(*id, ids.back());
    }
    ids.push_back(*id);
  }

  auto page = list_consent_ledger(db(), "ka", std::nullopt, 100);
  ASSERT_TRUE(Ok(page));
  EXPECT_FALSE(page->next_cursor);
  ASSERT_EQ(page->items.size(), 4u);
  const std::vector<std::string> actions = {"granted", "widened", "narrowed", "revoked"};
  const std::vector<std::int64_t> a_ids = {ids[0], ids[2], ids[3], ids[5]};
  for (std::size_t i = 0; i < 4; ++i) {
    const ConsentLedgerEntry& e = page->items[i];
    EXPECT_EQ(e.id, a_ids[i]);
    EXPECT_EQ(e.action, actions[i]);
    EXPECT_EQ(e.consent_id, "ka");
    EXPECT_EQ(e.subject, "u1");
    EXPECT_EQ(e.client_id, "c1");
    EXPECT_EQ(e.actor, "u1");
    EXPECT_EQ(e.scope, (Words{actions[i] + ":scope", "badges:read"}));
  }
  EXPECT_EQ(page->items[0].at, 2000);

  // Paged.
  auto p1 = list_consent_ledger(db(), "ka", std::nullopt, 3);
  ASSERT_TRUE(Ok(p1));
  ASSERT_EQ(p1->items.size(), 3u);
  EXPECT_EQ(p1->next_cursor, ids[3]);
  auto p2 = list_consent_ledger(db(), "ka", p1->next_cursor, 3);
  ASSERT_TRUE(Ok(p2));
  ASSERT_EQ(p2->items.size(), 1u);
  EXPECT_EQ(p2->items[0].action, "revoked");
  EXPECT_FALSE(p2->next_cursor);

  auto of_b = list_consent_ledger(db(), "kb", std::nullopt, 100);
  ASSERT_TRUE(Ok(of_b));
  ASSERT_EQ(of_b->items.size(), 2u);
  EXPECT_EQ(of_b->items[0].action, "pre_authorized");
  EXPECT_EQ(of_b->items[1].action, "revoked");
  auto of_none = list_consent_ledger(db(), "kz", std::nullopt, 100);
  ASSERT_TRUE(Ok(of_none));
  EXPECT_TRUE(of_none->items.empty());

  // The schema refuses unknown actions and entries for consents that do not exist.
  EXPECT_FALSE(append_consent_ledger(db(), entry(a, "deleted", 3000)));
  OAuthConsent ghost = consent("ghost");
  EXPECT_FALSE(append_consent_ledger(db(), entry(ghost, consent_action::granted, 3000)));
  EXPECT_EQ(count("oauth_consent_ledger"), 6);

  EXPECT_TRUE(FailsWith(list_consent_ledger(db(), "ka", std::nullopt, 0), ErrorCode::invalid_request));
  EXPECT_TRUE(FailsWith(list_consent_ledger(db(), "ka", std::nullopt, kMaxPageLimit + 1),
                        ErrorCode::invalid_request));
}

TEST_P(StoreAuthorizationTest, LedgerEntryCommitsWithItsConsentChange) {
  // The intended composition: a consent change and its ledger entry in one transaction.
  OAuthConsent c = consent("k1");
  auto granted = db().transaction([&](Connection& conn) -> Result<std::int64_t> {
    if (auto st = insert_consent(conn, c); !st) return std::unexpected(st.error());
    return append_consent_ledger(conn, entry(c, consent_action::granted, 1000));
  });
  ASSERT_TRUE(Ok(granted));
  auto failed = db().transaction([&](Connection& conn) -> Result<std::int64_t> {
    auto changed = update_consent_scope(conn, "k1", {}, false, 1100);
    if (!changed) return std::unexpected(changed.error());
    OAuthConsent narrowed = c;
    narrowed.scope = {};
    auto id = append_consent_ledger(conn, entry(narrowed, consent_action::narrowed, 1100));
    if (!id) return id;
    return fail(ErrorCode::internal_error, "token revocation failed");
  });
  EXPECT_FALSE(failed);
  EXPECT_EQ(get_consent("k1")->scope, (Words{"badges:read"}));
  auto ledger = list_consent_ledger(db(), "k1", std::nullopt, 10);
  ASSERT_TRUE(Ok(ledger));
  ASSERT_EQ(ledger->items.size(), 1u);
  EXPECT_EQ(ledger->items[0].id, *granted);
  EXPECT_EQ(ledger->items[0].action, "granted");
}

// --- janitor --------------------------------------------------------------------------------------

TEST_P(StoreAuthorizationTest, JanitorDeletesOnlyExpiredRowsInBatches) {
  // Expired before 2000: 8 interactions, 9 codes (4 of them used), 6 PAR requests (2 used) = 23.
  // Live: 2 of each (one code and one PAR request used).
  for (int i = 0; i < 8; ++i)
    ASSERT_TRUE(Ok(insert_interaction(db(), interaction("iold" + std::to_string(i), 1100 + i))));
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(Ok(insert_interaction(db(), interaction("inew" + std::to_string(i), 9000))));
  for (int i = 0; i < 9; ++i)
    ASSERT_TRUE(Ok(insert_authorization_code(db(), code("cold" + std::to_string(i), 1200 + i))));
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(Ok(insert_authorization_code(db(), code("cnew" + std::to_string(i), 9000))));
  for (int i = 0; i < 4; ++i) {
    auto r = consume_authorization_code(db(), "cold" + std::to_string(i), 1050);
    ASSERT_TRUE(Ok(r));
    EXPECT_EQ(r->outcome, CodeConsumption::consumed);
  }
  ASSERT_TRUE(Ok(consume_authorization_code(db(), "cnew0", 1050)));
  for (int i = 0; i < 6; ++i)
    ASSERT_TRUE(Ok(insert_par_request(db(), par("pold" + std::to_string(i), "c1", 1300 + i))));
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(Ok(insert_par_request(db(), par("pnew" + std::to_string(i), "c1", 9000))));
  ASSERT_TRUE(Ok(consume_par_request(db(), "pold0", "c1", 1010)));
  ASSERT_TRUE(Ok(consume_par_request(db(), "pold1", "c1", 1010)));
  ASSERT_TRUE(Ok(consume_par_request(db(), "pnew0", "c1", 1010)));
  // Consents are history: never touched by the janitor, even revoked ones.
  ASSERT_TRUE(Ok(insert_consent(db(), consent("k1"))));
  ASSERT_TRUE(Ok(revoke_consent(db(), "k1", 1010)));
  ASSERT_TRUE(Ok(append_consent_ledger(db(), entry(consent("k1"), consent_action::revoked, 1010))));

  auto none = delete_expired_authorization_rows(db(), 1100, 10);
  ASSERT_TRUE(Ok(none));
  EXPECT_EQ(*none, 0);

  std::vector<std::int64_t> calls;
  for (int i = 0; i < 100; ++i) {
    auto n = delete_expired_authorization_rows(db(), 2000, 5);
    ASSERT_TRUE(Ok(n));
    EXPECT_LE(*n, 5);
    calls.push_back(*n);
    if (*n < 5) break;
  }
  EXPECT_EQ(calls, (std::vector<std::int64_t>{5, 5, 5, 5, 3}));
  EXPECT_EQ(count("oauth_interactions"), 2);
  EXPECT_EQ(count("oauth_authorization_codes"), 2);
  EXPECT_EQ(count("oauth_par_requests"), 2);
  EXPECT_EQ(count("oauth_consents"), 1);
  EXPECT_EQ(count("oauth_consent_ledger"), 1);
  // The used live code is still there to catch a replay.
  auto replay = consume_authorization_code(db(), "cnew0", 1500);
  ASSERT_TRUE(Ok(replay));
  EXPECT_EQ(replay->outcome, CodeConsumption::already_used);

  // expires_at == before is not "expired before".
  auto edge = delete_expired_authorization_rows(db(), 9000, 100);
  ASSERT_TRUE(Ok(edge));
  EXPECT_EQ(*edge, 0);
  auto rest = delete_expired_authorization_rows(db(), 9001, 100);
  ASSERT_TRUE(Ok(rest));
  EXPECT_EQ(*rest, 6);

  EXPECT_TRUE(FailsWith(delete_expired_authorization_rows(db(), 2000, 0), ErrorCode::invalid_request));
}

TEST_P(StoreAuthorizationTest, PerTableJanitorsAreBounded) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Ok(insert_interaction(db(), interaction("i" + std::to_string(i), 1100))));
    ASSERT_TRUE(Ok(insert_authorization_code(db(), code("c" + std::to_string(i), 1100))));
    ASSERT_TRUE(Ok(insert_par_request(db(), par("p" + std::to_string(i), "c1", 1100))));
  }
  using Fn = Result<std::int64_t> (*)(Executor, std::int64_t, std::int64_t);
  for (auto [fn, table] : std::vector<std::pair<Fn, std::string>>{
           {delete_expired_interactions, "oauth_interactions"},
           {delete_expired_authorization_codes, "oauth_authorization_codes"},
           {delete_expired_par_requests, "oauth_par_requests"}}) {
    SCOPED_TRACE(table);
    auto zero = fn(db(), 1100, 10);
    ASSERT_TRUE(Ok(zero));
    EXPECT_EQ(*zero, 0);
    auto two = fn(db(), 1101, 2);
    ASSERT_TRUE(Ok(two));
    EXPECT_EQ(*two, 2);
    EXPECT_EQ(count(table), 1);
    auto last = fn(db(), 1101, 2);
    ASSERT_TRUE(Ok(last));
    EXPECT_EQ(*last, 1);
    EXPECT_EQ(count(table), 0);
    EXPECT_TRUE(FailsWith(fn(db(), 1101, 0), ErrorCode::invalid_request));
  }
}

// --- values ---------------------------------------------------------------------------------------

TEST_P(StoreAuthorizationTest, SqlSpecialCharactersRoundTrip) {
  const std::string nasty =
      "O'Brien \"quoted\"; DROP TABLE oauth_consents; -- %_\\ $1 \u00e9\u4e16\U0001F389";
  const Words scopes = {"a'b", "c\"d", "e;f", "%", "_", "\\", "$2"};
  const std::string json =
      R"({"state":"O'Brien \"x\" \\ ; --","redirect_uri":"https://x.example/%20?a=1&b='2'"})";

  OAuthInteraction i = interaction(nasty);
  i.client_id = nasty;
  i.request = json;
  i.subject = nasty;
  i.granted_scope = scopes;
  i.redirect_to = nasty;
  ASSERT_TRUE(Ok(insert_interaction(db(), i)));
  auto gi = get_interaction(nasty);
  ASSERT_TRUE(gi.has_value());
  EXPECT_EQ(gi->client_id, nasty);
  EXPECT_EQ(gi->request, json);
  EXPECT_EQ(gi->subject, nasty);
  EXPECT_EQ(gi->granted_scope, scopes);
  EXPECT_EQ(gi->redirect_to, nasty);
  EXPECT_FALSE(get_interaction("%").has_value());
  InteractionUpdate u{.state = std::string(interaction_state::consent_required), .subject = nasty + "2"};
  auto moved = transition_interaction(db(), nasty, interaction_state::login_required, u, 1100);
  ASSERT_TRUE(Ok(moved));
  EXPECT_TRUE(*moved);
  EXPECT_EQ(get_interaction(nasty)->subject, nasty + "2");

  AuthorizationCode c = code(nasty);
  c.client_id = c.redirect_uri = c.code_challenge = c.code_challenge_method = c.subject = nasty;
  c.audience = c.grant_id = nasty;
  c.interaction_id_hash = c.nonce = nasty;
  c.scope = scopes;
  ASSERT_TRUE(Ok(insert_authorization_code(db(), c)));
  auto consumed = consume_authorization_code(db(), nasty, 1100);
  ASSERT_TRUE(Ok(consumed));
  ASSERT_EQ(consumed->outcome, CodeConsumption::consumed);
  const AuthorizationCode& gc = *consumed->code;
  EXPECT_EQ(gc.client_id, nasty);
  EXPECT_EQ(gc.redirect_uri, nasty);
  EXPECT_EQ(gc.code_challenge, nasty);
  EXPECT_EQ(gc.code_challenge_method, nasty);
  EXPECT_EQ(gc.subject, nasty);
  EXPECT_EQ(gc.audience, nasty);
  EXPECT_EQ(gc.grant_id, nasty);
  EXPECT_EQ(gc.interaction_id_hash, nasty);
  EXPECT_EQ(gc.nonce, nasty);
  EXPECT_EQ(gc.scope, scopes);
  auto wildcard = consume_authorization_code(db(), "%", 1100);
  ASSERT_TRUE(Ok(wildcard));
  EXPECT_EQ(wildcard->outcome, CodeConsumption::not_found);

  ParRequest q = par(nasty, nasty);
  q.params = json;
  ASSERT_TRUE(Ok(insert_par_request(db(), q)));
  auto wrong = consume_par_request(db(), nasty, "%", 1010);
  ASSERT_TRUE(Ok(wrong));
  EXPECT_FALSE(wrong->has_value());
  auto gp = consume_par_request(db(), nasty, nasty, 1010);
  ASSERT_TRUE(Ok(gp));
  ASSERT_TRUE(gp->has_value());
  EXPECT_EQ((*gp)->client_id, nasty);
  EXPECT_EQ((*gp)->params, json);

  OAuthConsent k = consent(nasty, nasty, nasty);
  k.scope = scopes;
  ASSERT_TRUE(Ok(insert_consent(db(), k)));
  EXPECT_TRUE(FailsWith(insert_consent(db(), consent("other", nasty, nasty)), ErrorCode::conflict));
  auto live = find_live_consent(db(), nasty, nasty);
  ASSERT_TRUE(Ok(live));
  ASSERT_TRUE(live->has_value());
  EXPECT_EQ((*live)->id, nasty);
  EXPECT_EQ((*live)->scope, scopes);
  auto wild_live = find_live_consent(db(), "%", "%");
  ASSERT_TRUE(Ok(wild_live));
  EXPECT_FALSE(wild_live->has_value());
  auto listed = list_consents(db(), {.subject = nasty, .client_id = nasty, .after_id = "", .limit = 10});
  ASSERT_TRUE(Ok(listed));
  ASSERT_EQ(listed->items.size(), 1u);
  ConsentLedgerEntry e = entry(k, consent_action::granted, 1000);
  e.actor = nasty;
  ASSERT_TRUE(Ok(append_consent_ledger(db(), e)));
  auto ledger = list_consent_ledger(db(), nasty, std::nullopt, 10);
  ASSERT_TRUE(Ok(ledger));
  ASSERT_EQ(ledger->items.size(), 1u);
  EXPECT_EQ(ledger->items[0].consent_id, nasty);
  EXPECT_EQ(ledger->items[0].subject, nasty);
  EXPECT_EQ(ledger->items[0].client_id, nasty);
  EXPECT_EQ(ledger->items[0].actor, nasty);
  EXPECT_EQ(ledger->items[0].scope, scopes);
  auto by_subject = revoke_consents_of_subject(db(), nasty, 1200);
  ASSERT_TRUE(Ok(by_subject));
  EXPECT_EQ(ids_of(*by_subject), (std::vector<std::string>{nasty}));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreAuthorizationTest,
                         ::testing::Values(Backend::sqlite, Backend::postgres), backend_name);

}  // namespace
}  // namespace bs::store::testing
