// SPDX-License-Identifier: Apache-2.0
#pragma once
// What one MQTT message from a store becomes in HQ's database, decided without any I/O (so every
// rule here is tested and fuzzed apart from PostgreSQL): events (events/*, stats, and the events a
// compressed backfill/* batch carries), a closed aggregate (metrics/...), the store's status, its
// answer to a replay request (reply/replay), an alert, or
// nothing the sink keeps (live, cmd/*, config/*, software/*: the retained or HQ -> box topics).
//
// Anything else is refused with a reason naming what is wrong and where (the topic, the event's
// index in a batch, the field): a topic outside kelu/v1/{tenant}/{store}/ or of another major
// version, a payload that is not JSON or misses an identity field, an event naming another store
// than its topic, a message over `max_bytes`. The caller quarantines it. Fields a store adds
// within v1 are kept: the whole object is stored (`body`), so they are never a reason to refuse.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.hpp"

namespace kelu::hq {

struct sink_event {
  std::string epoch;  // "" from a box before epochs: filed under the store's upgraded epoch
  std::string source;
  std::int64_t seq = 0;
  std::string stream;
  std::string type;
  std::string observed_at;  // ISO 8601, as the box wrote it
  std::chrono::sys_days day{};  // the UTC day of observed_at: the events partition it goes to
  std::string received_at;
  bool historical = false;
  std::string body;  // the event's JSON object
};

struct sink_aggregate {
  std::string kind;   // "funnel/hour", "report/day", "review/week"
  std::string start;  // ISO 8601 UTC
  std::string epoch;
  std::int64_t revision = 0;
  std::string body;
};

struct sink_status {
  std::string epoch;   // "" from a box before epochs
  std::string origin;  // epoch_origin: "created", "upgraded", ...
  std::string body;
};

// A store's answer on reply/replay to a replay request (sync/replay.hpp has the box's side).
struct sink_replay_reply {
  std::string request_id;
  bool ok = false;
  std::string epoch;   // the box's database
  std::string error;   // when !ok
  std::vector<std::pair<std::int64_t, std::int64_t>> missing;  // inclusive ranges the box no longer has
  std::int64_t last_seq = 0;
  std::string body;
};

// An alert firing or resolving (topic alerts): once per (id, state), whatever the redeliveries.
struct sink_alert {
  std::string id;
  std::string state;  // "fired" | "resolved"
  std::string rule;
  std::string severity;
  std::string at;     // ISO 8601
  std::string body;
};

struct sink_ignored {};

struct sink_message {
  std::string tenant;
  std::string store;
  std::variant<std::vector<sink_event>, sink_aggregate, sink_status, sink_replay_reply, sink_alert, sink_ignored> content;
};

// Decodes one message. `max_bytes` bounds the payload and, for a backfill batch, what it inflates to.
// Never throws: whatever a store sends is decoded or refused.
core::result<sink_message> decode_sink_message(std::string_view topic, std::string_view payload,
                                               std::size_t max_bytes);

}  // namespace kelu::hq
