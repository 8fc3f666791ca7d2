// SPDX-License-Identifier: Apache-2.0
#pragma once
// Notices the wall clock being stepped: NTP setting a box that booted with no battery-backed clock,
// someone setting the time by hand, a VM resumed. Intervals and deadlines run on the monotonic
// clock and do not care; timestamps do (an event received before the step carries the old time),
// so a step is worth telling HQ about. Pure: the caller feeds it both clocks now and then.
#include <chrono>
#include <cstdint>
#include <optional>

#include "time.hpp"

namespace kelu::core {

// What the agent reports in its health (agent_health::clock_steps).
struct clock_steps {
  std::int64_t count = 0;       // steps seen since the agent started
  std::int64_t last_step_s = 0;  // the last one: + forward, - back
  std::optional<utc_time> last_at;  // the wall clock just after it
  bool operator==(const clock_steps&) const = default;
};

class clock_watch {
 public:
  // A step is the wall clock moving `tolerance` more or less than the monotonic clock between two
  // samples: NTP slews small errors (at most 0.5 ms/s), so a minute is never a slew.
  explicit clock_watch(std::chrono::milliseconds tolerance = std::chrono::minutes(1)) : tolerance_(tolerance) {}

  // The step since the previous sample, if there was one; the first sample only sets the base.
  std::optional<std::chrono::milliseconds> observe(utc_time wall, std::chrono::steady_clock::time_point steady);
  const clock_steps& seen() const { return seen_; }

 private:
  std::chrono::milliseconds tolerance_;
  std::optional<std::pair<utc_time, std::chrono::steady_clock::time_point>> last_;
  clock_steps seen_;
};

}  // namespace kelu::core
