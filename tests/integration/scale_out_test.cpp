// Scale-out: two `badgeserver serve` instances on one PostgreSQL database behave as one server.
// A token issued by one is introspected by the other, a revocation on one takes effect on the
// other within revocation_poll_interval, a key rotated on one is published by both within
// key_refresh_interval, and the janitor deletes each expired row once across the pair.
// PostgreSQL only: several processes on one SQLite file is not a supported deployment.
#include <chrono>
#include <regex>
#include <thread>

#include "store/database.hpp"
#include "support/fixture.hpp"
#include "support/oauth_helpers.hpp"

namespace bs::test {
namespace {

using Clock = std::chrono::steady_clock;

// Both instances sit behind one (imaginary) load balancer, so they share the issuer URL.
constexpr const char* kIssuer = "http://auth.scale-out.test";
constexpr int kRevocationPollSeconds = 1;
constexpr int kKeyRefreshSeconds = 1;
constexpr int kKeyActivationSeconds = 3;

class ScaleOutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test_database_kind() != "postgres")
      GTEST_SKIP() << "scale-out needs PostgreSQL: instances on one SQLite file are not supported";
    db = std::make_unique<TestDatabase>();
    auto r =
        run_cli({"admin", "create-api-key", "--database", db->url(), "--name", "ops", "--scopes", "admin"},
                {{"BADGESERVER_KEY_ENCRYPTION_KEY", kTestKek}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    admin_key = nlohmann::json::parse(r.out).at("api_key").get<std::string>();
  }

  // Starts instances A and B on the shared database with these extra `serve` flags.
  void start_pair(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--issuer",
                                     kIssuer,
                                     "--revocation-poll-interval",
                                     std::to_string(kRevocationPollSeconds),
                                     "--key-refresh-interval",
                                     std::to_string(kKeyRefreshSeconds),
                                     "--key-activation-delay",
                                     std::to_string(kKeyActivationSeconds)};
    args.insert(args.end(), extra.begin(), extra.end());
    a = std::make_unique<ServerProcess>(db->url(), args);
    ASSERT_TRUE(a->start()) << a->log();
    b = std::make_unique<ServerProcess>(db->url(), args);
    ASSERT_TRUE(b->start()) << b->log();
    ASSERT_NE(a->port(), b->port());
  }

  void TearDown() override {
    if (a) a->stop();
    if (b) b->stop();
    a.reset();
    b.reset();
    db.reset();
  }

  nlohmann::json register_client(const ServerProcess& on) {
    auto r = on.client().post_json("/oauth/register", {{"client_name", "svc"},
                                                       {"grant_types", {"client_credentials"}},
                                                       {"response_types", nlohmann::json::array()},
                                                       {"token_endpoint_auth_method", "client_secret_basic"},
                                                       {"scope", kCredentialRead}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  std::string issue(const ServerProcess& on, const nlohmann::json& c) {
    auto r = on.client().post_form("/oauth/token", "grant_type=client_credentials",
                                   {{"Authorization", basic_auth(c["client_id"], c["client_secret"])}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().value("access_token", "");
  }
  // The introspection answer's "active" member, or nullopt when the call itself failed.
  std::optional<bool> active_on(const ServerProcess& on, const nlohmann::json& c, const std::string& token) {
    auto r = on.client().post_form("/oauth/introspect", form_encode({{"token", token}}),
                                   {{"Authorization", basic_auth(c["client_id"], c["client_secret"])}});
    if (r.status != 200) return std::nullopt;
    auto j = r.json();
    if (!j.is_object() || !j.contains("active")) return std::nullopt;
    return j["active"].get<bool>();
  }
  std::set<std::string> published_kids(const ServerProcess& on) {
    std::set<std::string> kids;
    auto r = on.client().get("/.well-known/jwks.json");
    EXPECT_EQ(r.status, 200);
    for (const auto& k : r.json().value("keys", nlohmann::json::array())) kids.insert(k.value("kid", ""));
    return kids;
  }
  // Polls until pred holds or the deadline passes; returns how long it took (or nullopt).
  template <class Pred>
  std::optional<std::chrono::milliseconds> within(std::chrono::milliseconds limit, Pred pred) {
    const auto start = Clock::now();
    while (Clock::now() - start <= limit) {
      if (pred()) return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return std::nullopt;
  }
  std::int64_t rows(const std::string& table) {
    auto conn = store::open_database(db->url(), {.pool_size = 1});
    if (!conn) return -1;
    auto r = (*conn)->query("SELECT COUNT(*) FROM " + table);
    return r && !r->empty() ? r->front().integer(0) : -1;
  }

  std::unique_ptr<TestDatabase> db;
  std::unique_ptr<ServerProcess> a, b;
  std::string admin_key;
};

TEST_F(ScaleOutTest, ATokenIssuedByOneInstanceIsActiveOnTheOther) {
  start_pair();
  auto c = register_client(*a);  // the client itself is registered on A only
  const auto token = issue(*b, c);
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(jwt_part(token, 1)["iss"], kIssuer);
  EXPECT_EQ(active_on(*a, c, token), std::optional<bool>(true));
  EXPECT_EQ(active_on(*b, c, token), std::optional<bool>(true));
}

TEST_F(ScaleOutTest, ARevocationOnOneInstanceTakesEffectOnTheOtherWithinThePollInterval) {
  start_pair();
  auto c = register_client(*a);
  const auto token = issue(*a, c);
  ASSERT_EQ(active_on(*a, c, token), std::optional<bool>(true));  // A has verified and cached it

  auto revoked = b->client().post_form("/oauth/revoke", form_encode({{"token", token}}),
                                       {{"Authorization", basic_auth(c["client_id"], c["client_secret"])}});
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(active_on(*b, c, token), std::optional<bool>(false));  // at once where it was revoked
  // The documented bound is revocation_poll_interval; the poller wakes every 250 ms, and the
  // second of slack absorbs a loaded CI machine.
  auto took = within(std::chrono::milliseconds(kRevocationPollSeconds * 1000 + 1000),
                     [&] { return active_on(*a, c, token) == std::optional<bool>(false); });
  ASSERT_TRUE(took.has_value()) << "A still answers active after the revocation bound";
  // Once inactive, it stays inactive (no flapping between the cache and the deny list).
  for (int i = 0; i < 5; ++i) EXPECT_EQ(active_on(*a, c, token), std::optional<bool>(false));
}

// Revoking every token of a client on B: A learns the cut-off within the poll interval, and a
// token A issues after it stays active on both.
TEST_F(ScaleOutTest, RevokingAClientsTokensOnOneInstanceTakesEffectOnTheOther) {
  start_pair();
  auto c = register_client(*a);
  const auto before = issue(*a, c);
  ASSERT_EQ(active_on(*a, c, before), std::optional<bool>(true));
  auto all = b->client().post_json("/api/v1/tokens/revoke", {{"client_id", c["client_id"]}},
                                   {{"X-API-Key", admin_key}});
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(active_on(*b, c, before), std::optional<bool>(false));
  auto took = within(std::chrono::milliseconds(kRevocationPollSeconds * 1000 + 1000),
                     [&] { return active_on(*a, c, before) == std::optional<bool>(false); });
  ASSERT_TRUE(took.has_value()) << "A still answers active after the revocation bound";
  const auto after = issue(*a, c);
  EXPECT_EQ(active_on(*a, c, after), std::optional<bool>(true));
  EXPECT_EQ(active_on(*b, c, after), std::optional<bool>(true));
}

TEST_F(ScaleOutTest, AKeyRotatedOnOneInstanceIsPublishedByBothAndThenSignsForBoth) {
  start_pair();
  const auto before = published_kids(*b);
  ASSERT_FALSE(before.empty());
  auto rotated =
      a->client().post_json("/api/v1/keys/rotate", nlohmann::json::object(), {{"X-API-Key", admin_key}});
  ASSERT_EQ(rotated.status, 201) << rotated.body;
  const auto kid = rotated.json().value("kid", "");
  ASSERT_FALSE(kid.empty());
  EXPECT_FALSE(before.contains(kid));
  EXPECT_TRUE(published_kids(*a).contains(kid));  // the rotating instance reloads at once
  auto took = within(std::chrono::milliseconds(kKeyRefreshSeconds * 1000 + 1500),
                     [&] { return published_kids(*b).contains(kid); });
  ASSERT_TRUE(took.has_value()) << "B did not publish the rotated key within key_refresh_interval";
  EXPECT_LT(took->count(), kKeyActivationSeconds * 1000) << "published after it could already sign";

  // After the activation delay both instances sign with the new key, and each verifies the other's.
  auto c = register_client(*a);
  auto signed_with_new = within(std::chrono::milliseconds(kKeyActivationSeconds * 1000 + 3000), [&] {
    return jwt_part(issue(*a, c), 0).value("kid", "") == kid &&
           jwt_part(issue(*b, c), 0).value("kid", "") == kid;
  });
  ASSERT_TRUE(signed_with_new.has_value()) << a->log() << b->log();
  const auto from_a = issue(*a, c);
  const auto from_b = issue(*b, c);
  EXPECT_EQ(active_on(*b, c, from_a), std::optional<bool>(true));
  EXPECT_EQ(active_on(*a, c, from_b), std::optional<bool>(true));
}

TEST_F(ScaleOutTest, TheJanitorsOfBothInstancesDeleteEachExpiredRowOnce) {
  // Short-lived tokens (the minimum lifetime) and a janitor round every second on both instances.
  start_pair({"--access-token-ttl", "10", "--janitor-interval", "1", "--log-level", "info",
              "--record-client-credentials-tokens", "true"});
  auto c = register_client(*a);
  std::vector<std::string> tokens;
  for (int i = 0; i < 20; ++i) tokens.push_back(issue(i % 2 ? *a : *b, c));
  // Half of them revoked: each adds a revocation row, which the janitor deletes too.
  for (int i = 0; i < 10; ++i) {
    auto r = b->client().post_form("/oauth/revoke", form_encode({{"token", tokens[i]}}),
                                   {{"Authorization", basic_auth(c["client_id"], c["client_secret"])}});
    ASSERT_EQ(r.status, 200) << r.body;
  }
  const auto expired_rows = rows("oauth_tokens") + rows("oauth_revocations");
  ASSERT_EQ(expired_rows, 30);
  auto emptied = within(std::chrono::seconds(20),
                        [&] { return rows("oauth_tokens") == 0 && rows("oauth_revocations") == 0; });
  ASSERT_TRUE(emptied.has_value()) << a->log() << b->log();

  // Each instance logs the rows its rounds deleted: together exactly the expired rows, so no row
  // was deleted twice, and neither janitor failed (a deadlock would be logged as "janitor failed").
  std::int64_t deleted = 0;
  const std::regex logged(R"("deleted_rows":(\d+))");
  for (const auto* instance : {a.get(), b.get()}) {
    const auto log = instance->log();
    EXPECT_EQ(log.find("janitor failed"), std::string::npos) << log;
    for (std::sregex_iterator m(log.begin(), log.end(), logged), end; m != end; ++m)
      deleted += std::stoll((*m)[1].str());
  }
  EXPECT_EQ(deleted, expired_rows);
  // Both instances still serve after the janitor's rounds.
  EXPECT_FALSE(issue(*a, c).empty());
  EXPECT_FALSE(issue(*b, c).empty());
}

}  // namespace
}  // namespace bs::test
