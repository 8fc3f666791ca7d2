// SPDX-License-Identifier: Apache-2.0
#include "funnel_rules.hpp"

#include "config/schema.hpp"

namespace kelu::analytics {

line_role funnel_rules::role_of(const std::string& camera, const std::string& line) const {
  const auto it = line_roles.find({camera, line});
  return it == line_roles.end() ? line_role::entrance : it->second;
}

std::int64_t funnel_rules::engaged_ms(const std::string& camera) const {
  const auto it = engaged_dwell_ms.find(camera);
  return it == engaged_dwell_ms.end() ? default_engaged_dwell_ms : it->second;
}

std::string funnel_rules::version() const {
  // "r2": the algorithm's own generation (r2: rates over covered open hours, bounded close rates),
  // so aggregates stored by an older agent are recomputed, not mixed with new ones.
  std::string text = currency + "|" + opening.text() + "|" + staff_schedule.text() + "|" +
                     std::to_string(default_engaged_dwell_ms) + "|" + std::to_string(coverage_floor_pct) + "|" +
                     std::to_string(low_close_ratio_pct) + "|" + std::to_string(inferred_shift_pad_ms) + "|" +
                     std::to_string(close_rate_min_opportunities) + "|" + (staff_sign_on_entries ? "s" : "-") +
                     "|r2";
  for (const auto& [camera, ms] : engaged_dwell_ms) text += "|e:" + camera + "=" + std::to_string(ms);
  for (const auto& [key, role] : line_roles)
    text += "|l:" + key.first + "/" + key.second + "=" + std::to_string(static_cast<int>(role));
  for (const auto& [camera, zone] : staff_zones) text += "|s:" + camera + "/" + zone;
  for (const auto& counter : counters) text += "|c:" + counter;
  return config::hash_text(text).substr(0, 12);
}

core::result<funnel_rules> rules_for(const config::config& c) {
  funnel_rules r;
  r.currency = c.store.currency;
  auto opening = weekly_hours::parse(c.store.opening_hours, false);
  if (!opening) return core::error{"store.opening_hours: " + opening.error_message()};
  r.opening = opening->empty() ? weekly_hours::always() : std::move(opening).value();
  auto schedule = weekly_hours::parse(c.analytics.staff_schedule, true);
  if (!schedule) return core::error{"analytics.staff_schedule: " + schedule.error_message()};
  r.staff_schedule = std::move(schedule).value();
  for (const auto& cam : c.cameras) {
    r.engaged_dwell_ms[cam.id] = cam.engaged_dwell_s * 1000;
    for (const auto& l : cam.lines)
      r.line_roles[{cam.id, l.name}] = l.role == "passby"     ? line_role::passby
                                       : l.role == "internal" ? line_role::internal
                                       : l.role == "staff"    ? line_role::staff
                                                              : line_role::entrance;
    for (const auto& z : cam.zones)
      if (z.staff_only) r.staff_zones.insert({cam.id, z.name});
  }
  for (const auto& counter : c.counters) {
    r.counters.insert(counter.id);
    r.line_roles[{counter.id, counter.line}] = counter.role == "passby" ? line_role::passby
                                               : counter.role == "staff" ? line_role::staff
                                                                         : line_role::entrance;
  }
  r.coverage_floor_pct = c.analytics.coverage_floor_pct;
  r.low_close_ratio_pct = c.analytics.low_close_ratio_pct;
  r.close_rate_min_opportunities = c.analytics.close_rate_min_opportunities;
  r.staff_sign_on_entries = c.analytics.staff_sign_on_entries;
  r.inferred_shift_pad_ms = c.analytics.inferred_shift_pad_min * 60 * 1000;
  return r;
}

}  // namespace kelu::analytics
