// SPDX-License-Identifier: Apache-2.0
#pragma once
// AXIS People Counter as it answers `GET /local/tvpc/.api?live-sum.json`:
//
//   {"serial": "00408CAC512B", "name": "Exit south", "timestamp": "20170503112756", "in": 12, "out": 318}
//
// `in` and `out` are today's running totals (the counter starts again at its midnight): a
// reading of running totals at `at`, the time the box read it. Pure function; no I/O.
#include <string_view>

#include "core/result.hpp"
#include "counter_reading.hpp"

namespace kelu::drivers {

// An error names the key ("in: expected a non-negative integer, got \"x\"").
core::result<counter_reading> parse_axis_live_sum(std::string_view body, core::utc_time at);

}  // namespace kelu::drivers
