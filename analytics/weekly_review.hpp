// SPDX-License-Identifier: Apache-2.0
#pragma once
// The week's alerts and what became of them (docs/analytics.md, "Weekly review"): per rule, how
// often it fired and how often the figure recovered within its window, so a manager and HQ can
// see which rules are worth keeping. A week runs Monday 00:00 to Monday 00:00 in the store's
// zone (ISO 8601 weeks). Pure.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time_zone.hpp"
#include "alert_outcome.hpp"
#include "report_json.hpp"

namespace kelu::analytics {

struct rule_review {
  std::string rule;
  std::string metric;
  std::int64_t fired = 0;
  std::int64_t recovered = 0;
  std::int64_t persisted = 0;
  std::int64_t unjudged = 0;
  std::int64_t not_applicable = 0;
  std::int64_t pending = 0;
  // recovered ÷ (recovered + persisted): null, with the reason "no_judged_alerts", when neither.
  std::optional<double> hit_rate;
  std::optional<double> median_recovery_min;
  // Short-handed firings, how many of them saw staff come within the window, and how many
  // recovered with and without that.
  std::int64_t short_handed = 0;
  std::int64_t staff_came = 0;
  std::int64_t recovered_when_staff_came = 0;
  std::int64_t recovered_without_staff = 0;
};

struct week_review {
  std::chrono::sys_days monday{};
  core::utc_time start{};  // local Monday 00:00
  core::utc_time end{};    // the next one
  std::vector<alert_entry> alerts;  // fired in [start, end), by firing time
  std::vector<rule_review> rules;   // by name
  rule_review all;                  // every rule together (rule and metric empty)
  bool complete = false;            // no outcome is pending: the review will not change
};

// The Monday of the ISO week holding `day`.
std::chrono::sys_days week_monday(std::chrono::sys_days day);
// "2026-W49" for the week starting `monday`.
std::string iso_week_name(std::chrono::sys_days monday);

// `entries` outside the week are ignored.
week_review review_week(std::chrono::sys_days monday, const core::time_zone& zone, std::vector<alert_entry> entries);

// As on metrics/review/week (docs/schemas/analytics.schema.json, `review`); the page shows the same.
nlohmann::json review_json(const week_review& w, const core::time_zone& zone, const store_identity& store);

}  // namespace kelu::analytics
