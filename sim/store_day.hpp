// SPDX-License-Identifier: Apache-2.0
#pragma once
// One simulated store's trading day, as its box would record it: door crossings in and out,
// zone visits, sign-ons and sales with associates and products (the till), a heat-map tile per
// open hour, health every 15 minutes; then, once the day is over, each hour's funnel bucket and
// the day report, computed by the box's own analytics (analyse_day) over the same events.
//
// Deterministic: the same fleet, store, day and seed give the same events, seqs included, hour by
// hour. So a fleet is streamed an hour at a time (hour()), and the day's aggregates come from
// generating the day again (closed()) rather than holding every store's day in memory.
//
// Visitors arrive by a weekday profile peaking at lunch and in the evening, scaled by the store's
// size; about `conversion` of them buy (more with a skilled associate on shift), 1–4 items of a
// Zipf-popular catalogue; 40 % visit the promotion zone.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/event.hpp"
#include "core/time_zone.hpp"
#include "fleet_profile.hpp"

namespace kelu::sim {

class store_day {
 public:
  store_day(const fleet_profile& fleet, const store_profile& store, std::chrono::sys_days day, core::time_zone zone,
            std::uint64_t seed);

  // What begins in local hour `h` (0..23), in time order, seq and epoch set (seqs follow from the
  // hours before: call in order). A visit that begins in h may end in h + 1.
  std::vector<core::event> hour(int h);
  // The retained `status` birth message of the simulated box.
  nlohmann::json status(core::utc_time started) const;
  // The day's closed aggregates, as metrics/{kind} sends them: ("funnel.hour", bucket) for each hour
  // and ("report.day", report), revision 1.
  std::vector<std::pair<std::string, nlohmann::json>> closed(core::utc_time closed_at) const;

  core::utc_time start() const;  // local midnight
  core::utc_time end() const;    // the next local midnight

 private:
  core::utc_time at(int hour, std::int64_t ms) const;
  core::event stamp(core::event e);  // epoch and received_at; seqs once an hour is in order
  void visitor(core::utc_time in, std::uint64_t draw, std::vector<core::event>& out);
  void sale(core::utc_time when, const associate& seller, std::uint64_t draw, std::vector<core::event>& out);

  const fleet_profile* fleet_;
  const store_profile* store_;
  std::chrono::sys_days day_;
  core::time_zone zone_;
  std::uint64_t seed_;
  std::map<std::string, std::int64_t> seqs_;  // per source
  std::int64_t tracks_ = 0;
  std::int64_t transactions_ = 0;
};

}  // namespace kelu::sim
