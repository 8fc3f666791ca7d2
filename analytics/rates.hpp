// SPDX-License-Identifier: Apache-2.0
#pragma once
// The one rule for when a visitor-based rate is shown (docs/analytics.md, "When a figure is
// shown"). A rate is computed over the parts of a period (hours of a day, quarters of an alert's
// window) that were open and whose door cameras saw at least `coverage_floor_pct` of them; it is
// bounded by what it means; it carries its basis; with no such part it is absent with a reason.
// The page, `kelu report`, MQTT and the alert engine all take their rates from here, so a
// manager never sees two answers, or an impossible one, for the same question.
//
// Bounds by construction: every buyer was a visitor, so a part whose till counted more buyers
// than its door counted visitors contributes max(visitors, buyers) visitors (and is counted in
// `buyers_over_visitors`, since it means missed or staff-polluted door counts); engaged people
// are capped at the visitors of their part the same way.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "funnel.hpp"

namespace kelu::analytics {

struct rate_basis {
  std::int64_t covered_periods = 0;  // parts the rates were computed over
  std::int64_t open_periods = 0;     // parts that were open at all
  std::int64_t visitors = 0;         // Σ max(visitors, buyers) over the covered parts
  std::int64_t buyers = 0;           // Σ transactions
  std::int64_t engaged = 0;          // Σ min(engaged, visitors)
  std::int64_t net_sales_minor = 0;
  std::int64_t staff_ms = 0;
  std::int64_t buyers_over_visitors = 0;  // covered parts with more buyers than visitors
  bool operator==(const rate_basis&) const = default;
};

struct store_rates {
  std::optional<double> conversion;    // buyers ÷ visitors, in [0, 1]
  std::optional<double> engaged_rate;  // engaged ÷ visitors, in [0, 1]
  std::optional<std::int64_t> sales_per_visitor_minor;  // net sales ÷ visitors, rounded half away from zero
  std::optional<double> star;          // visitors per staff hour, ≥ 0; absent without staff time
  // Why the visitor rates are absent, "" when they are shown: "no_door_camera", "closed" (no open
  // part), "low_coverage" (no open part seen enough), "no_visitors".
  std::string reason;
  rate_basis basis;
};

// Whether one part (a quarter or an hour) counts towards rates: a door camera is configured, the
// part was open, and the door cameras saw at least the floor of it.
bool counts_for_rates(const figures& part, const funnel_rules& rules, bool has_door_camera);
// Whether the door cameras saw at least the floor of the part, open or not (the forecast learns
// from closed hours too).
bool seen_enough(const figures& part, const funnel_rules& rules, bool has_door_camera);

// The rates over `parts`; pass a single bucket's figures for that bucket's own rates.
store_rates rates_over(std::span<const figures> parts, const funnel_rules& rules, bool has_door_camera);

// The rates of one bucket (its own figures), and of a day (over its hours).
store_rates rates_of(const bucket& b, const funnel_rules& rules, bool has_door_camera);
store_rates rates_of(const day_analysis& day, const funnel_rules& rules);

}  // namespace kelu::analytics
