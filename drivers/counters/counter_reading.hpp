// SPDX-License-Identifier: Apache-2.0
#pragma once
// What a people counter already on the ceiling tells us, whatever its vendor: either its own
// counts for a period, or a reading of its running totals. Pure data; the vendors' parsers
// (hikvision_counting, dahua_counting, axis_counting) produce it and cumulative_counts turns
// readings into periods.
#include <cstdint>
#include <string>

#include "core/time.hpp"

namespace kelu::drivers {

struct counter_reading {
  std::string device;   // how the device names itself: MAC, serial number, counter name
  std::string channel;  // the video channel or counting rule within the device ("1")
  // false: `in`/`out`/`pass` were counted over [start, end). true: they are the device's running
  // totals at `end` (start == end), only meaningful as a difference to an earlier reading.
  bool cumulative = false;
  core::utc_time start{};
  core::utc_time end{};
  std::int64_t in = 0;
  std::int64_t out = 0;
  std::int64_t pass = 0;        // walked past without entering, where the device counts it
  bool retransmission = false;  // the device says it is sending this again (kept once by the store)
  bool operator==(const counter_reading&) const = default;
};

}  // namespace kelu::drivers
