// SPDX-License-Identifier: Apache-2.0
#pragma once
// `kelu report`: a day's funnel per hour, associates, products and coverage from the store's
// database, computed by the same code the running agent uses (safe beside it: a reader).
#include <iosfwd>
#include <optional>
#include <string>

#include "core/time.hpp"
#include "config/config.hpp"

namespace kelu::cli {

struct report_options {
  std::string day;        // "YYYY-MM-DD" in the store's zone; empty: today
  bool json = false;      // the documented JSON form (docs/analytics.md)
  std::string database;   // empty: storage.path
  std::string events_of;  // "HH:MM": print the raw events behind that local hour instead (JSON lines)
  std::optional<core::utc_time> now;  // tests: the clock; empty: the system's
};

// Exit code 0, or 2 with a message on `err` (bad day, config or database).
int run_report(const config::config& c, const report_options& o, std::ostream& out, std::ostream& err);

}  // namespace kelu::cli
