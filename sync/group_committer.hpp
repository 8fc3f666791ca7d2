// SPDX-License-Identifier: Apache-2.0
#pragma once
// The event_ingest that sources talk to. Batches submitted while a commit is queued are
// written together in one transaction (group commit): under load, many events share one
// fsync; when idle, a lone event commits on the next turn of the io_context.
//
// Bounded: past `max_pending` waiting events a submit is refused with a "busy" error
// (counted) and the source tells its peer to retry; nothing is buffered unboundedly.
// All calls on the io_context thread.
#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <deque>
#include <functional>

#include "core/clock.hpp"
#include "core/event_ingest.hpp"
#include "event_store.hpp"

namespace kelu::sync {

struct committer_stats {
  std::int64_t committed = 0;
  std::int64_t duplicates = 0;
  std::int64_t busy_rejections = 0;
  std::int64_t failed_commits = 0;
  std::int64_t transactions = 0;
  std::int64_t pending = 0;
};

class group_committer final : public core::event_ingest {
 public:
  group_committer(boost::asio::any_io_executor ex, event_store& store, const core::clock& clock,
                  std::size_t max_pending, std::size_t max_batch);

  void submit(std::vector<core::event> batch, core::commit_handler done) override;

  // Called after every successful commit (the publisher's wake-up).
  void on_commit(std::function<void()> listener) { listener_ = std::move(listener); }
  // Refuses new batches from now on; what is queued is still committed.
  void close() { closed_ = true; }
  void set_limits(std::size_t max_pending, std::size_t max_batch);
  const committer_stats& stats() const { return stats_; }

 private:
  struct pending_batch {
    std::vector<core::event> events;
    core::commit_handler done;
  };
  void commit_some();
  void refuse(core::commit_handler done, std::string why);

  boost::asio::any_io_executor ex_;
  event_store& store_;
  const core::clock& clock_;
  std::size_t max_pending_;
  std::size_t max_batch_;
  std::deque<pending_batch> queue_;
  std::size_t queued_events_ = 0;
  bool scheduled_ = false;
  bool closed_ = false;
  std::function<void()> listener_;
  committer_stats stats_;
};

}  // namespace kelu::sync
