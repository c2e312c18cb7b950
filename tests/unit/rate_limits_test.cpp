// Rate limits: the token-bucket (GCRA) math with an injected clock, the limit syntax, client
// quotas, and the coordination of two instances through the shared state (both backends).
#include <thread>

#include "auth/rate_limits.hpp"
#include "store/oauth_repositories.hpp"
#include "store/rate_limit_repositories.hpp"
#include "unit/store_fixture.hpp"

namespace bs::store::testing {
namespace {

using auth::LimitedEndpoint;
using auth::RateLimit;
using auth::RateLimiter;

constexpr std::int64_t kSecond = 1'000'000;

struct FakeClock {
  std::int64_t now = 1'700'000'000LL * kSecond;
  RateLimiter::Clock fn() {
    return [this] { return now; };
  }
};

TEST(RateLimitSpec, ParsesAndFormats) {
  auto l = auth::parse_rate_limit("10/60");
  ASSERT_TRUE(l);
  EXPECT_EQ(*l, (RateLimit{10, 60}));
  EXPECT_EQ(l->interval_micros(), 6 * kSecond);
  EXPECT_EQ(auth::format_rate_limit(*l), "10/60");
  EXPECT_FALSE(auth::parse_rate_limit("off")->enabled());
  EXPECT_FALSE(auth::parse_rate_limit("0")->enabled());
  EXPECT_EQ(auth::format_rate_limit(*auth::parse_rate_limit("off")), "off");
  for (const char* bad : {"", "10", "10/", "/60", "0/60", "10/0", "-1/60", "10/60s", "a/b", "10/86401"})
    EXPECT_FALSE(auth::parse_rate_limit(bad)) << bad;
}

TEST(RateLimiterMath, BurstThenSteadyRefillWithRetryAfter) {
  FakeClock clock;
  RateLimiter limiter({}, nullptr, clock.fn());
  const RateLimit limit{3, 60};  // a token every 20 s, bursts of 3
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire("t", "k", limit), 0) << i;
  EXPECT_EQ(limiter.acquire("t", "k", limit), 20);     // the fourth waits for one token's refill
  EXPECT_EQ(limiter.acquire("t", "other", limit), 0);  // buckets are per key
  EXPECT_EQ(limiter.acquire("u", "k", limit), 0);      // and per limit name
  clock.now += 19 * kSecond + 500'000;
  EXPECT_EQ(limiter.acquire("t", "k", limit), 1);  // rounds up: never "0 seconds"
  clock.now += 500'000;
  EXPECT_EQ(limiter.acquire("t", "k", limit), 0);
  EXPECT_EQ(limiter.acquire("t", "k", limit), 20);
  // A refused request takes nothing: waiting out Retry-After is enough.
  clock.now += 20 * kSecond;
  EXPECT_EQ(limiter.acquire("t", "k", limit), 0);
  // Idle for long, the bucket is full again, never fuller than the burst.
  clock.now += 3600 * kSecond;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire("t", "k", limit), 0);
  EXPECT_GT(limiter.acquire("t", "k", limit), 0);
}

TEST(RateLimiterMath, SteadyRateIsAdmittedExactly) {
  FakeClock clock;
  RateLimiter limiter({}, nullptr, clock.fn());
  const RateLimit limit{10, 1};  // 10 per second
  int admitted = 0;
  // 100 requests a second for 10 seconds: 10 burst + 10 per second.
  for (int i = 0; i < 1000; ++i) {
    if (limiter.acquire("t", "k", limit) == 0) ++admitted;
    clock.now += kSecond / 100;
  }
  EXPECT_GE(admitted, 100);
  EXPECT_LE(admitted, 110);
}

TEST(RateLimiterMath, DisabledLimitAdmitsEverythingAndIpAndClientChecks) {
  FakeClock clock;
  auth::RateLimitOptions options;
  options.per_ip[static_cast<std::size_t>(LimitedEndpoint::login)] = {2, 60};
  RateLimiter limiter(options, nullptr, clock.fn());
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.check_ip(LimitedEndpoint::token, "1.1.1.1"));
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.check_client(LimitedEndpoint::token, "c"));
  EXPECT_TRUE(limiter.check_ip(LimitedEndpoint::login, "1.1.1.1"));
  EXPECT_TRUE(limiter.check_ip(LimitedEndpoint::login, "1.1.1.1"));
  auto refused = limiter.check_ip(LimitedEndpoint::login, "1.1.1.1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::too_many_requests);
  EXPECT_EQ(refused.error().retry_after_seconds, 30);
  EXPECT_TRUE(limiter.check_ip(LimitedEndpoint::login, "2.2.2.2"));
}

TEST(RateLimiterMath, SyncForgetsFullBucketsOnly) {
  FakeClock clock;
  RateLimiter limiter({}, nullptr, clock.fn());
  const RateLimit limit{1, 10};
  EXPECT_EQ(limiter.acquire("t", "k", limit), 0);
  ASSERT_TRUE(limiter.sync());  // not full yet: kept, so the next request still waits
  EXPECT_EQ(limiter.acquire("t", "k", limit), 10);
  clock.now += 10 * kSecond;
  ASSERT_TRUE(limiter.sync());  // full: forgotten, and a fresh bucket behaves the same
  EXPECT_EQ(limiter.acquire("t", "k", limit), 0);
  EXPECT_EQ(limiter.acquire("t", "k", limit), 10);
}

class RateLimitStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(Ok(migrate(db())));
  }
  void add_client(const std::string& id) {
    OAuthClient c;
    c.client_id = id;
    c.token_endpoint_auth_method = "none";
    c.metadata = "{}";
    c.created_by = "test";
    ASSERT_TRUE(Ok(insert_client(db(), c)));
  }
};

TEST_P(RateLimitStoreTest, SharedStateAdvancesAtomically) {
  const std::int64_t now = 1000 * kSecond;
  auto a = advance_rate_limit_state(db(), db().dialect(), "token_client", "c1", now, 5 * kSecond);
  ASSERT_TRUE(Ok(a));
  EXPECT_EQ(*a, now + 5 * kSecond);
  // Not yet drained: the next increment stacks on the arrival time, not on now.
  auto b = advance_rate_limit_state(db(), db().dialect(), "token_client", "c1", now + kSecond, 2 * kSecond);
  ASSERT_TRUE(Ok(b));
  EXPECT_EQ(*b, now + 7 * kSecond);
  // Drained: it starts from now.
  auto c = advance_rate_limit_state(db(), db().dialect(), "token_client", "c1", now + 100 * kSecond, kSecond);
  ASSERT_TRUE(Ok(c));
  EXPECT_EQ(*c, now + 101 * kSecond);
  auto other = advance_rate_limit_state(db(), db().dialect(), "token_ip", "c1", now, kSecond);
  ASSERT_TRUE(Ok(other));
  EXPECT_EQ(*other, now + kSecond);
  auto deleted = delete_idle_rate_limit_state(db(), now + 50 * kSecond);
  ASSERT_TRUE(Ok(deleted));
  EXPECT_EQ(*deleted, 1);  // token_ip/c1 only
}

TEST_P(RateLimitStoreTest, QuotasAreStoredCachedAndDeletedWithTheirClient) {
  add_client("c1");
  add_client("c2");
  RateLimiter limiter({}, &db());
  ASSERT_TRUE(
      Ok(limiter.set_quota("c1", {{LimitedEndpoint::token, {100, 60}}, {LimitedEndpoint::par, {0, 60}}})));
  EXPECT_EQ(limiter.client_limit(LimitedEndpoint::token, "c1"), (RateLimit{100, 60}));
  EXPECT_FALSE(limiter.client_limit(LimitedEndpoint::par, "c1").enabled());
  auto stored = client_quotas_of(db(), "c1");
  ASSERT_TRUE(Ok(stored));
  ASSERT_EQ(stored->size(), 2u);
  EXPECT_EQ((*stored)[0].endpoint, "par");
  EXPECT_EQ((*stored)[1].requests, 100);

  // Another instance sees the quota after its reload.
  auth::RateLimitOptions defaults;
  defaults.per_client[static_cast<std::size_t>(LimitedEndpoint::introspect)] = {5, 1};
  RateLimiter other(defaults, &db());
  EXPECT_FALSE(other.client_limit(LimitedEndpoint::token, "c1").enabled());
  ASSERT_TRUE(Ok(other.reload_quotas()));
  EXPECT_EQ(other.client_limit(LimitedEndpoint::token, "c1"), (RateLimit{100, 60}));
  EXPECT_EQ(other.client_limit(LimitedEndpoint::introspect, "c1"), (RateLimit{5, 1}));  // the default

  // Replacing replaces every endpoint.
  ASSERT_TRUE(Ok(limiter.set_quota("c1", {{LimitedEndpoint::introspect, {7, 2}}})));
  auto q = limiter.quota_of("c1");
  ASSERT_TRUE(Ok(q));
  EXPECT_EQ(q->size(), 1u);
  EXPECT_EQ(q->at(LimitedEndpoint::introspect), (RateLimit{7, 2}));
  EXPECT_FALSE(limiter.client_limit(LimitedEndpoint::token, "c1").enabled());

  ASSERT_TRUE(
      Ok(delete_client(db(), {.client_id = "c1", .issued_before_us = 0, .expires_at = 0, .revoked_at = 0})));
  auto all = list_client_quotas(db());
  ASSERT_TRUE(Ok(all));
  EXPECT_TRUE(all->empty());
}

TEST_P(RateLimitStoreTest, TwoInstancesShareOneBudget) {
  if (!is_postgres()) GTEST_SKIP() << "SQLite runs one instance: buckets are local";
  FakeClock clock;
  auto second_db = open_another();
  ASSERT_TRUE(second_db);
  RateLimiter a({}, &db(), clock.fn());
  RateLimiter b({}, second_db.get(), clock.fn());
  const RateLimit limit{10, 3600};  // no meaningful refill during the test
  int admitted_a = 0;
  for (int i = 0; i < 10; ++i) admitted_a += a.acquire("token_client", "c1", limit) == 0 ? 1 : 0;
  EXPECT_EQ(admitted_a, 10);
  ASSERT_TRUE(Ok(a.sync()));
  ASSERT_TRUE(Ok(b.sync()));
  // b has not admitted anything yet, so it does not know; its first admission teaches it at its sync.
  EXPECT_EQ(b.acquire("token_client", "c1", limit), 0);
  ASSERT_TRUE(Ok(b.sync()));
  EXPECT_GT(b.acquire("token_client", "c1", limit), 0);
  EXPECT_GT(a.acquire("token_client", "c1", limit), 0);
  // The shared arrival time holds both instances' admissions: 11 tokens of 360 s.
  auto shared = advance_rate_limit_state(db(), db().dialect(), "token_client", "c1", clock.now, 0);
  ASSERT_TRUE(Ok(shared));
  EXPECT_GE(*shared, clock.now + 11 * 360 * kSecond);
}

INSTANTIATE_TEST_SUITE_P(Backends, RateLimitStoreTest, ::testing::Values(Backend::sqlite, Backend::postgres),
                         backend_name);

}  // namespace
}  // namespace bs::store::testing
