#include "oauth/token_recorder.hpp"

#include "store/oauth_repositories.hpp"

namespace bs::oauth {

TokenRecorder::TokenRecorder(store::Database& db, std::size_t max_batch)
    : db_(db), max_batch_(max_batch), writer_([this] { run(); }) {}

TokenRecorder::~TokenRecorder() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  work_cv_.notify_all();
  writer_.join();  // run() commits what is still queued before it returns
}

Status TokenRecorder::record(store::OAuthToken token) {
  std::unique_lock lock(mutex_);
  if (stop_) return fail(ErrorCode::service_unavailable, "shutting down");
  // A full batch closes; later records go to the next one.
  if (pending_.size() >= max_batch_)
    work_cv_.wait(lock, [&] { return pending_.size() < max_batch_ || stop_; });
  pending_.push_back({std::move(token), {}});
  const std::uint64_t mine = next_batch_;
  work_cv_.notify_all();
  done_cv_.wait(lock, [&] { return finished_batch_ >= mine; });
  for (const auto& [batch, error] : failures_)
    if (batch == mine) return std::unexpected(error);
  return {};
}

void TokenRecorder::record_async(store::OAuthToken token, std::function<void(Status)> done) {
  std::unique_lock lock(mutex_);
  if (stop_) {
    lock.unlock();
    return done(fail(ErrorCode::service_unavailable, "shutting down"));
  }
  // A full batch makes even asynchronous callers wait: that is the back-pressure on the network
  // threads when the database falls behind.
  if (pending_.size() >= max_batch_)
    work_cv_.wait(lock, [&] { return pending_.size() < max_batch_ || stop_; });
  pending_.push_back({std::move(token), std::move(done)});
  work_cv_.notify_all();
}

void TokenRecorder::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    work_cv_.wait(lock, [&] { return !pending_.empty() || stop_; });
    if (pending_.empty() && stop_) return;
    std::vector<Queued> queued;
    queued.swap(pending_);
    const std::uint64_t id = next_batch_++;
    work_cv_.notify_all();  // room again for writers waiting on a full batch
    lock.unlock();
    std::vector<store::OAuthToken> batch;
    batch.reserve(queued.size());
    for (auto& q : queued) batch.push_back(std::move(q.token));
    Status committed = store::record_tokens(db_, batch);
    for (auto& q : queued)
      if (q.done) q.done(committed);
    lock.lock();
    if (!committed) {
      failures_.emplace_back(id, committed.error());
      if (failures_.size() > 64) failures_.erase(failures_.begin());
    }
    finished_batch_ = id;
    done_cv_.notify_all();
  }
}

}  // namespace bs::oauth
