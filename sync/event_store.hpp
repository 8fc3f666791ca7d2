// SPDX-License-Identifier: Apache-2.0
#pragma once
// Durable event log. append() is the group commit: one transaction assigns each event its
// per-source seq and the database's epoch, drops duplicates by dedupe key, and queues the
// outbox message, so an event is either stored and queued for HQ or not stored at all.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "core/event_ingest.hpp"
#include "database.hpp"
#include "outbox.hpp"
#include "topics.hpp"

namespace kelu::sync {

class event_store {
 public:
  event_store(database& db, outbox& out, topics t);

  // Assigns seq and epoch into `events`. On error nothing was stored. `history` (a backfill from
  // exported files) queues them in the outbox's backlog lane, behind live data.
  core::result<std::vector<core::commit_outcome>> append(std::vector<core::event>& events, core::utc_time now,
                                                         bool history = false);

  // Deletes events received before `cutoff`, at most `limit` per call (short transactions).
  // Their outbox rows are untouched: what HQ has not received is still sent. A resend of a
  // pruned transaction is stored again, so retention must exceed any till's resend window.
  std::int64_t prune(core::utc_time cutoff, std::int64_t limit);

  std::optional<core::event> find(const std::string& source, std::int64_t seq);
  // Events of the given types ("pos.transaction", ...) observed in [from, to), in no
  // particular order. Rows that no longer decode are skipped and counted in `undecodable`.
  std::vector<core::event> observed_between(const std::vector<std::string>& types, core::utc_time from,
                                            core::utc_time to, std::int64_t* undecodable = nullptr);
  // observed_at of the events of those types received at or after `since`: which days new
  // data (live, a late file, `kelu ingest` from another process) has touched.
  std::vector<core::utc_time> observed_times_received_since(const std::vector<std::string>& types,
                                                            core::utc_time since);
  std::int64_t count();
  std::int64_t last_seq(const std::string& source);
  const database_identity& identity() const { return db_.identity(); }

 private:
  database& db_;
  outbox& outbox_;
  topics topics_;
  statement find_dup_;
  statement next_seq_;
  statement insert_;
};

}  // namespace kelu::sync
