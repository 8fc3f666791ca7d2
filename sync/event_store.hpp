// SPDX-License-Identifier: Apache-2.0
#pragma once
// Durable event log. append() is the group commit: one transaction assigns each event its
// per-source seq and the database's epoch, drops duplicates by dedupe key, and queues the
// outbox message, so an event is either stored and queued for HQ or not stored at all.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "core/event_ingest.hpp"
#include "database.hpp"
#include "outbox.hpp"
#include "topics.hpp"

namespace kelu::sync {

// Events of these types observed in [from, to): what observed_between reads, as a value.
struct event_span {
  std::vector<std::string> types;
  core::utc_time from{};
  core::utc_time to{};
  bool operator==(const event_span&) const = default;
};

// Per source, a seq: the last one assigned (last_seqs) or the last one read (event_cache).
using seq_marks = std::map<std::string, std::int64_t>;

class event_store {
 public:
  event_store(database& db, outbox& out, topics t);

  // Assigns seq and epoch into `events`. On error nothing was stored. `lane` history (a backfill
  // from exported files) queues them in the outbox's backlog lane, behind live data.
  core::result<std::vector<core::commit_outcome>> append(std::vector<core::event>& events, core::utc_time now,
                                                         outbox_lane lane = outbox_lane::live);

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
  // Events of any of `spans` (a row in two spans once) whose seq is in (after, upto] for their
  // source: a source missing from `upto` is skipped, one missing from `after` starts at 0. With
  // `after` empty, one scan of the spans; otherwise a range of the primary key per source that
  // has new rows, so reading what arrived since costs what arrived. No particular order.
  std::vector<core::event> observed_in(const std::vector<event_span>& spans, const seq_marks& after,
                                       const seq_marks& upto, std::int64_t* undecodable = nullptr);
  // Each source's last assigned seq. Seqs are assigned at commit, gap-free, in the transaction
  // that stores the rows, so a source's stored events are exactly its seqs up to this (by any
  // process: `kelu ingest` included), less what prune deleted.
  seq_marks last_seqs();
  // Rows prune has deleted through this store since it was made: a reader that keeps decoded
  // events (event_cache) starts over when it changes.
  std::int64_t pruned() const { return pruned_; }
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
  std::int64_t pruned_ = 0;
};

}  // namespace kelu::sync
