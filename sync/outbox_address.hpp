// SPDX-License-Identifier: Apache-2.0
#pragma once
// Where an outbox row goes and what it is, set by whoever writes the row. The publisher reads
// a row's lane and kind from these fields alone, never from its topic or its payload.
#include <cstdint>
#include <string>

namespace kelu::sync {

// What a row is, which decides how the backlog lane sends it.
enum class message_kind : std::uint8_t {
  message = 0,  // anything else (aggregates, alerts, replies, retained state): sent as written
  event = 1,    // an event of `stream` as core::encode wrote it: flagged historical in the
                // backlog lane, and batched per stream on backfill/{stream}
  health = 2,   // the agent's own health event on stats: flagged historical, never batched
};

// Which lane a row is written to. History (kelu ingest, replays, buckets closed after an
// outage) goes in the backlog lane whenever it was written; a live row joins that lane only if
// it waited past mqtt.live_window when a connection begins.
enum class outbox_lane : std::uint8_t { live = 0, history = 1 };
constexpr outbox_lane history_if(bool late) { return late ? outbox_lane::history : outbox_lane::live; }

struct outbox_address {
  std::string topic;
  int qos = 1;
  bool retain = false;
  int priority = 0;  // under the quota, the lowest priority is dropped first (topics.hpp)
  message_kind kind = message_kind::message;
  std::string stream{};  // the event's stream, for kind event; empty otherwise
};

}  // namespace kelu::sync
