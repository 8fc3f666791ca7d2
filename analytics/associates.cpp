// SPDX-License-Identifier: Apache-2.0
#include "associates.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "core/money.hpp"
#include "low_close_verdict.hpp"
#include "rates.hpp"

namespace kelu::analytics {

namespace {

// Opportunities hour by hour, over the open hours the door cameras saw (rates.hpp). Returns
// whether the day had any such hour.
bool add_opportunities(const day_analysis& day, std::map<std::string, associate_figures>& associates,
                       const hourly_sales& sales, const funnel_rules& rules) {
  bool any = false;
  for (std::size_t h = 0; h < day.hours.size(); ++h) {
    const auto& hour = day.hours[h];
    if (!counts_for_rates(hour.store, rules, day.has_door_camera)) continue;
    any = true;
    const auto to = std::min(hour.end, day.until);
    const auto non_buyers = std::max<std::int64_t>(0, hour.store.entries - hour.store.transactions);
    std::map<std::string, std::int64_t> on_floor;
    std::int64_t floor_ms = 0;
    for (const auto& s : day.shifts)
      if (const auto ms = overlap_ms(s.on, hour.start, to); ms > 0) {
        on_floor[s.operator_id] += ms;
        floor_ms += ms;
      }
    for (auto& [key, a] : associates) {
      const auto sold = sales.at(key, h);
      const auto it = on_floor.find(key);
      const auto ms = it == on_floor.end() ? 0 : it->second;
      if (sold == 0 && ms == 0) continue;
      a.close.transactions += sold;
      a.close.opportunities += static_cast<double>(sold);
      if (floor_ms > 0)
        a.close.opportunities += static_cast<double>(non_buyers) * static_cast<double>(ms) / static_cast<double>(floor_ms);
      ++a.close.hours;
    }
  }
  return any;
}

void flag_high_sales_low_close(day_analysis& day, const funnel_rules& rules) {
  std::vector<seller_figures> sellers;
  for (const auto& a : day.associates) sellers.push_back({a.sales_minor - a.returns_minor, a.close.rate});
  const auto v = judge_low_close(sellers, day.team_close_rate, static_cast<double>(rules.low_close_ratio_pct) / 100.0);
  for (std::size_t i = 0; i < sellers.size(); ++i) {
    if (!v.flagged[i]) continue;
    auto& a = day.associates[i];
    a.high_sales_low_close = true;
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "close rate %.1f%% vs the team's %.1f%% (flagged under %lld%% of it), over %.1f opportunities "
                  "in %.1f h on shift; net sales %s at or above the team median %s",
                  *a.close.rate * 100.0, *day.team_close_rate * 100.0, static_cast<long long>(rules.low_close_ratio_pct),
                  a.close.opportunities, static_cast<double>(a.on_shift_ms) / 3.6e6,
                  core::format_minor(sellers[i].net_sales_minor, rules.currency).c_str(),
                  core::format_minor(v.median_net_sales_minor, rules.currency).c_str());
    a.flag_reason = buf;
  }
}

}  // namespace

void hourly_sales::add(const std::string& key, std::size_t hour) {
  auto& v = by_key_[key];
  if (v.size() <= hour) v.resize(hour + 1, 0);
  ++v[hour];
}

std::int64_t hourly_sales::at(const std::string& key, std::size_t hour) const {
  const auto it = by_key_.find(key);
  return it == by_key_.end() || hour >= it->second.size() ? 0 : it->second[hour];
}

void finish_associates(day_analysis& day, std::map<std::string, associate_figures> associates,
                       const hourly_sales& sales, const funnel_rules& rules) {
  for (const auto& s : day.shifts) {
    auto& a = associates[s.operator_id];
    a.operator_id = s.operator_id;
    if (a.name.empty()) a.name = s.name;
    a.on_shift_ms = s.on_ms();
    a.shift_basis = s.basis;
    a.trace.add(s.trace);
  }
  const bool covered = add_opportunities(day, associates, sales, rules);
  std::int64_t team_tx = 0;
  double team_opportunities = 0;
  for (auto& [key, a] : associates) {
    if (a.shift_basis.empty()) a.shift_basis = "none";
    if (a.attribution.empty()) a.attribution = "cashier";  // on shift, credited with no sale
    a.avg_basket_minor = core::money_ratio(a.sales_minor, a.transactions);
    const auto net = a.sales_minor - a.returns_minor;
    if (a.on_shift_ms > 0 && net < INT64_MAX / 3'600'000 && net > -(INT64_MAX / 3'600'000))
      a.sales_per_hour_minor = core::money_ratio(net * 3'600'000, a.on_shift_ms);
    team_tx += a.close.transactions;
    team_opportunities += a.close.opportunities;
    if (!day.has_door_camera)
      a.close.reason = "no_door_camera";
    else if (!covered)
      a.close.reason = "low_coverage";
    else if (a.close.opportunities < static_cast<double>(rules.close_rate_min_opportunities))
      a.close.reason = "few_opportunities";
    else
      a.close.rate = static_cast<double>(a.close.transactions) / a.close.opportunities;
  }
  day.team_opportunities = team_opportunities;
  if (team_opportunities > 0) day.team_close_rate = static_cast<double>(team_tx) / team_opportunities;
  for (auto& [key, a] : associates) day.associates.push_back(std::move(a));
  flag_high_sales_low_close(day, rules);
  std::sort(day.associates.begin(), day.associates.end(), [](const associate_figures& a, const associate_figures& b) {
    const auto ra = a.sales_minor - a.returns_minor, rb = b.sales_minor - b.returns_minor;
    return ra != rb ? ra > rb : a.operator_id < b.operator_id;
  });
}

}  // namespace kelu::analytics
