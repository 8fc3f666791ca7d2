// SPDX-License-Identifier: Apache-2.0
#pragma once
// Closed aggregates (funnel buckets, day reports) as last computed and sent. HQ receives
// them as idempotent upserts keyed by (store, kind, start) with a revision within the
// database's epoch: upsert() stores and queues a new revision only when the figures changed,
// so recomputing a bucket with the same events and rules sends nothing, and late data or new
// rules send revision n+1. A replaced box starts at revision 1 in a new epoch, which HQ ranks
// above the old one's (docs/mqtt.md).
// On the io_context thread, like the rest of the store.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "database.hpp"
#include "outbox.hpp"

namespace kelu::sync {

struct aggregate_row {
  std::string kind;
  core::utc_time start{};
  core::utc_time end{};
  std::string rule_version;
  std::int64_t revision = 0;
  core::utc_time updated_at{};
  std::string body;
};

struct aggregate_message {
  std::string topic;
  outbox_lane lane = outbox_lane::live;  // history: a bucket closed after an outage
};

class aggregate_store {
 public:
  aggregate_store(database& db, outbox& out);

  // `body` is the aggregate's figures (a JSON object); what is sent is `body` with its
  // `revision`, `closed_at` (now) and the database's `epoch`. Returns the new revision, or
  // nothing when the stored figures are the same. The row and its outbox message commit together.
  std::optional<std::int64_t> upsert(const std::string& kind, core::utc_time start, core::utc_time end,
                                     const std::string& rule_version, const nlohmann::json& body, core::utc_time now,
                                     const aggregate_message& message);
  std::optional<aggregate_row> find(const std::string& kind, core::utc_time start);
  // Rows of `kind` starting in [from, to), by start.
  std::vector<aggregate_row> between(const std::string& kind, core::utc_time from, core::utc_time to);
  // The end of the latest stored row of `kind`: how far closing has got.
  std::optional<core::utc_time> last_end(const std::string& kind);
  // Deletes rows that ended before `cutoff` (storage.events_retention_days: the events they were
  // computed from are gone too). What HQ has not received is still in the outbox.
  std::int64_t prune(core::utc_time cutoff);

 private:
  database& db_;
  outbox& outbox_;
};

}  // namespace kelu::sync
