// SPDX-License-Identifier: Apache-2.0
#pragma once
// What turns raw events into funnel figures, taken from the config. Its version() changes
// whenever a figure could change, so stored aggregates say which rules made them and today's
// are recomputed when the rules change (a new engaged threshold, a line now counted as the door).
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "config/config.hpp"
#include "weekly_hours.hpp"

namespace kelu::analytics {

enum class line_role { entrance, passby, internal, staff };

struct funnel_rules {
  std::string currency = "CNY";         // money in other currencies is counted, not added
  weekly_hours opening = weekly_hours::always();
  weekly_hours staff_schedule;          // headcounts, used on days without POS sign-ons
  std::map<std::string, std::int64_t> engaged_dwell_ms;  // per camera; a zone visit this long is engaged
  std::int64_t default_engaged_dwell_ms = 30000;
  std::map<std::pair<std::string, std::string>, line_role> line_roles;  // (camera, line); absent: entrance
  std::set<std::pair<std::string, std::string>> staff_zones;           // (camera, zone): staff_only zones
  std::set<std::string> counters;  // people counters (config counters[]): their coverage is what they reported
  bool staff_sign_on_entries = true;
  std::int64_t coverage_floor_pct = 90;  // an hour seen less is left out of rates (rates.hpp)
  std::int64_t low_close_ratio_pct = 70;
  std::int64_t close_rate_min_opportunities = 20;
  std::int64_t inferred_shift_pad_ms = 15 * 60 * 1000;

  line_role role_of(const std::string& camera, const std::string& line) const;
  std::int64_t engaged_ms(const std::string& camera) const;
  // A short hash of everything above.
  std::string version() const;
};

// The rules a config describes; an error naming the key when a schedule does not parse
// (the config loader has already checked the texts, so only hand-made configs hit it).
core::result<funnel_rules> rules_for(const config::config& c);

}  // namespace kelu::analytics
