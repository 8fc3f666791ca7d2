#pragma once
// Durable event log. append() is the group commit: one transaction assigns each event its
// per-source seq, drops duplicates by dedupe key, and queues the outbox message, so an
// event is either stored and queued for HQ or not stored at all.
#include <cstdint>
#include <optional>
#include <vector>

#include "agent/core/event.hpp"
#include "agent/core/event_ingest.hpp"
#include "database.hpp"
#include "outbox.hpp"
#include "topics.hpp"

namespace kelu::sync {

class event_store {
 public:
  event_store(database& db, outbox& out, topics t);

  // Assigns seq into `events`. On error nothing was stored. `history` (a backfill from
  // exported files) queues them in the outbox's backlog lane, behind live data.
  core::result<std::vector<core::commit_outcome>> append(std::vector<core::event>& events, core::utc_time now,
                                                         bool history = false);

  // Deletes events received before `cutoff`, at most `limit` per call (short transactions).
  // Their outbox rows are untouched: what HQ has not received is still sent. A resend of a
  // pruned transaction is stored again, so retention must exceed any till's resend window.
  std::int64_t prune(core::utc_time cutoff, std::int64_t limit);

  std::optional<core::event> find(const std::string& source, std::int64_t seq);
  std::int64_t count();
  std::int64_t last_seq(const std::string& source);

 private:
  database& db_;
  outbox& outbox_;
  topics topics_;
  statement find_dup_;
  statement next_seq_;
  statement insert_;
};

}  // namespace kelu::sync
