// SPDX-License-Identifier: Apache-2.0
#pragma once
// Messages waiting for HQ, in SQLite: the single source of truth for what is unsent.
// A row is removed only after the broker acknowledged it (PUBACK) or when the quota
// drops it, and every drop is counted. Runs on the io_context thread.
#include <cstdint>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "database.hpp"
#include "outbox_address.hpp"

namespace kelu::sync {

struct outbox_row {
  std::int64_t id = 0;
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retain = false;
  message_kind kind = message_kind::message;
  std::string stream;  // for kind event
};

struct outbox_stats {
  std::int64_t rows = 0;
  std::int64_t bytes = 0;
  std::int64_t oldest_created_ms = 0;  // 0 when empty
  std::int64_t dropped_quota = 0;      // ever, persisted
  std::int64_t dropped_age = 0;
  std::int64_t dropped_oversize = 0;  // larger than the broker takes (mqtt.max_payload_bytes)
  std::int64_t dropped_other_store = 0;  // queued as another store, before any event (drop_other_stores)
  // Seconds the oldest unsent row has waited at `now`; 0 when empty.
  std::int64_t oldest_age_s(core::utc_time now) const {
    return oldest_created_ms ? (core::to_unix_ms(now) - oldest_created_ms) / 1000 : 0;
  }
};

struct outbox_quota {
  std::int64_t max_bytes = 0;
  std::int64_t max_age_days = 0;
};

// What an outbox over `max_bytes` is brought down to: 90 % of it, so that what is added while
// the backlog drains does not set off a drop at every maintenance tick.
constexpr std::int64_t quota_low_water(std::int64_t max_bytes) { return max_bytes - max_bytes / 10; }

class outbox {
 public:
  explicit outbox(database& db);

  // Adds a row; the caller holds the transaction. Call reload() if that transaction rolls back.
  // A history row (a backfill, a replay) is sent in the backlog lane.
  void insert(const outbox_address& to, std::string_view payload, core::utc_time now,
              outbox_lane lane = outbox_lane::live);
  // Like insert, for a retained snapshot (sent retained whatever `to.retain` says): unsent live
  // rows of the same topic are deleted first, as only the newest matters (they are superseded,
  // not dropped, and not counted as drops).
  void replace(const outbox_address& to, std::string_view payload, core::utc_time now);
  // The live lane: rows after `after_id` that are not backlog rows, in id order.
  std::vector<outbox_row> peek(std::int64_t after_id, std::size_t limit);
  // The backlog lane: rows after `after_id` that are backlog rows or have ids up to
  // `aged_up_to` (rows that waited past the live window), in id order.
  std::vector<outbox_row> peek_backlog(std::int64_t after_id, std::size_t limit, std::int64_t aged_up_to);
  // The highest id of a row created before `cutoff`; 0 when there is none. Ids grow with
  // time, so every row up to it waited longer than the rows after it.
  std::int64_t last_id_created_before(core::utc_time cutoff);
  // Deletes a row no broker would take, and counts it: kept, it would block its lane forever.
  void drop_oversize(std::int64_t id, std::size_t bytes);
  // Deletes rows queued under another store's topics (not starting with `root`), only in a
  // database that holds no store events (the agent's own health reports aside): a box enrolled as
  // another store than the package's sample one (kelu enroll), whose queued status, health and
  // empty hours HQ's broker would refuse, blocking the queue. With a sale, a crossing or a count
  // they are that store's data and stay. Counted; returns how many.
  std::int64_t drop_other_stores(const std::string& root);
  // Deletes acknowledged rows in one transaction; unknown ids are ignored.
  void remove(const std::vector<std::int64_t>& ids);
  // Drops what is over the quota: rows older than max_age, then, when over max_bytes, the
  // lowest priority, oldest first, until under quota_low_water(max_bytes). Rows in `sending` (published, not yet deleted: the
  // publisher's unsettled_rows) are neither dropped nor counted: they reach HQ. Returns how
  // many rows went.
  std::int64_t enforce(const outbox_quota& quota, core::utc_time now, const std::vector<std::int64_t>& sending = {});
  outbox_stats stats();
  // Recounts rows and bytes from the table.
  void reload();

 private:
  std::int64_t counter(const char* name);
  void add_counter(const char* name, std::int64_t delta);

  std::int64_t oldest_created_ms();

  database& db_;
  statement insert_;
  statement peek_;
  statement peek_aged_;
  statement peek_backlog_;
  statement remove_;
  std::int64_t rows_ = 0;
  std::int64_t bytes_ = 0;
};

}  // namespace kelu::sync
