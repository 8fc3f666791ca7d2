// SPDX-License-Identifier: Apache-2.0
#include "zone_counter.hpp"

#include <algorithm>

namespace kelu::vision {

zone_counter::zone_counter(std::vector<zone_definition> zones, zone_options options)
    : zones_(std::move(zones)), options_(options) {}

void zone_counter::close(std::size_t zi, std::int64_t id, track_memory& m, std::vector<zone_visit>& out) {
  auto& p = m.per_zone[zi];
  if (!p.inside) return;
  p.inside = false;
  if (!m.confirmed) return;
  // A staff-only zone's visits are reported: they tell analytics that this track's door
  // crossings were staff. Anywhere else a staff member's visits are dropped.
  if (m.staff && !zones_[zi].staff_only) {
    ++staff_dropped_;
    return;
  }
  const double dwell = p.last_inside_t_s - p.enter_t_s;
  out.push_back({zones_[zi].name, id, p.enter_t_s, p.last_inside_t_s, dwell, dwell >= options_.engaged_dwell_s});
}

std::vector<zone_visit> zone_counter::update(const track_frame& f) {
  std::vector<zone_visit> out;
  forget_ended_tracks(state_, f, [&](std::int64_t id, track_memory& m) {
    for (std::size_t zi = 0; zi < zones_.size(); ++zi) close(zi, id, m, out);
  });
  for (const auto& t : f.tracks) {
    auto [it, fresh] = state_.try_emplace(t.id);
    auto& m = it->second;
    if (fresh) {
      m.per_zone.resize(zones_.size());
      m.first_seen_s = f.t_s;
    }
    m.confirmed = t.confirmed;
    if (!t.observed) continue;
    const point foot = t.bbox.foot();
    if (f.t_s - m.first_seen_s > options_.staff_after_s) m.staff = true;
    for (std::size_t zi = 0; zi < zones_.size(); ++zi) {
      if (zones_[zi].staff_only && contains(zones_[zi].polygon, foot)) m.staff = true;
    }
    for (std::size_t zi = 0; zi < zones_.size(); ++zi) {
      auto& p = m.per_zone[zi];
      if (contains(zones_[zi].polygon, foot)) {
        if (!p.inside) {
          p.inside = true;
          p.enter_t_s = f.t_s;
        }
        p.last_inside_t_s = f.t_s;
      } else if (p.inside && f.t_s - p.last_inside_t_s >= options_.exit_grace_s) {
        close(zi, t.id, m, out);
      }
    }
  }
  return out;
}

std::vector<zone_visit> zone_counter::finish() {
  std::vector<zone_visit> out;
  for (auto& [id, m] : state_)
    for (std::size_t zi = 0; zi < zones_.size(); ++zi) close(zi, id, m, out);
  state_.clear();
  return out;
}

std::vector<int> zone_counter::occupancy() const {
  std::vector<int> n(zones_.size(), 0);
  for (const auto& [id, m] : state_) {
    if (!m.confirmed || m.staff) continue;
    for (std::size_t zi = 0; zi < zones_.size(); ++zi)
      if (m.per_zone[zi].inside) ++n[zi];
  }
  return n;
}

bool zone_counter::is_staff(std::int64_t track_id) const {
  const auto it = state_.find(track_id);
  return it != state_.end() && it->second.staff;
}

}  // namespace kelu::vision
