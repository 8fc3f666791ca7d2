// SPDX-License-Identifier: Apache-2.0
#pragma once
// Gaps in the stores' event streams, tracked in PostgreSQL rather than in a process, so the sink's
// members (each seeing only its share of every stream) agree on them and a gap is asked for once.
//
// A stream is (tenant, store, epoch, source); its seqs are gap-free from 1 (docs/mqtt.md), so
// `streams.contiguous` (every seq 1..contiguous is filed, or the store reported it gone) says all
// there is to know. scan() brings it up to date from the streams filed into since the last scan
// (stream_touches: each filing transaction adds a row per stream, the scan takes what its snapshot
// sees, so nothing committed during a scan is missed) and the stores' answers, and asks a store
// for a replay (`cmd/replay`) of the first hole of a stream whose contiguous seqs have not grown for `grace`:
// not of every hole at once (a store draining its backlog fills its holes in seq order, and
// that is progress, not a gap). A request is asked again only after `retry` without progress
// (the box's session is clean: a command sent while it is offline is not kept for it).
//
// One member scans at a time (an advisory lock; the others return at once), in a transaction of
// its own; the caller publishes the commands scan() returns after it committed, so a member killed
// in between has asked nothing it recorded as asked for longer than `retry`.
//
// record_replay_reply() files a store's answer in the caller's transaction: the ranges it no longer
// has (and a request for the database of a box it replaced: the whole range) become
// `lost_ranges`, which count as filed for `contiguous`.
//
// Not thread-safe: one gap_tracker per connection and thread.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "hq/db/pg_connection.hpp"
#include "sink_message.hpp"

namespace kelu::hq {

struct gap_options {
  std::chrono::seconds grace{30};   // a stream that made no progress for this long with a hole is asked
  std::chrono::seconds retry{600};  // asked again after this long without progress
  int read_limit = 10'000;  // seqs read per stream and scan: a long drain is followed over several scans
};

struct replay_command {
  std::string topic;    // kelu/v1/{tenant}/{store}/cmd/replay
  std::string payload;  // {"request_id", "epoch", "source", "from_seq", "to_seq"}
};

struct gap_scan_result {
  bool scanned = false;  // false: another member was scanning
  std::int64_t streams_read = 0;
  std::int64_t streams_behind = 0;  // with a hole after this scan
  std::vector<replay_command> requests;
};

class gap_tracker {
 public:
  gap_tracker(pg_connection& db, gap_options options);
  std::variant<gap_scan_result, pg_error> scan();

 private:
  struct stream_view;
  std::optional<pg_error> read(std::vector<stream_view>& out);
  std::optional<pg_error> update(const std::vector<stream_view>& streams);
  std::optional<pg_error> ask(const std::vector<stream_view>& streams, gap_scan_result& result);

  pg_connection& db_;
  gap_options options_;
};

// Files a store's reply/replay in the open transaction; false when it answers no request of ours
// (another consumer's, such as `kelu hq-tail`) or names another store's.
std::variant<bool, pg_error> record_replay_reply(pg_connection& db, const std::string& tenant, const std::string& store,
                                                 const sink_replay_reply& reply);

}  // namespace kelu::hq
