// Shared utilities: UTF-8, time, scopes, login throttling.
#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <optional>
#include <thread>
#include <vector>

#include "auth/login_throttle.hpp"
#include "auth/principal.hpp"
#include "auth/users.hpp"
#include "common/json_text.hpp"
#include "common/pending_writes.hpp"
#include "common/text.hpp"
#include "common/time.hpp"

namespace bs {
namespace {

TEST(Utf8, AcceptsValidRejectsInvalid) {
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("\xC3\xBC\xE2\x82\xAC\xF0\x9F\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(valid_utf8("\xE2\x82"));          // truncated
  EXPECT_EQ(utf8_length("\xC3\xBC"
                        "a"),
            2u);
}

TEST(Time, Rfc3339RoundTripsAndRejectsGarbage) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(parse_rfc3339("2026-11-29T08:44:28Z"), 1795941868);
  EXPECT_EQ(format_rfc3339(1795941868), "2026-11-29T08:44:28Z");
  EXPECT_EQ(parse_rfc3339("2026-11-29T09:44:28+01:00"), 1795941868);
  EXPECT_EQ(parse_rfc3339("2026-11-29T08:44:28.123Z"), 1795941868);
  for (const char* bad : {"", "2026-11-29", "2026-13-01T00:00:00Z", "2026-11-29T08:44:28", "tomorrow",
                          "2026-11-29T08:44:28Zjunk"})
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
}

TEST(Scopes, AdminCoversAdminScopesOnly) {
  auth::Principal p;
  p.scopes = {"admin"};
  EXPECT_TRUE(p.has_scope("admin:users"));
  EXPECT_FALSE(p.has_scope("https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"));
  p.scopes = {"admin:users"};
  EXPECT_TRUE(p.has_scope("admin:users"));
  EXPECT_FALSE(p.has_scope("admin:keys"));
  EXPECT_FALSE(p.has_scope("admin"));
  EXPECT_EQ(split_spaces("  a b   c "), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(LoginThrottle, LimitsPerAccountAndPerIpWithRetryAfter) {
  auth::LoginThrottle t({3, 900, 30, 3600}, {5, 60});
  const std::int64_t now = 1000;
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(t.retry_after("a", "1.1.1.1", now + i), 0);
    EXPECT_EQ(t.record_failure("a", "1.1.1.1", now + i), 0);
  }
  EXPECT_EQ(t.record_failure("a", "1.1.1.1", now + 2), 30);  // the third failure locks the account
  EXPECT_EQ(t.retry_after("a", "2.2.2.2", now + 3), 30 - 1);
  EXPECT_EQ(t.retry_after("b", "2.2.2.2", now + 3), 0);
  t.record_failure("b", "1.1.1.1", now + 4);
  t.record_failure("c", "1.1.1.1", now + 5);
  EXPECT_GT(t.retry_after("d", "1.1.1.1", now + 6), 0);   // the IP is now over its limit
  EXPECT_EQ(t.retry_after("d", "1.1.1.1", now + 61), 0);  // and the window slides
  EXPECT_EQ(t.retry_after("a", "3.3.3.3", now + 32), 0);  // the lockout is over
}

TEST(LoginThrottle, LockoutBacksOffExponentiallyUpToACap) {
  auth::LoginThrottle t({3, 900, 30, 200}, {1000, 60});
  EXPECT_EQ(t.lockout_for(2), 0);
  EXPECT_EQ(t.lockout_for(3), 30);
  EXPECT_EQ(t.lockout_for(4), 60);
  EXPECT_EQ(t.lockout_for(5), 120);
  EXPECT_EQ(t.lockout_for(6), 200);
  EXPECT_EQ(t.lockout_for(1000), 200);
  std::int64_t now = 5000;
  for (int i = 0; i < 3; ++i) t.record_failure("a", "ip", now);
  EXPECT_EQ(t.retry_after("a", "ip", now), 30);
  now += 30;  // the lockout ends; the next failure doubles it
  EXPECT_EQ(t.retry_after("a", "ip", now), 0);
  EXPECT_EQ(t.record_failure("a", "ip", now), 60);
  EXPECT_EQ(t.retry_after("a", "ip", now + 59), 1);
  now += 60;
  EXPECT_EQ(t.record_failure("a", "ip", now), 120);
  t.record_success("a");  // a success forgets the account's failures
  EXPECT_EQ(t.retry_after("a", "ip", now), 0);
  EXPECT_EQ(t.record_failure("a", "ip", now), 0);
  // Failures further apart than the window start the count again.
  auth::LoginThrottle slow({2, 100, 30, 3600}, {1000, 60});
  EXPECT_EQ(slow.record_failure("a", "ip", 0), 0);
  EXPECT_EQ(slow.record_failure("a", "ip", 101), 0);
  EXPECT_EQ(slow.record_failure("a", "ip", 150), 30);
}

TEST(Users, PasswordAndEmailRules) {
  EXPECT_FALSE(auth::validate_password("123456789"));
  EXPECT_TRUE(auth::validate_password("1234567890"));
  EXPECT_TRUE(auth::validate_password(std::string(1024, 'x')));
  EXPECT_FALSE(auth::validate_password(std::string(1025, 'x')));
  EXPECT_TRUE(auth::validate_password(
      "\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC"));
  EXPECT_EQ(auth::normalize_email(" Ada@Example.ORG "), "ada@example.org");
  for (const char* bad :
       {"", "a", "@b.org", "a@", "a@@b.org", "a b@c.org", "a@b..org", "a@.b.org", "<a>@b.org"})
    EXPECT_FALSE(auth::normalize_email(bad)) << bad;
}

}  // namespace
}  // namespace bs

// --- PendingWrites ---------------------------------------------------------------------------------

namespace bs {
namespace {

TEST(PendingWrites, WithNothingExpectedTheContinuationRunsAtOnce) {
  auto pending = std::make_shared<PendingWrites>();
  EXPECT_TRUE(pending->empty());
  std::optional<Status> seen;
  pending->when_settled([&](Status st) { seen = st; });
  ASSERT_TRUE(seen.has_value());
  EXPECT_TRUE(seen->has_value());
}

TEST(PendingWrites, RunsOnceAfterTheLastWriteWithTheFirstFailure) {
  auto pending = std::make_shared<PendingWrites>();
  auto first = pending->expect();
  auto second = pending->expect();
  auto third = pending->expect();
  int runs = 0;
  std::optional<Status> seen;
  pending->when_settled([&](Status st) {
    ++runs;
    seen = st;
  });
  first(Status{});
  second(fail(ErrorCode::service_unavailable, "disk full"));
  EXPECT_EQ(runs, 0);
  EXPECT_FALSE(pending->empty());
  third(fail(ErrorCode::conflict, "later failure"));
  EXPECT_EQ(runs, 1);
  ASSERT_TRUE(seen.has_value());
  ASSERT_FALSE(seen->has_value());
  EXPECT_EQ(seen->error().code, ErrorCode::service_unavailable);
  EXPECT_TRUE(pending->empty());
}

TEST(PendingWrites, SettledFromOtherThreadsBeforeOrAfterTheContinuationIsAttached) {
  for (int round = 0; round < 50; ++round) {
    auto pending = std::make_shared<PendingWrites>();
    std::vector<std::function<void(Status)>> settles;
    for (int i = 0; i < 8; ++i) settles.push_back(pending->expect());
    std::vector<std::thread> threads;
    for (auto& settle : settles) threads.emplace_back([settle] { settle(Status{}); });
    std::atomic<int> runs{0};
    pending->when_settled([&](Status st) {
      EXPECT_TRUE(st.has_value());
      runs.fetch_add(1);
    });
    for (auto& t : threads) t.join();
    EXPECT_EQ(runs.load(), 1) << round;
  }
}

}  // namespace
}  // namespace bs

// --- json_text: the same bytes as nlohmann's dump() -----------------------------------------------

namespace bs {
namespace {

std::string library_dump(const nlohmann::json& v, InvalidUtf8 invalid) {
  return v.dump(-1, ' ', false,
                invalid == InvalidUtf8::replace ? nlohmann::json::error_handler_t::replace
                                                : nlohmann::json::error_handler_t::strict);
}

TEST(JsonText, WritesWhatTheLibraryWrites) {
  const std::vector<nlohmann::json> values = {
      nullptr,
      true,
      false,
      0,
      -1,
      42,
      std::numeric_limits<std::int64_t>::min(),
      std::numeric_limits<std::uint64_t>::max(),
      0.5,
      -1e300,
      3.0,
      "",
      "plain ascii token.abc-_~",
      "quote \" backslash \\ slash /",
      "control \x01\x1f\n\t\r\b\f",
      "del \x7f",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\x93",
      nlohmann::json::array(),
      nlohmann::json::object(),
      nlohmann::json::parse(
          R"({"b":[1,2,{"z":null,"a":"x"}],"a":{"nested":{"deep":[[],{}]}},"access_token":"eyJ.x.y","n":-7})"),
      nlohmann::json::binary({1, 2, 3})};
  for (const auto& v : values)
    for (auto invalid : {InvalidUtf8::fail, InvalidUtf8::replace})
      EXPECT_EQ(json_text(v, invalid), library_dump(v, invalid)) << library_dump(v, InvalidUtf8::replace);
}

TEST(JsonText, InvalidUtf8IsReplacedOrThrowsAsTheLibraryDoes) {
  const nlohmann::json bad = {{"k\xff", "truncated \xe2\x82"}, {"ok", "fine"}};
  EXPECT_EQ(json_text(bad, InvalidUtf8::replace), library_dump(bad, InvalidUtf8::replace));
  EXPECT_NE(json_text(bad, InvalidUtf8::replace).find("\xef\xbf\xbd"), std::string::npos);
  EXPECT_THROW((void)json_text(bad, InvalidUtf8::fail), nlohmann::json::type_error);
}

}  // namespace
}  // namespace bs
