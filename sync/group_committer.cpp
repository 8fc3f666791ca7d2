// SPDX-License-Identifier: Apache-2.0
#include "group_committer.hpp"

#include <boost/asio/post.hpp>

namespace kelu::sync {

group_committer::group_committer(boost::asio::any_io_executor ex, event_store& store, const core::clock& clock,
                                 std::size_t max_pending, std::size_t max_batch)
    : ex_(std::move(ex)), store_(store), clock_(clock), max_pending_(max_pending), max_batch_(max_batch) {}

void group_committer::set_limits(std::size_t max_pending, std::size_t max_batch) {
  max_pending_ = max_pending;
  max_batch_ = max_batch;
}

void group_committer::refuse(core::commit_handler done, std::string why) {
  boost::asio::post(ex_, [done = std::move(done), why = std::move(why)] { done(core::error{why}); });
}

void group_committer::submit(std::vector<core::event> batch, core::commit_handler done) {
  if (closed_) return refuse(std::move(done), "shutting down");
  if (batch.empty()) {
    boost::asio::post(ex_, [done = std::move(done)] { done(std::vector<core::commit_outcome>{}); });
    return;
  }
  if (queued_events_ + batch.size() > max_pending_) {
    ++stats_.busy_rejections;
    return refuse(std::move(done), "busy: " + std::to_string(queued_events_) + " events already wait for commit");
  }
  queued_events_ += batch.size();
  stats_.pending = static_cast<std::int64_t>(queued_events_);
  queue_.push_back({std::move(batch), std::move(done)});
  if (!scheduled_) {
    scheduled_ = true;
    boost::asio::post(ex_, [this] { commit_some(); });
  }
}

void group_committer::commit_some() {
  scheduled_ = false;
  // Whole batches only, up to max_batch events (at least one batch, however large).
  std::vector<pending_batch> taken;
  std::vector<core::event> all;
  while (!queue_.empty() && (taken.empty() || all.size() + queue_.front().events.size() <= max_batch_)) {
    auto& front = queue_.front();
    all.insert(all.end(), std::make_move_iterator(front.events.begin()), std::make_move_iterator(front.events.end()));
    taken.push_back(std::move(front));
    queue_.pop_front();
  }
  queued_events_ -= all.size();
  stats_.pending = static_cast<std::int64_t>(queued_events_);

  auto outcome = store_.append(all, clock_.now_utc());
  ++stats_.transactions;
  if (!queue_.empty()) {
    scheduled_ = true;
    boost::asio::post(ex_, [this] { commit_some(); });
  }
  if (!outcome) {
    ++stats_.failed_commits;
    for (auto& b : taken) b.done(core::error{outcome.error_message()});
    return;
  }
  std::size_t at = 0;
  for (auto& b : taken) {
    std::vector<core::commit_outcome> mine(outcome->begin() + static_cast<std::ptrdiff_t>(at),
                                           outcome->begin() + static_cast<std::ptrdiff_t>(at + b.events.size()));
    at += b.events.size();
    for (const auto& o : mine) (o.duplicate ? stats_.duplicates : stats_.committed) += 1;
    b.done(std::move(mine));
  }
  if (listener_) listener_();
}

}  // namespace kelu::sync
