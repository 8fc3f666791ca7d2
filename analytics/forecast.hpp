// SPDX-License-Identifier: Apache-2.0
#pragma once
// The rest of today's traffic per hour, from the same weekday's hours over the past weeks,
// scaled by how today is running so far, with a staffing hint per hour (staff needed to keep
// visitors per staff hour at the target STAR). Pure: history comes in as observed hours.
//
// Method: per local hour, the median of the same weekday's visitors over the weeks given
// (hours flagged low_coverage are left out). Today's scale is visitors so far ÷ those hours'
// medians so far, trusted in proportion to how much of the usual day has passed (shrunk
// towards 1 early in the morning) and clamped to [0.25, 4]. bench/forecast_backtest measures
// it against the naive "same hour last week".
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "funnel.hpp"

namespace kelu::analytics {

struct hour_observation {
  std::chrono::sys_days day{};  // local date
  int hour = 0;                 // local wall hour 0..23
  std::int64_t visitors = 0;
  bool usable = true;           // false: the cameras saw too little of it
};

struct forecast_hour {
  int hour = 0;
  core::utc_time start{};
  double visitors = 0;           // expected
  double low = 0, high = 0;      // the weeks' range, scaled the same way
  std::int64_t staff_needed = 0; // ceil(visitors ÷ target STAR), at least 1 while open
  bool operator==(const forecast_hour&) const = default;
};

struct forecast {
  std::int64_t weeks_used = 0;
  double scale = 1;
  double visitors_so_far = 0;
  double expected_so_far = 0;     // the medians of the hours already past
  double rest_of_day = 0;         // sum of the hours below
  std::vector<forecast_hour> hours;  // from the current hour to the end of the day
};

// analytics.forecast_weeks and analytics.target_star (config/schema.cpp).
struct forecast_options {
  int weeks = 0;
  double target_star = 0;  // visitors per staff hour the store wants
};

// Hours in `history` on other weekdays than today's, or not before today, are ignored.
// Empty `hours` when there is no history for today's weekday.
forecast forecast_today(const day_analysis& today, const std::vector<hour_observation>& history,
                        const core::time_zone& zone, const funnel_rules& rules, const forecast_options& options);

// The observations a day's analysis gives (for history kept as aggregates, or a backtest).
std::vector<hour_observation> observe_hours(const day_analysis& day, const core::time_zone& zone,
                                            const funnel_rules& rules);

}  // namespace kelu::analytics
