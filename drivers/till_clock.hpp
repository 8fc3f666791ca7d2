// SPDX-License-Identifier: Apache-2.0
#pragma once
// How far each till's clock is from the box's, read from the sales it sends live: a till set hours
// off (a flat RTC battery, the wrong time zone typed in) stamps every sale hours off, and its sales
// then land in the wrong hours until someone sets it right. The box cannot correct them (a sale's
// own time is the record), so it tells the technician and HQ which terminal is off and by how much.
//
// A till resending sales after an outage sends them late too, but two things tell the cases apart:
// the newest of a resent burst was made moments ago, while a clock that is off makes every sale
// off; and a burst comes within seconds, while a till's clock is judged over `span` of the box's
// time. So a terminal is found off when every sale of the last `keep` minutes was, and those sales
// cover at least `span`; its offset is the one nearest zero. One sale on time clears it.
// Not thread-safe: health_recorder holds it under its lock.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/event.hpp"

namespace kelu::drivers {

class till_clock {
 public:
  static constexpr std::chrono::seconds threshold{300};  // reported from this far off
  static constexpr std::chrono::minutes span{10};        // of box time the evidence must cover
  static constexpr std::chrono::minutes keep{30};        // the window of recent sales
  static constexpr std::size_t min_samples = 5;
  static constexpr std::size_t max_samples = 256;        // per terminal, within the window
  static constexpr std::size_t max_terminals = 64;       // the least recently heard forgotten beyond

  // A sale terminal `terminal` stamped `observed_at` reached the box at `received_at` (its clock).
  // When this changed the terminal's verdict, its offset as offsets() gives it (0: set right
  // again), worth one log line; nothing otherwise.
  std::optional<std::int64_t> observe(const std::string& terminal, core::utc_time observed_at,
                                      core::utc_time received_at);

  // The terminals found off, by terminal id, with their offset in the current window.
  std::vector<core::till_clock_offset> offsets() const;

 private:
  struct sample {
    core::utc_time received_at;
    std::int64_t offset_ms;
  };
  struct terminal_state {
    std::deque<sample> window;
    std::uint64_t last_heard = 0;
    bool off = false;
  };
  static std::int64_t nearest_zero_ms(const terminal_state& t);

  std::map<std::string, terminal_state> terminals_;
  std::uint64_t heard_ = 0;
};

// The log line for a terminal whose verdict changed: `offset_s` as offsets() gives it, 0 when the
// terminal is back within the threshold.
std::string till_clock_change(const std::string& terminal, std::int64_t offset_s);

}  // namespace kelu::drivers
