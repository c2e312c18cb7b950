#include "store/janitor.hpp"

#include "store/authorization_repositories.hpp"
#include "store/oauth_repositories.hpp"
#include "store/repositories.hpp"

namespace bs::store {
namespace {

// Advisory-lock key of the janitor, shared by every instance on a database: ASCII "bsjanitr".
constexpr std::int64_t kJanitorLockKey = 0x62736a616e697472;

// A bound on one run, so a table that refills as fast as it is emptied cannot keep it forever.
constexpr int kMaxBatchesPerRun = 1000;

}  // namespace

Result<JanitorRun> run_janitor(Database& db, std::int64_t now, std::int64_t batch) {
  if (batch < 1) return fail(ErrorCode::invalid_request, "batch must be at least 1");
  JanitorRun run;
  auto ran = db.with_lock_if_free(kJanitorLockKey, [&](Connection& c) -> Status {
    for (int i = 0; i < kMaxBatchesPerRun; ++i) {
      auto deleted = delete_expired_oauth_rows(c, now, batch);
      if (!deleted) return std::unexpected(deleted.error());
      if (*deleted < batch) {
        auto more = delete_expired_authorization_rows(c, now, batch - *deleted);
        if (!more) return std::unexpected(more.error());
        *deleted += *more;
      }
      run.deleted_rows += *deleted;
      if (*deleted < batch) break;
    }
    auto sessions = delete_expired_auth_sessions(c, now);
    if (!sessions) return std::unexpected(sessions.error());
    run.deleted_rows += *sessions;
    return ok();
  });
  if (!ran) return std::unexpected(ran.error());
  run.ran = *ran;
  return run;
}

}  // namespace bs::store
