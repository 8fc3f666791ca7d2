// SPDX-License-Identifier: Apache-2.0
#pragma once
// Which door crossings are staff, not visitors (docs/analytics.md, "Staff"). Internal to
// kelu::analytics: analyse_day asks it about each crossing, then takes one entry back for each
// shift signed on at a till.
//
// Track ids are per camera and per camera run (they restart with the agent), so a crossing is
// matched to a staff-zone visit of the same camera's track only within `window` of it.
#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "funnel.hpp"

namespace kelu::analytics {

inline constexpr std::chrono::milliseconds staff_window{30 * 60 * 1000};

class staff_tracks {
 public:
  // `events`: the day's events; only zone visits to the rules' staff zones are kept.
  staff_tracks(std::span<const core::event* const> events, const funnel_rules& rules);
  // Whether this camera's track was inside a staff-only zone within staff_window of `at`.
  bool is_staff(const std::string& camera, std::int64_t track, core::utc_time at) const;

 private:
  std::map<std::pair<std::string, std::int64_t>, std::vector<utc_interval>> seen_;
};

// A door crossing counted in `quarter` (a bucket of the day being analysed, which outlives it).
struct counted_crossing {
  core::utc_time at{};
  bucket* quarter = nullptr;
  std::string camera;
  bool in = true;
  bool taken = false;
};

// For each start of a shift signed on at a till, the last entry in the staff_window before it
// leaves the visitors (counted in staff.sign_on); for each end before `until`, the first exit in
// the window after it leaves the exits. `crossings` in time order.
void take_out_signed_on_staff(const std::vector<shift>& shifts, std::vector<counted_crossing>& crossings,
                              core::utc_time until);

}  // namespace kelu::analytics
