// SPDX-License-Identifier: Apache-2.0
#include "funnel.hpp"

#include "core/money.hpp"
#include "counter_periods.hpp"
#include "day_tally.hpp"
#include "rates.hpp"
#include "shifts.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

namespace kelu::analytics {

namespace {

using namespace std::chrono;

std::optional<double> ratio(double num, double den) {
  if (den <= 0) return std::nullopt;
  return num / den;
}

}  // namespace

staff_entries& staff_entries::operator+=(const staff_entries& o) {
  zone += o.zone;
  line += o.line;
  sign_on += o.sign_on;
  return *this;
}

bool listed(const figures& hour) { return hour.open_ms > 0 || hour.outside_hours > 0; }

figures& figures::operator+=(const figures& o) {
  passersby += o.passersby;
  entries += o.entries;
  exits += o.exits;
  occupancy_peak = std::max(occupancy_peak, o.occupancy_peak);
  zone_visits += o.zone_visits;
  dwell_ms += o.dwell_ms;
  engaged += o.engaged;
  transactions += o.transactions;
  items_milli += o.items_milli;
  sales_minor += o.sales_minor;
  returns += o.returns;
  returns_minor += o.returns_minor;
  voids += o.voids;
  other_currency += o.other_currency;
  outside_hours += o.outside_hours;
  staff_ms += o.staff_ms;
  span_ms += o.span_ms;
  covered_ms += o.covered_ms;
  open_ms += o.open_ms;
  staff += o.staff;
  return *this;
}

derived derive(const figures& f, bool has_door_camera) {
  derived d;
  d.net_sales_minor = f.sales_minor - f.returns_minor;
  d.coverage = ratio(static_cast<double>(f.covered_ms), static_cast<double>(f.span_ms));
  if (!has_door_camera) d.flags.push_back("no_door_camera");
  if (f.span_ms > 0 && f.open_ms == 0) d.flags.push_back("closed");
  if (f.outside_hours > 0) d.flags.push_back("sales_outside_opening_hours");
  d.upt = ratio(static_cast<double>(f.items_milli) / 1000.0, static_cast<double>(f.transactions));
  d.avg_dwell_s = ratio(static_cast<double>(f.dwell_ms) / 1000.0, static_cast<double>(f.zone_visits));
  d.atv_minor = core::money_ratio(f.sales_minor, f.transactions);
  return d;
}

namespace {

// The day's events in a fixed order, so equal input gives equal output whatever the query order:
// those observed in [start, until), and camera gaps that overlap the day.
std::vector<const core::event*> events_of(const day_analysis& day, std::span<const core::event> events) {
  std::vector<const core::event*> sorted;
  for (const auto& e : events) {
    if (const auto* g = std::get_if<core::camera_gap>(&e.body)) {
      if (g->to > day.start && g->from < day.end) sorted.push_back(&e);
      continue;
    }
    if (e.observed_at >= day.start && e.observed_at < day.until) sorted.push_back(&e);
  }
  std::sort(sorted.begin(), sorted.end(), [](const core::event* a, const core::event* b) {
    return std::tie(a->observed_at, a->source, a->seq) < std::tie(b->observed_at, b->source, b->seq);
  });
  return sorted;
}

// Quarters that have begun by `until`.
void add_quarters(day_analysis& day) {
  for (auto t = day.start; t < day.end && t < day.until; t += quarter_length) {
    bucket b;
    b.period = "quarter";
    b.start = t;
    b.end = std::min(t + quarter_length, day.end);
    day.quarters.push_back(std::move(b));
  }
}

// When each door camera saw nothing: its own gap events (also kept in day.gaps, clipped to the
// day), the time the agent was not running (`running`; a counter keeps counting and says what
// its reports cover), and a counter's time without reports.
struct door_gaps {
  std::map<std::string, std::vector<utc_interval>> by_camera;
  std::vector<utc_interval> any;  // united over the door cameras
};

door_gaps gaps_of(day_analysis& day, std::span<const core::event* const> sorted, const funnel_rules& rules,
                  const std::set<std::string>& door_cameras, const std::optional<std::vector<utc_interval>>& running) {
  door_gaps out;
  for (const auto* e : sorted)
    if (const auto* g = std::get_if<core::camera_gap>(&e->body)) {
      core::camera_gap clipped = *g;
      clipped.from = std::max(g->from, day.start);
      clipped.to = std::min(g->to, day.end);
      day.gaps.push_back(clipped);
      out.by_camera[g->camera].push_back({clipped.from, clipped.to, 1});
    }
  if (running) {
    auto cursor = day.start;
    std::vector<utc_interval> down;
    for (const auto& r : unite(*running)) {
      if (r.from > cursor) down.push_back({cursor, std::min(r.from, day.until), 1});
      cursor = std::max(cursor, r.to);
    }
    if (cursor < day.until) down.push_back({cursor, day.until, 1});
    for (const auto& i : down) {
      if (i.to <= i.from) continue;
      for (const auto& camera : door_cameras)
        if (!rules.counters.count(camera)) out.by_camera[camera].push_back(i);
    }
  }
  for (auto& [counter, gaps] : counter_gaps(sorted, rules.counters, day.start, day.until)) {
    if (!door_cameras.count(counter)) continue;
    for (const auto& g : gaps) {
      out.by_camera[counter].push_back(g);
      if (g.to < day.until) day.gaps.push_back({counter, g.from, g.to, "not reported"});
    }
  }
  for (auto& [camera, gaps] : out.by_camera) {
    gaps = unite(std::move(gaps));
    if (door_cameras.count(camera)) out.any.insert(out.any.end(), gaps.begin(), gaps.end());
  }
  out.any = unite(std::move(out.any));
  return out;
}

// Each quarter's time: span, open, covered by the door cameras (each and together), staffed
// (the tills' shifts, else the staff schedule).
void measure_time(day_analysis& day, const funnel_rules& rules, const core::time_zone& zone,
                  const std::vector<utc_interval>& opening, const std::set<std::string>& door_cameras,
                  door_gaps& gaps) {
  std::vector<utc_interval> staffed;
  for (const auto& s : day.shifts)
    for (const auto& i : s.on) staffed.push_back(i);
  const auto schedule = rules.staff_schedule.on(day.day, zone);
  day.staff_basis = !staffed.empty() ? "pos" : !schedule.empty() ? "schedule" : "none";
  const auto& staff = !staffed.empty() ? staffed : schedule;
  for (auto& b : day.quarters) {
    const auto to = std::min(b.end, day.until);
    auto& f = b.store;
    f.span_ms = (to - b.start).count();
    f.open_ms = overlap_ms(opening, b.start, to);
    f.covered_ms = door_cameras.empty() ? 0 : f.span_ms - overlap_ms(gaps.any, b.start, to);
    f.staff_ms = overlap_ms(staff, b.start, to);
    for (const auto& camera : door_cameras) {
      auto& c = b.cameras[camera];
      c.span_ms = f.span_ms;
      c.open_ms = f.open_ms;
      c.covered_ms = f.span_ms - overlap_ms(gaps.by_camera[camera], b.start, to);
    }
  }
}

// A gap is behind the coverage of every quarter it touches.
void trace_gaps(day_analysis& day, std::span<const core::event* const> sorted) {
  for (const auto* e : sorted)
    if (const auto* g = std::get_if<core::camera_gap>(&e->body))
      for (auto& q : day.quarters)
        if (g->from < q.end && g->to > q.start) q.trace.add(e->source, e->seq);
}

bucket roll_up(const std::string& period, core::utc_time from, core::utc_time to, std::span<const bucket> parts) {
  bucket b;
  b.period = period;
  b.start = from;
  b.end = to;
  for (const auto& p : parts) {
    b.store += p.store;
    for (const auto& [k, f] : p.cameras) b.cameras[k] += f;
    for (const auto& [k, f] : p.zones) b.zones[k] += f;
    b.trace.add(p.trace);
  }
  return b;
}

// Hours and the day as sums of quarters.
void add_hours_and_day(day_analysis& day) {
  for (std::size_t i = 0; i < day.quarters.size(); i += 4) {
    const auto n = std::min<std::size_t>(4, day.quarters.size() - i);
    const auto from = day.quarters[i].start;
    day.hours.push_back(roll_up("hour", from, std::min(from + hours{1}, day.end),
                                std::span<const bucket>(day.quarters).subspan(i, n)));
  }
  day.whole = roll_up("day", day.start, day.end, day.hours);
}

}  // namespace

day_analysis analyse_day(sys_days day, const core::time_zone& zone, const funnel_rules& rules,
                         std::span<const core::event> events, core::utc_time now,
                         const std::optional<std::vector<utc_interval>>& running) {
  day_analysis out;
  out.day = day;
  out.start = local_midnight(day, zone);
  out.end = local_midnight(day + days{1}, zone);
  out.until = std::clamp(now, out.start, out.end);
  out.rule_version = rules.version();
  std::set<std::string> door_cameras;
  for (const auto& [key, role] : rules.line_roles)
    if (role == line_role::entrance) door_cameras.insert(key.first);
  out.has_door_camera = !door_cameras.empty();

  const auto sorted = events_of(out, events);
  add_quarters(out);
  const auto opening = unite(rules.opening.on(day, zone));
  auto gaps = gaps_of(out, sorted, rules, door_cameras, running);
  out.shifts = build_shifts(sorted, rules, opening, out.start, out.until);
  measure_time(out, rules, zone, opening, door_cameras, gaps);

  day_tally tally{out, rules, opening, sorted};
  for (const auto* e : sorted) tally.add(*e);
  tally.settle();
  trace_gaps(out, sorted);
  add_hours_and_day(out);
  tally.finish();
  return out;
}

}  // namespace kelu::analytics
