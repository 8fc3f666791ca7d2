// SPDX-License-Identifier: Apache-2.0
#pragma once
// Cuts a camera's running heat grid into closed tiles: one per local hour and one per local
// day of the store's time zone (so a +05:30 store's hours start at :30 UTC, and a day when
// the clocks change lasts 23 or 25 hours). Pure: the camera's vision thread calls it with
// each frame's time.
#include <string>
#include <vector>

#include "core/time_zone.hpp"
#include "core/traffic.hpp"
#include "vision/heat_grid.hpp"

namespace kelu::camera {

class heat_tiles {
 public:
  heat_tiles(std::string camera, core::time_zone zone);

  // The first frame: periods start from here (the hour and day in progress).
  void start(core::utc_time t, int frame_width, int frame_height, const vision::heat_grid& grid);
  // After a frame at `t`: the tiles that `t` closed, oldest first. A closed hour's cells
  // move from `grid` (cleared) into the day's running total.
  std::vector<core::heatmap_tile> advance(core::utc_time t, vision::heat_grid& grid);

 private:
  core::heatmap_tile tile(const std::vector<double>& cells, const char* period, core::utc_time from,
                          core::utc_time to, const vision::heat_grid& grid) const;
  std::pair<core::utc_time, core::utc_time> bounds(core::utc_time t, bool day) const;

  std::string camera_;
  core::time_zone zone_;
  int width_ = 0;
  int height_ = 0;
  std::vector<double> day_cells_;
  core::utc_time hour_start_{}, hour_end_{}, day_start_{}, day_end_{};
};

}  // namespace kelu::camera
