// SPDX-License-Identifier: Apache-2.0
#pragma once
// Turns readings of a counter's running totals into counts per period: the difference between
// two readings is what was counted between them, however many polls failed in between. The
// first reading after a start only sets the baseline, and totals that went down (the device's
// midnight reset, a cleared counter, a replaced device) start a new baseline: the time between
// those two readings is not reported, so the funnel sees it as a gap in the counter's coverage,
// never as zero. State is in memory: after a restart, the first reading is a baseline again.
// Not thread-safe; one per counter, on its owner's thread.
#include <optional>
#include <string>

#include "counter_reading.hpp"

namespace kelu::drivers {

class cumulative_counts {
 public:
  enum class outcome { counted, baseline, reset, stale };
  struct result {
    outcome what = outcome::baseline;
    counter_reading period;  // when counted: [previous reading, this one) with the differences
  };

  // What `r` (cumulative) means against the last accepted reading; changes nothing. A reading
  // no later than that one is stale.
  result feed(const counter_reading& r) const;
  // Makes `r` the reading the next one is compared with.
  void accept(const counter_reading& r) { last_ = r; }
  // The reading the next one is compared with (none before the first).
  const std::optional<counter_reading>& last() const { return last_; }
  // Puts back an earlier `last()`: a period the store could not take is then covered by the next
  // difference instead of lost.
  void restore(std::optional<counter_reading> last) { last_ = std::move(last); }

 private:
  std::optional<counter_reading> last_;
};

}  // namespace kelu::drivers
