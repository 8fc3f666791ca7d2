// SPDX-License-Identifier: Apache-2.0
#pragma once
// Turns one configured counter's readings into traffic.count events: keeps the configured
// channel, turns running totals into periods (cumulative_counts) and names the events
// (source "counter-{id}", stream "traffic", observed_at = the period's start). Pure apart from
// its cumulative baseline; not thread-safe, used on its owner's thread.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "counter_reading.hpp"
#include "cumulative_counts.hpp"

namespace kelu::drivers {

struct counter_identity {
  std::string store_id;
  std::string counter_id;  // config counters[].id
  std::string line;
  std::string channel;     // "" takes any
};

class counter_emitter {
 public:
  explicit counter_emitter(counter_identity id) : id_(std::move(id)) {}

  // A difference handed out: the reading it started from and the one it ended at.
  struct step {
    std::optional<counter_reading> from;
    counter_reading to;
  };
  struct taken {
    std::vector<core::event> events;
    std::vector<step> steps;         // hand to not_stored() if `events` could not be committed
    std::int64_t other_channel = 0;  // readings of channels this counter does not take
    std::int64_t baselines = 0;      // running totals that only set (or reset) the baseline
  };
  // Differences are taken against the latest reading handed out, committed or not, so two
  // pushes whose commits overlap never count the same people twice.
  taken take(const std::vector<counter_reading>& readings, core::utc_time received);
  // The events of a `take` were not stored: if no later reading was taken since, the next
  // difference starts where this one did and covers its time; otherwise those counts are lost
  // (and their time stays covered by the periods stored).
  void not_stored(const std::vector<step>& steps);

  const counter_identity& identity() const { return id_; }
  std::string source_id() const { return "counter-" + id_.counter_id; }

 private:
  core::event make(const counter_reading& period, const char* basis, core::utc_time received) const;

  counter_identity id_;
  cumulative_counts cumulative_;
};

}  // namespace kelu::drivers
