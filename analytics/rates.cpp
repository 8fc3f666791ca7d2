// SPDX-License-Identifier: Apache-2.0
#include "rates.hpp"

#include "core/money.hpp"

#include <algorithm>
#include <vector>

namespace kelu::analytics {

bool seen_enough(const figures& part, const funnel_rules& rules, bool has_door_camera) {
  if (!has_door_camera || part.span_ms <= 0) return false;
  // Integer comparison: 90 % of a quarter is exactly 90 %, with no rounding either way.
  return part.covered_ms * 100 >= rules.coverage_floor_pct * part.span_ms;
}

bool counts_for_rates(const figures& part, const funnel_rules& rules, bool has_door_camera) {
  return part.open_ms > 0 && seen_enough(part, rules, has_door_camera);
}

store_rates rates_over(std::span<const figures> parts, const funnel_rules& rules, bool has_door_camera) {
  store_rates out;
  auto& b = out.basis;
  for (const auto& p : parts) {
    if (p.open_ms > 0) ++b.open_periods;
    if (!counts_for_rates(p, rules, has_door_camera)) continue;
    ++b.covered_periods;
    const auto visitors = std::max(p.entries, p.transactions);
    if (p.transactions > p.entries) ++b.buyers_over_visitors;
    b.visitors += visitors;
    b.buyers += p.transactions;
    b.engaged += std::min(p.engaged, visitors);
    b.net_sales_minor += p.sales_minor - p.returns_minor;
    b.staff_ms += p.staff_ms;
  }
  if (!has_door_camera)
    out.reason = "no_door_camera";
  else if (b.open_periods == 0)
    out.reason = "closed";
  else if (b.covered_periods == 0)
    out.reason = "low_coverage";
  if (!out.reason.empty()) return out;
  if (b.staff_ms > 0)
    out.star = static_cast<double>(b.visitors) / (static_cast<double>(b.staff_ms) / 3'600'000.0);
  if (b.visitors == 0) {
    out.reason = "no_visitors";
    return out;
  }
  const auto v = static_cast<double>(b.visitors);
  out.conversion = static_cast<double>(b.buyers) / v;
  out.engaged_rate = static_cast<double>(b.engaged) / v;
  out.sales_per_visitor_minor = core::money_ratio(b.net_sales_minor, b.visitors);
  return out;
}

store_rates rates_of(const bucket& b, const funnel_rules& rules, bool has_door_camera) {
  return rates_over(std::span<const figures>(&b.store, 1), rules, has_door_camera);
}

store_rates rates_of(const day_analysis& day, const funnel_rules& rules) {
  std::vector<figures> hours;
  hours.reserve(day.hours.size());
  for (const auto& h : day.hours) hours.push_back(h.store);
  return rates_over(hours, rules, day.has_door_camera);
}

}  // namespace kelu::analytics
