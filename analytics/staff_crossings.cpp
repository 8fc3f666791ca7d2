// SPDX-License-Identifier: Apache-2.0
#include "staff_crossings.hpp"

#include <algorithm>

namespace kelu::analytics {

staff_tracks::staff_tracks(std::span<const core::event* const> events, const funnel_rules& rules) {
  if (rules.staff_zones.empty()) return;
  for (const auto* e : events)
    if (const auto* d = std::get_if<core::traffic_zone_dwell>(&e->body))
      if (rules.staff_zones.count({d->camera, d->zone}))
        seen_[{d->camera, d->track_id}].push_back({d->entered_at - staff_window, e->observed_at + staff_window, 1});
}

bool staff_tracks::is_staff(const std::string& camera, std::int64_t track, core::utc_time at) const {
  const auto it = seen_.find({camera, track});
  if (it == seen_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const utc_interval& i) { return i.from <= at && at <= i.to; });
}

void take_out_signed_on_staff(const std::vector<shift>& shifts, std::vector<counted_crossing>& crossings,
                              core::utc_time until) {
  for (const auto& s : shifts) {
    if (s.basis != "sign-on") continue;
    for (const auto& i : s.on) {
      // The arrival: the last entry not yet taken in the window before the shift starts.
      for (auto c = crossings.rbegin(); c != crossings.rend(); ++c) {
        if (c->at > i.from || c->taken || !c->in) continue;
        if (c->at < i.from - staff_window) break;
        c->taken = true;
        --c->quarter->store.entries;
        --c->quarter->cameras[c->camera].entries;
        ++c->quarter->store.staff.sign_on;
        ++c->quarter->cameras[c->camera].staff.sign_on;
        break;
      }
      if (i.to >= until) continue;  // still on shift
      // The departure: the first exit not yet taken in the window after it ends.
      for (auto& c : crossings) {
        if (c.at < i.to || c.taken || c.in) continue;
        if (c.at > i.to + staff_window) break;
        c.taken = true;
        --c.quarter->store.exits;
        --c.quarter->cameras[c.camera].exits;
        break;
      }
    }
  }
}

}  // namespace kelu::analytics
