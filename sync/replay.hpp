// SPDX-License-Identifier: Apache-2.0
#pragma once
// HQ's `cmd/replay`: "send me source S, seq A..B again". The box queues what it still holds
// into the outbox (same topics, so HQ's dedupe on (epoch, source, seq) absorbs overlap) and
// answers on `reply/replay` with what it queued and which ranges it no longer has (pruned
// by retention, or never assigned). A request naming another epoch (the database of a box this
// one replaced) is refused with this box's epoch: those events were never here.
//
// Request:  {"request_id":"r-17","epoch":"6f1c0e9a2b7d4c3e","source":"pos-tcp","from_seq":120,"to_seq":180}
// Reply:    {"request_id":"r-17","ok":true,"epoch":"6f1c0e9a2b7d4c3e","source":"pos-tcp","queued":55,
//            "missing":[[120,125]],"last_seq":900}
// Error:    {"request_id":"r-17","ok":false,"error":"to_seq: must be >= from_seq"}
// Refused:  {"request_id":"r-17","ok":false,"error":"epoch 0a1b...: ...","epoch":"6f1c0e9a2b7d4c3e",
//            "source":"pos-tcp"}
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "event_store.hpp"
#include "outbox.hpp"
#include "topics.hpp"

namespace kelu::sync {

struct replay_request {
  std::string request_id;
  std::string source;
  std::int64_t from_seq = 0;
  std::int64_t to_seq = 0;
  std::string epoch;  // empty: whichever this box's database is (HQ consumers from before epochs)
};

// Most seqs one request may cover: a bigger gap is asked for in several requests, so one
// command cannot queue the whole database at once.
inline constexpr std::int64_t max_replay_span = 100'000;

// Validates the JSON command; the error names the field.
core::result<replay_request> parse_replay(std::string_view payload);

struct replay_outcome {
  std::int64_t queued = 0;
  std::vector<std::pair<std::int64_t, std::int64_t>> missing;  // inclusive ranges
  std::int64_t last_seq = 0;
  std::string epoch;  // the database's: what the queued events carry
};

// Queues the held events of the range into the outbox, in seq order, in one transaction.
replay_outcome replay(database& db, event_store& store, outbox& out, const topics& t, const replay_request& r,
                      core::utc_time now);

// The reply payloads for `reply/replay`. `request_id` is echoed when the command had one.
std::string replay_reply(const replay_request& r, const replay_outcome& o);
std::string replay_error(std::string_view payload, const std::string& error);
// The refusal of a request for another epoch than `ours`; nullopt when the request may be served.
std::optional<std::string> replay_wrong_epoch(const replay_request& r, const std::string& ours);

}  // namespace kelu::sync
