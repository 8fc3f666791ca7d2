// SPDX-License-Identifier: Apache-2.0
#pragma once
// The counting phase of analyse_day (funnel.hpp): each of the day's events added to the quarter
// it falls in — sales, returns and voids to the store and the associate credited, door crossings
// and counters' periods to entries and exits (staff taken out), zone visits to dwell and engaged
// visitors, occupancy to the peaks — then the day-level figures that need all of them (the
// sign-on correction, occupancy now, associates, products). Internal to kelu::analytics.
//
// The day's quarters, shifts and opening hours must be in place before the first add(); the
// hours must be rolled up from the quarters before finish(). Not thread-safe; one per analysis.
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "associates.hpp"
#include "funnel.hpp"
#include "products.hpp"
#include "staff_crossings.hpp"

namespace kelu::analytics {

inline constexpr std::chrono::milliseconds quarter_length{15 * 60 * 1000};  // the smallest bucket

class day_tally {
 public:
  // `day` outlives the tally and is where every figure goes; `events` are the day's events in
  // time order (staff zones are read from them up front).
  day_tally(day_analysis& day, const funnel_rules& rules, const std::vector<utc_interval>& opening,
            std::span<const core::event* const> events);

  // Counts one event in its quarter; events outside the quarters, and kinds that are not funnel
  // figures (health, heat-map tiles, gaps), are ignored.
  void add(const core::event& e);
  // Takes signed-on staff out of the door counts and sets the occupancy now.
  void settle();
  // Associates and products, once the hours are rolled up (their close rates read the hours).
  void finish();

 private:
  bucket* quarter_at(core::utc_time t) const;
  void on_transaction(const core::event& e, const core::pos_transaction& p, bucket& q);
  void on_crossing(const core::event& e, const core::traffic_line_cross& p, bucket& q);
  void on_dwell(const core::event& e, const core::traffic_zone_dwell& p, bucket& q);
  void on_counts(const core::traffic_count& p, line_role role);
  void enter(bucket& q, const std::string& camera, int step);

  day_analysis& day_;
  const funnel_rules& rules_;
  const std::vector<utc_interval>& opening_;
  const staff_tracks staff_seen_;
  std::int64_t times_on_shift_ = 0;  // the sign-on correction takes out at most this many
  std::map<std::string, std::int64_t> inside_;  // camera -> entries − exits so far (clamped at 0)
  std::int64_t store_inside_ = 0;
  std::set<std::pair<std::string, std::int64_t>> engaged_people_;  // (camera, track)
  std::vector<counted_crossing> door_;  // counted entries and exits, for the sign-on correction
  product_tally products_;
  std::map<std::string, associate_figures> associates_;
  hourly_sales sales_by_hour_;
};

}  // namespace kelu::analytics
