// SPDX-License-Identifier: Apache-2.0
#include "funnel.hpp"

#include "core/money.hpp"
#include "associates.hpp"
#include "counter_periods.hpp"
#include "products.hpp"
#include "rates.hpp"
#include "staff_crossings.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

namespace kelu::analytics {

namespace {

using namespace std::chrono;
constexpr milliseconds quarter{15 * 60 * 1000};

std::optional<double> ratio(double num, double den) {
  if (den <= 0) return std::nullopt;
  return num / den;
}

bool within(const std::vector<utc_interval>& intervals, core::utc_time t) {
  return std::any_of(intervals.begin(), intervals.end(), [&](const utc_interval& i) { return i.from <= t && t < i.to; });
}

void credit_to(associate_figures& a, const credit& who, const core::event& e) {
  a.operator_id = who.key;
  if (a.name.empty()) a.name = who.name;
  const char* basis = who.salesperson ? "salesperson" : "cashier";
  if (a.attribution.empty())
    a.attribution = basis;
  else if (a.attribution != basis)
    a.attribution = "mixed";
  a.trace.add(e.source, e.seq);
}

void peak(figures& into, std::int64_t value) { into.occupancy_peak = std::max(into.occupancy_peak, value); }

std::int64_t abs64(std::int64_t v) { return v < 0 ? -v : v; }

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

  // The day's events in a fixed order, so equal input gives equal output whatever the query order.
  std::vector<const core::event*> sorted;
  for (const auto& e : events) {
    if (const auto* g = std::get_if<core::camera_gap>(&e.body)) {
      if (g->to > out.start && g->from < out.end) sorted.push_back(&e);
      continue;
    }
    if (e.observed_at >= out.start && e.observed_at < out.until) sorted.push_back(&e);
  }
  std::sort(sorted.begin(), sorted.end(), [](const core::event* a, const core::event* b) {
    return std::tie(a->observed_at, a->source, a->seq) < std::tie(b->observed_at, b->source, b->seq);
  });

  // Quarters that have begun by `until`.
  for (auto t = out.start; t < out.end && t < out.until; t += quarter) {
    bucket b;
    b.period = "quarter";
    b.start = t;
    b.end = std::min(t + quarter, out.end);
    out.quarters.push_back(std::move(b));
  }
  const auto quarter_of = [&](core::utc_time t) -> bucket* {
    if (t < out.start || t >= out.until || out.quarters.empty()) return nullptr;
    const auto i = static_cast<std::size_t>((t - out.start) / quarter);
    return i < out.quarters.size() ? &out.quarters[i] : nullptr;
  };

  // Time: span, opening hours, coverage, staff.
  const auto opening = unite(rules.opening.on(day, zone));
  std::map<std::string, std::vector<utc_interval>> gaps_by_camera;
  std::vector<utc_interval> door_gaps;
  for (const auto* e : sorted)
    if (const auto* g = std::get_if<core::camera_gap>(&e->body)) {
      core::camera_gap clipped = *g;
      clipped.from = std::max(g->from, out.start);
      clipped.to = std::min(g->to, out.end);
      out.gaps.push_back(clipped);
      gaps_by_camera[g->camera].push_back({clipped.from, clipped.to, 1});
    }
  if (running) {
    // The agent was not running: no camera saw anything. A counter keeps counting and may send
    // those periods later, so its own reports say what it covered.
    auto cursor = out.start;
    std::vector<utc_interval> down;
    for (const auto& r : unite(*running)) {
      if (r.from > cursor) down.push_back({cursor, std::min(r.from, out.until), 1});
      cursor = std::max(cursor, r.to);
    }
    if (cursor < out.until) down.push_back({cursor, out.until, 1});
    for (const auto& i : down) {
      if (i.to <= i.from) continue;
      for (const auto& camera : door_cameras)
        if (!rules.counters.count(camera)) gaps_by_camera[camera].push_back(i);
    }
  }
  // A counter saw the time its reports cover; the rest of the day so far is its gap.
  for (auto& [counter, gaps] : counter_gaps(sorted, rules.counters, out.start, out.until)) {
    if (!door_cameras.count(counter)) continue;
    for (const auto& g : gaps) {
      gaps_by_camera[counter].push_back(g);
      if (g.to < out.until) out.gaps.push_back({counter, g.from, g.to, "not reported"});
    }
  }
  for (auto& [camera, gaps] : gaps_by_camera) {
    gaps = unite(std::move(gaps));
    if (door_cameras.count(camera)) door_gaps.insert(door_gaps.end(), gaps.begin(), gaps.end());
  }
  door_gaps = unite(std::move(door_gaps));

  out.shifts = build_shifts(sorted, rules, opening, out.start, out.until);
  std::vector<utc_interval> staffed;
  for (const auto& s : out.shifts)
    for (const auto& i : s.on) staffed.push_back(i);
  const auto schedule = rules.staff_schedule.on(day, zone);
  out.staff_basis = !staffed.empty() ? "pos" : !schedule.empty() ? "schedule" : "none";
  const auto& staff = !staffed.empty() ? staffed : schedule;

  for (auto& b : out.quarters) {
    const auto to = std::min(b.end, out.until);
    auto& f = b.store;
    f.span_ms = (to - b.start).count();
    f.open_ms = overlap_ms(opening, b.start, to);
    f.covered_ms = door_cameras.empty() ? 0 : f.span_ms - overlap_ms(door_gaps, b.start, to);
    f.staff_ms = overlap_ms(staff, b.start, to);
    for (const auto& camera : door_cameras) {
      auto& c = b.cameras[camera];
      c.span_ms = f.span_ms;
      c.open_ms = f.open_ms;
      c.covered_ms = f.span_ms - overlap_ms(gaps_by_camera[camera], b.start, to);
    }
  }

  // Counts.
  std::map<std::string, std::int64_t> inside;  // camera -> entries − exits so far (clamped at 0)
  std::int64_t store_inside = 0;
  std::set<std::pair<std::string, std::int64_t>> engaged_people;  // (camera, track)
  product_tally products;
  std::map<std::string, associate_figures> associates;
  hourly_sales sales_by_hour;
  const staff_tracks staff_seen(sorted, rules);
  std::vector<counted_crossing> door;  // counted entries and exits, for the sign-on correction
  out.attribution = "cashier";
  // A counter's period, shared among the quarters it overlaps. Its occupancy is known only at
  // the end of each period, so its peak is the highest end-of-period level.
  std::int64_t times_on_shift = 0;
  for (const auto& sh : out.shifts) times_on_shift += static_cast<std::int64_t>(sh.on.size());
  const auto add_counts = [&](const core::traffic_count& p, line_role role) {
    const auto quarter_at = [&](const share& s) -> bucket* {
      return s.bucket < out.quarters.size() ? &out.quarters[s.bucket] : nullptr;
    };
    const auto add = [&](std::int64_t n, const auto& apply) {
      for (const auto& s : spread(n, p.start, p.end, out.start, quarter))
        if (auto* b = quarter_at(s)) apply(*b, s.count);
    };
    if (role == line_role::passby) {
      add(p.in + p.out + p.pass, [&](bucket& b, std::int64_t n) {
        b.store.passersby += n;
        b.cameras[p.sensor].passersby += n;
      });
      return;
    }
    if (role == line_role::staff) {
      add(p.in, [&](bucket& b, std::int64_t n) {
        b.store.staff.line += n;
        b.cameras[p.sensor].staff.line += n;
      });
      return;
    }
    add(p.pass, [&](bucket& b, std::int64_t n) {
      b.store.passersby += n;
      b.cameras[p.sensor].passersby += n;
    });
    for (const bool in : {true, false})
      add(in ? p.in : p.out, [&](bucket& b, std::int64_t n) {
        (in ? b.store.entries : b.store.exits) += n;
        (in ? b.cameras[p.sensor].entries : b.cameras[p.sensor].exits) += n;
        // Crossings at the later of the period's and the quarter's start, for the sign-on correction,
        // which takes out at most one entry and one exit per time on shift: never more than that
        // many, whatever count a device sends.
        const auto crossings = std::min(n, times_on_shift);
        for (std::int64_t k = 0; k < crossings; ++k) door.push_back({std::max(p.start, b.start), &b, p.sensor, in});
      });
    auto& in_counter = inside[p.sensor];
    in_counter = std::max<std::int64_t>(0, in_counter + p.in - p.out);
    store_inside = std::max<std::int64_t>(0, store_inside + p.in - p.out);
    if (auto* last = quarter_of(std::max(p.start, p.end - std::chrono::milliseconds{1}))) {
      peak(last->cameras[p.sensor], in_counter);
      peak(last->store, store_inside);
    }
  };
  for (const auto* ev : sorted) {
    const auto& e = *ev;
    bucket* q = quarter_of(e.observed_at);
    if (!q) continue;
    auto& f = q->store;
    std::visit(
        [&](const auto& p) {
          using T = std::decay_t<decltype(p)>;
          if constexpr (std::is_same_v<T, core::pos_transaction>) {
            q->trace.add(e.source, e.seq);
            // Parked or training-mode tickets were never sales: not a buyer, not an associate's.
            if (p.kind == core::pos_transaction_kind::suspended || p.kind == core::pos_transaction_kind::training)
              return;
            out.last_sale_by_terminal[p.terminal] = e.observed_at;
            if (!within(opening, e.observed_at)) ++f.outside_hours;
            const auto who = credited_associate(p);
            const auto& key = who.key;
            if (who.salesperson) out.attribution = "salesperson";
            auto* a = key.empty() ? nullptr : &associates[key];
            if (a) credit_to(*a, who, e);
            if (!p.currency.empty() && p.currency != rules.currency) {
              ++f.other_currency;
              return;
            }
            const bool is_return = p.kind == core::pos_transaction_kind::return_;
            switch (p.kind) {
              case core::pos_transaction_kind::sale:
                ++f.transactions;
                f.sales_minor += p.total_minor;
                for (const auto& i : p.items) f.items_milli += i.quantity_milli;
                if (a) {
                  ++a->transactions;
                  a->sales_minor += p.total_minor;
                  for (const auto& i : p.items) a->items_milli += i.quantity_milli;
                  sales_by_hour.add(key, static_cast<std::size_t>(q - out.quarters.data()) / 4);
                }
                break;
              case core::pos_transaction_kind::return_:
                ++f.returns;
                f.returns_minor += abs64(p.total_minor);
                out.returns.push_back({e.source, e.seq, e.observed_at, p.terminal, key, abs64(p.total_minor)});
                if (a) {
                  ++a->returns;
                  a->returns_minor += abs64(p.total_minor);
                }
                break;
              case core::pos_transaction_kind::void_:
                ++f.voids;
                return;
              case core::pos_transaction_kind::suspended:
              case core::pos_transaction_kind::training: return;
            }
            products.add(p, is_return, who);
          } else if constexpr (std::is_same_v<T, core::pos_operator>) {
            q->trace.add(e.source, e.seq);
          } else if constexpr (std::is_same_v<T, core::traffic_line_cross>) {
            const auto role = rules.role_of(p.camera, p.line);
            if (role == line_role::internal) return;
            q->trace.add(e.source, e.seq);
            auto& c = q->cameras[p.camera];
            if (role == line_role::passby) {
              ++f.passersby;
              ++c.passersby;
              return;
            }
            const int step = p.direction == core::crossing_direction::in ? 1 : -1;
            const bool staff_line = role == line_role::staff;
            if (staff_line || staff_seen.is_staff(p.camera, p.track_id, e.observed_at)) {
              if (step > 0) {
                ++(staff_line ? f.staff.line : f.staff.zone);
                ++(staff_line ? c.staff.line : c.staff.zone);
              }
              return;
            }
            door.push_back({e.observed_at, q, p.camera, step > 0});
            (step > 0 ? f.entries : f.exits)++;
            (step > 0 ? c.entries : c.exits)++;
            auto& in_camera = inside[p.camera];
            in_camera = std::max<std::int64_t>(0, in_camera + step);
            store_inside = std::max<std::int64_t>(0, store_inside + step);
            peak(c, in_camera);
            peak(f, store_inside);
          } else if constexpr (std::is_same_v<T, core::traffic_zone_dwell>) {
            q->trace.add(e.source, e.seq);
            // A staff zone's visits, and every visit of a track seen in one, are not customers'.
            if (rules.staff_zones.count({p.camera, p.zone}) || staff_seen.is_staff(p.camera, p.track_id, e.observed_at))
              return;
            auto& z = q->zones[p.camera + "/" + p.zone];
            ++z.zone_visits;
            z.dwell_ms += p.dwell_ms;
            ++f.zone_visits;
            f.dwell_ms += p.dwell_ms;
            if (p.dwell_ms < rules.engaged_ms(p.camera)) return;
            ++z.engaged;
            if (engaged_people.insert({p.camera, p.track_id}).second) {
              ++f.engaged;
              ++q->cameras[p.camera].engaged;
            }
          } else if constexpr (std::is_same_v<T, core::traffic_count>) {
            const auto role = rules.role_of(p.sensor, p.line);
            if (role == line_role::internal) return;
            q->trace.add(e.source, e.seq);
            add_counts(p, role);
          } else if constexpr (std::is_same_v<T, core::traffic_occupancy>) {
            q->trace.add(e.source, e.seq);
            for (const auto& zc : p.zones) peak(q->zones[p.camera + "/" + zc.zone], zc.people);
          } else {
            // agent.health, heatmap tiles, gaps (handled above): not funnel figures.
          }
        },
        e.body);
  }

  out.occupancy_now = store_inside;
  // A counter's period adds its crossings at the quarters' starts, after events of earlier times.
  std::stable_sort(door.begin(), door.end(), [](const counted_crossing& a, const counted_crossing& b) { return a.at < b.at; });
  if (rules.staff_sign_on_entries) take_out_signed_on_staff(out.shifts, door, out.until);

  // A gap is behind the coverage of every quarter it touches.
  for (const auto* e : sorted)
    if (const auto* g = std::get_if<core::camera_gap>(&e->body))
      for (auto& q : out.quarters)
        if (g->from < q.end && g->to > q.start) q.trace.add(e->source, e->seq);

  // Hours and the day as sums of quarters.
  const auto roll_up = [](const std::string& period, core::utc_time from, core::utc_time to,
                          std::span<const bucket> parts) {
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
  };
  for (std::size_t i = 0; i < out.quarters.size(); i += 4) {
    const auto n = std::min<std::size_t>(4, out.quarters.size() - i);
    const auto from = out.quarters[i].start;
    out.hours.push_back(roll_up("hour", from, std::min(from + hours{1}, out.end),
                                std::span<const bucket>(out.quarters).subspan(i, n)));
  }
  out.whole = roll_up("day", out.start, out.end, out.hours);

  finish_associates(out, std::move(associates), sales_by_hour, rules);

  out.top_by_revenue = products.top_by_revenue();
  out.top_by_units = products.top_by_units();
  out.top_sellers = products.sellers_of(out.top_by_revenue, out.associates);
  return out;
}

}  // namespace kelu::analytics
