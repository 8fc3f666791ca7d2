// SPDX-License-Identifier: Apache-2.0
#include "forecast.hpp"

#include "rates.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace kelu::analytics {

namespace {

using namespace std::chrono;

int local_hour(core::utc_time t, const core::time_zone& zone) {
  const auto local = zone.to_local(t);
  return static_cast<int>(duration_cast<hours>(local - floor<days>(local)).count());
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

bool open_during(const std::vector<utc_interval>& opening, core::utc_time from, core::utc_time to) {
  return std::any_of(opening.begin(), opening.end(), [&](const utc_interval& i) { return i.from < to && from < i.to; });
}

}  // namespace

std::vector<hour_observation> observe_hours(const day_analysis& day, const core::time_zone& zone,
                                            const funnel_rules& rules) {
  std::vector<hour_observation> out;
  for (const auto& h : day.hours) {
    if (h.end > day.until) break;  // only whole hours
    const bool usable = seen_enough(h.store, rules, day.has_door_camera);
    out.push_back({day.day, local_hour(h.start, zone), h.store.entries, usable});
  }
  return out;
}

forecast forecast_today(const day_analysis& today, const std::vector<hour_observation>& history,
                        const core::time_zone& zone, const funnel_rules& rules, const forecast_options& options) {
  forecast f;
  const weekday wd{today.day};
  const auto earliest = today.day - days{7 * options.weeks};
  // hour -> the weeks' values
  std::map<int, std::vector<double>> by_hour;
  std::set<std::chrono::sys_days> weeks;
  for (const auto& o : history) {
    if (o.day >= today.day || o.day < earliest || weekday{o.day} != wd || !o.usable) continue;
    by_hour[o.hour].push_back(static_cast<double>(o.visitors));
    weeks.insert(o.day);
  }
  f.weeks_used = static_cast<std::int64_t>(weeks.size());
  if (weeks.empty()) return f;

  // How today runs against the usual day, over the whole hours already past.
  double usual_day = 0;
  for (const auto& [hour, values] : by_hour) usual_day += median(values);
  for (const auto& h : today.hours) {
    if (h.end > today.until) break;
    const auto it = by_hour.find(local_hour(h.start, zone));
    f.expected_so_far += it == by_hour.end() ? 0 : median(it->second);
    f.visitors_so_far += static_cast<double>(h.store.entries);
  }
  if (f.expected_so_far > 0) {
    const double raw = std::clamp(f.visitors_so_far / f.expected_so_far, 0.25, 4.0);
    const double trust = usual_day > 0 ? std::min(1.0, f.expected_so_far / usual_day) : 0.0;
    f.scale = 1 + (raw - 1) * trust;
  }

  // The hours still to come: the current one and the rest of the local day.
  const auto opening = rules.opening.on(today.day, zone);
  for (auto t = today.start; t < today.end; t += hours{1}) {
    const auto end = std::min(t + hours{1}, today.end);
    if (end <= today.until) continue;
    forecast_hour fh;
    fh.hour = local_hour(t, zone);
    fh.start = t;
    const auto it = by_hour.find(fh.hour);
    if (it != by_hour.end()) {
      fh.visitors = median(it->second) * f.scale;
      fh.low = *std::min_element(it->second.begin(), it->second.end()) * f.scale;
      fh.high = *std::max_element(it->second.begin(), it->second.end()) * f.scale;
    }
    const bool open = open_during(opening, t, end);
    fh.staff_needed = open ? std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(fh.visitors / options.target_star)))
                           : 0;
    f.rest_of_day += fh.visitors;
    f.hours.push_back(fh);
  }
  return f;
}

}  // namespace kelu::analytics
