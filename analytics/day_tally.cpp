// SPDX-License-Identifier: Apache-2.0
#include "day_tally.hpp"

#include <algorithm>

#include "core/overloaded.hpp"
#include "counter_periods.hpp"
#include "shifts.hpp"

namespace kelu::analytics {

namespace {

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

day_tally::day_tally(day_analysis& day, const funnel_rules& rules, const std::vector<utc_interval>& opening,
                     std::span<const core::event* const> events)
    : day_(day), rules_(rules), opening_(opening), staff_seen_(events, rules) {
  day_.attribution = "cashier";
  for (const auto& sh : day_.shifts) times_on_shift_ += static_cast<std::int64_t>(sh.on.size());
}

bucket* day_tally::quarter_at(core::utc_time t) const {
  if (t < day_.start || t >= day_.until || day_.quarters.empty()) return nullptr;
  const auto i = static_cast<std::size_t>((t - day_.start) / quarter_length);
  return i < day_.quarters.size() ? &day_.quarters[i] : nullptr;
}

void day_tally::add(const core::event& e) {
  bucket* q = quarter_at(e.observed_at);
  if (!q) return;
  const auto traced = [&] { q->trace.add(e.source, e.seq); };
  std::visit(core::overloaded{
                 [&](const core::pos_transaction& p) { on_transaction(e, p, *q); },
                 [&](const core::pos_operator&) { traced(); },
                 [&](const core::traffic_line_cross& p) { on_crossing(e, p, *q); },
                 [&](const core::traffic_zone_dwell& p) { on_dwell(e, p, *q); },
                 [&](const core::traffic_count& p) {
                   const auto role = rules_.role_of(p.sensor, p.line);
                   if (role == line_role::internal) return;
                   traced();
                   on_counts(p, role);
                 },
                 [&](const core::traffic_occupancy& p) {
                   traced();
                   for (const auto& zc : p.zones) peak(q->zones[p.camera + "/" + zc.zone], zc.people);
                 },
                 [](const auto&) {},  // agent.health, heat-map tiles, gaps: not funnel figures
             },
             e.body);
}

void day_tally::on_transaction(const core::event& e, const core::pos_transaction& p, bucket& q) {
  q.trace.add(e.source, e.seq);
  // Parked or training-mode tickets were never sales: not a buyer, not an associate's.
  if (p.kind == core::pos_transaction_kind::suspended || p.kind == core::pos_transaction_kind::training) return;
  auto& f = q.store;
  day_.last_sale_by_terminal[p.terminal] = e.observed_at;
  if (!within(opening_, e.observed_at)) ++f.outside_hours;
  const auto who = credited_associate(p);
  if (who.salesperson) day_.attribution = "salesperson";
  auto* a = who.key.empty() ? nullptr : &associates_[who.key];
  if (a) credit_to(*a, who, e);
  if (!p.currency.empty() && p.currency != rules_.currency) {
    ++f.other_currency;
    return;
  }
  switch (p.kind) {
    case core::pos_transaction_kind::sale:
      ++f.transactions;
      f.sales_minor += p.total_minor;
      for (const auto& i : p.items) f.items_milli += i.quantity_milli;
      if (a) {
        ++a->transactions;
        a->sales_minor += p.total_minor;
        for (const auto& i : p.items) a->items_milli += i.quantity_milli;
        sales_by_hour_.add(who.key, static_cast<std::size_t>(&q - day_.quarters.data()) / 4);
      }
      break;
    case core::pos_transaction_kind::return_:
      ++f.returns;
      f.returns_minor += abs64(p.total_minor);
      day_.returns.push_back({e.source, e.seq, e.observed_at, p.terminal, who.key, abs64(p.total_minor)});
      if (a) {
        ++a->returns;
        a->returns_minor += abs64(p.total_minor);
      }
      break;
    case core::pos_transaction_kind::void_: ++f.voids; return;
    case core::pos_transaction_kind::suspended:
    case core::pos_transaction_kind::training: return;
  }
  products_.add(p, p.kind == core::pos_transaction_kind::return_, who);
}

void day_tally::on_crossing(const core::event& e, const core::traffic_line_cross& p, bucket& q) {
  const auto role = rules_.role_of(p.camera, p.line);
  if (role == line_role::internal) return;
  q.trace.add(e.source, e.seq);
  auto& f = q.store;
  auto& c = q.cameras[p.camera];
  if (role == line_role::passby) {
    ++f.passersby;
    ++c.passersby;
    return;
  }
  const bool in = p.direction == core::crossing_direction::in;
  const bool staff_line = role == line_role::staff;
  if (staff_line || staff_seen_.is_staff(p.camera, p.track_id, e.observed_at)) {
    if (in) {
      ++(staff_line ? f.staff.line : f.staff.zone);
      ++(staff_line ? c.staff.line : c.staff.zone);
    }
    return;
  }
  door_.push_back({e.observed_at, &q, p.camera, in});
  (in ? f.entries : f.exits)++;
  (in ? c.entries : c.exits)++;
  enter(q, p.camera, in ? 1 : -1);
}

// Occupancy: people inside per camera and in the store, clamped at 0 on the way (an exit seen
// without its entry), and the quarter's peaks.
void day_tally::enter(bucket& q, const std::string& camera, int step) {
  auto& in_camera = inside_[camera];
  in_camera = std::max<std::int64_t>(0, in_camera + step);
  store_inside_ = std::max<std::int64_t>(0, store_inside_ + step);
  peak(q.cameras[camera], in_camera);
  peak(q.store, store_inside_);
}

void day_tally::on_dwell(const core::event& e, const core::traffic_zone_dwell& p, bucket& q) {
  q.trace.add(e.source, e.seq);
  // A staff zone's visits, and every visit of a track seen in one, are not customers'.
  if (rules_.staff_zones.count({p.camera, p.zone}) || staff_seen_.is_staff(p.camera, p.track_id, e.observed_at))
    return;
  auto& f = q.store;
  auto& z = q.zones[p.camera + "/" + p.zone];
  ++z.zone_visits;
  z.dwell_ms += p.dwell_ms;
  ++f.zone_visits;
  f.dwell_ms += p.dwell_ms;
  if (p.dwell_ms < rules_.engaged_ms(p.camera)) return;
  ++z.engaged;
  if (engaged_people_.insert({p.camera, p.track_id}).second) {
    ++f.engaged;
    ++q.cameras[p.camera].engaged;
  }
}

// A counter's period, shared among the quarters it overlaps. Its occupancy is known only at the
// end of each period, so its peak is the highest end-of-period level.
void day_tally::on_counts(const core::traffic_count& p, line_role role) {
  const auto add = [&](std::int64_t n, const auto& apply) {
    for (const auto& s : spread(n, p.start, p.end, day_.start, quarter_length))
      if (s.bucket < day_.quarters.size()) apply(day_.quarters[s.bucket], s.count);
  };
  const auto passing = [&](bucket& b, std::int64_t n) {
    b.store.passersby += n;
    b.cameras[p.sensor].passersby += n;
  };
  if (role == line_role::passby) return add(p.in + p.out + p.pass, passing);
  if (role == line_role::staff)
    return add(p.in, [&](bucket& b, std::int64_t n) {
      b.store.staff.line += n;
      b.cameras[p.sensor].staff.line += n;
    });
  add(p.pass, passing);
  for (const bool in : {true, false})
    add(in ? p.in : p.out, [&](bucket& b, std::int64_t n) {
      (in ? b.store.entries : b.store.exits) += n;
      (in ? b.cameras[p.sensor].entries : b.cameras[p.sensor].exits) += n;
      // Crossings at the later of the period's and the quarter's start, for the sign-on correction,
      // which takes out at most one entry and one exit per time on shift: never more than that
      // many, whatever count a device sends.
      const auto crossings = std::min(n, times_on_shift_);
      for (std::int64_t k = 0; k < crossings; ++k) door_.push_back({std::max(p.start, b.start), &b, p.sensor, in});
    });
  auto& in_counter = inside_[p.sensor];
  in_counter = std::max<std::int64_t>(0, in_counter + p.in - p.out);
  store_inside_ = std::max<std::int64_t>(0, store_inside_ + p.in - p.out);
  if (auto* last = quarter_at(std::max(p.start, p.end - std::chrono::milliseconds{1}))) {
    peak(last->cameras[p.sensor], in_counter);
    peak(last->store, store_inside_);
  }
}

void day_tally::settle() {
  day_.occupancy_now = store_inside_;
  // A counter's period adds its crossings at the quarters' starts, after events of earlier times.
  std::stable_sort(door_.begin(), door_.end(),
                   [](const counted_crossing& a, const counted_crossing& b) { return a.at < b.at; });
  if (rules_.staff_sign_on_entries) take_out_signed_on_staff(day_.shifts, door_, day_.until);
}

void day_tally::finish() {
  finish_associates(day_, std::move(associates_), sales_by_hour_, rules_);
  day_.top_by_revenue = products_.top_by_revenue();
  day_.top_by_units = products_.top_by_units();
  day_.top_sellers = products_.sellers_of(day_.top_by_revenue, day_.associates);
}

}  // namespace kelu::analytics
