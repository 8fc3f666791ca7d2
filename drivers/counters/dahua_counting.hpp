// SPDX-License-Identifier: Apache-2.0
#pragma once
// Dahua people counting as its cameras answer
// `GET /cgi-bin/videoStatServer.cgi?action=getSummary&channel=N` (the same key=value text its
// `action=attach` stream repeats):
//
//   summary.Channel=0
//   summary.RuleName=NumberStat
//   summary.EnteredSubtotal.Hour=3   .Today=41   .Total=5120   .TotalInTimeSection=...
//   summary.ExitedSubtotal.Hour=2    .Today=37   .Total=5098
//   summary.PassedSubtotal.Total=... (some models)
//   summary.UTC=1615580510
//
// A reading of running totals: `Total` (since the counter was last cleared) when present, else
// `Today`. `at` is when the box read it: the device's UTC field is its wall clock on many
// models, so it is not trusted. Pure function; no I/O.
#include <string_view>

#include "core/result.hpp"
#include "counter_reading.hpp"

namespace kelu::drivers {

// An error names the line and key ("line 4: summary.EnteredSubtotal.Total: not a count").
core::result<counter_reading> parse_dahua_summary(std::string_view body, core::utc_time at);

}  // namespace kelu::drivers
