// SPDX-License-Identifier: Apache-2.0
#pragma once
// Files stores' messages into HQ's PostgreSQL, a batch per transaction, with exactly-once effect by
// constraint rather than by memory: an event is a row keyed (tenant, store, epoch, source, seq)
// (plus the day it happened, which a redelivery repeats), so a message delivered twice, or by two
// sink members, or replayed by the store, is one row. A closed aggregate keeps every revision and,
// as current, the newest epoch's highest revision (docs/mqtt.md, "Identity"): epochs rank by when
// HQ first heard of them, a bigserial, never by a box's clock.
//
// A message that cannot be filed (sink_message.hpp says why) goes to `quarantine` with its reason
// in the same transaction, so the batch still commits and nothing is silently dropped.
//
// A batch's events go by COPY, statuses before them so an epoch a status announces is known to
// the events that follow: straight into `events` when none of them is there yet (the common case),
// else into a temporary stage and from it in one statement that skips what is. When PostgreSQL
// refuses an event's data, the batch is filed again message by message, which finds the one to
// quarantine.
//
// The caller acknowledges a batch's messages to the broker only after file() returned its counts:
// then they are committed. On an error nothing of the batch is (the transaction rolled back), and
// the caller retries or reconnects (`pg_error::lost`).
//
// Not thread-safe: one sink_store per connection and thread.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "hq/db/pg_connection.hpp"
#include "sink_message.hpp"

namespace kelu::hq {

struct received_message {
  std::string topic;
  std::string payload;
};

struct filed_counts {
  std::int64_t events_new = 0;
  std::int64_t events_duplicate = 0;
  std::int64_t aggregates_current = 0;  // became the aggregate's current version
  std::int64_t aggregates_stale = 0;    // an older revision or a replaced epoch's: kept as history only
  std::int64_t statuses = 0;
  std::int64_t replay_replies = 0;  // answers to our replay requests (gap_tracker.hpp)
  std::int64_t alerts = 0;           // an alert's firing or resolution, the first time
  std::int64_t alerts_duplicate = 0;
  std::int64_t ignored = 0;
  std::int64_t quarantined = 0;

  filed_counts& operator+=(const filed_counts& o) {
    events_new += o.events_new;
    events_duplicate += o.events_duplicate;
    aggregates_current += o.aggregates_current;
    aggregates_stale += o.aggregates_stale;
    statuses += o.statuses;
    replay_replies += o.replay_replies;
    alerts += o.alerts;
    alerts_duplicate += o.alerts_duplicate;
    ignored += o.ignored;
    quarantined += o.quarantined;
    return *this;
  }
};

class sink_store {
 public:
  // `max_message_bytes`: larger messages (or backfill batches inflating beyond it) are quarantined.
  sink_store(pg_connection& db, std::size_t max_message_bytes);

  // Files the batch in one transaction; counts what each message became.
  std::variant<filed_counts, pg_error> file(const std::vector<received_message>& batch);

 private:
  // The whole batch in the open transaction, events in one statement.
  std::optional<pg_error> file_together(const std::vector<received_message>& batch,
                                        const std::vector<core::result<sink_message>>& decoded, filed_counts& counts);
  // Message by message (after a refusal): says which message PostgreSQL refused in `refused`.
  std::optional<pg_error> file_each(const std::vector<received_message>& batch,
                                    const std::vector<core::result<sink_message>>& decoded, filed_counts& counts,
                                    std::optional<std::size_t>& refused);
  std::optional<pg_error> file_one(const received_message& m, const core::result<sink_message>& decoded,
                                   filed_counts& counts);
  std::optional<pg_error> file_events(const sink_message& m, const std::vector<sink_event>& events,
                                      filed_counts& counts);
  std::optional<pg_error> file_status(const sink_message& m, const sink_status& s, filed_counts& counts);
  std::optional<pg_error> quarantine(const received_message& m, const std::string& reason, filed_counts& counts);
  std::optional<pg_error> ensure_partitions(const std::vector<core::result<sink_message>>& decoded);

  pg_connection& db_;
  std::size_t max_bytes_;
  std::set<std::string> partitions_;  // days whose events partition is known to exist
  bool stage_ready_ = false;          // this connection's temporary events_stage exists
};

}  // namespace kelu::hq
