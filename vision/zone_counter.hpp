// SPDX-License-Identifier: Apache-2.0
#pragma once
// Polygon zones: who entered, how long they stayed (dwell), how many are inside now, and
// which tracks are staff. A pure function of the tracks of each frame, like line_counter.
//
// Rules:
// - a track is inside a zone while its observed foot point is inside the polygon; it has
//   left once it has been seen outside for `exit_grace_s` (a person brushing the edge is one
//   visit, not several), or when the track ends; dwell runs from the first to the last
//   inside observation;
// - a visit is engaged when its dwell is at least `engaged_dwell_s`;
// - staff are excluded: a track seen in a staff-only zone (behind the counter, the stock
//   room door), or followed for longer than `staff_after_s`, is staff from then on, and its
//   open and future visits are dropped (counted in staff_visits_dropped()); its visits to
//   staff-only zones themselves are reported, so that analytics can take the same track's door
//   crossings out of the visitors (kelu::analytics, staff_crossings.hpp);
// - only confirmed tracks make visits and occupancy.
// Not thread-safe: one instance per camera, fed in frame order.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "track.hpp"

namespace kelu::vision {

struct zone_definition {
  std::string name;
  std::vector<point> polygon;
  bool staff_only = false;
  bool operator==(const zone_definition&) const = default;
};

struct zone_options {
  double engaged_dwell_s = 30;
  double exit_grace_s = 1.5;
  double staff_after_s = 4 * 3600;
};

struct zone_visit {
  std::string zone;
  std::int64_t track_id = 0;
  double enter_t_s = 0;
  double exit_t_s = 0;
  double dwell_s = 0;
  bool engaged = false;
};

class zone_counter {
 public:
  zone_counter(std::vector<zone_definition> zones, zone_options options);

  // Visits that frame `f` closed.
  std::vector<zone_visit> update(const track_frame& f);
  // Closes every open visit (the stream stopped).
  std::vector<zone_visit> finish();

  const std::vector<zone_definition>& zones() const { return zones_; }
  // Confirmed, non-staff tracks inside each zone now, in the order of zones().
  std::vector<int> occupancy() const;
  bool is_staff(std::int64_t track_id) const;
  std::int64_t staff_visits_dropped() const { return staff_dropped_; }

 private:
  struct presence {
    bool inside = false;
    double enter_t_s = 0;
    double last_inside_t_s = 0;
  };
  struct track_memory {
    std::vector<presence> per_zone;
    bool confirmed = false;
    bool staff = false;
    double first_seen_s = 0;
  };

  void close(std::size_t zi, std::int64_t id, track_memory& m, std::vector<zone_visit>& out);

  std::vector<zone_definition> zones_;
  zone_options options_;
  std::map<std::int64_t, track_memory> state_;
  std::int64_t staff_dropped_ = 0;
};

}  // namespace kelu::vision
