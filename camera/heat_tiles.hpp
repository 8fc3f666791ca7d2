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

// The heat of the hour and the day in progress: what a restart carries on (heat_checkpoint.hpp).
struct heat_progress {
  core::utc_time hour_start{}, day_start{};
  int cols = 0, rows = 0;
  std::vector<double> hour_cells, day_cells;  // row-major person-seconds; the day's without the hour's
  bool operator==(const heat_progress&) const = default;
};

class heat_tiles {
 public:
  heat_tiles(std::string camera, core::time_zone zone);

  // The first frame: periods start from here (the hour and day in progress).
  void start(core::utc_time t, int frame_width, int frame_height, const vision::heat_grid& grid);
  // After a frame at `t`: the tiles that `t` closed, oldest first. A closed hour's cells
  // move from `grid` (cleared) into the day's running total.
  std::vector<core::heatmap_tile> advance(core::utc_time t, vision::heat_grid& grid);

  // The hour and day in progress with `grid`'s heat, for a checkpoint.
  heat_progress progress(const vision::heat_grid& grid) const;
  // Right after start(): carries on `saved`, the progress of an earlier run of this camera. Its
  // hour, if it is the current one, goes on in `grid`; an earlier hour of it closes now and is
  // returned as a tile (the store keeps one per camera, period and start, so a tile sent before
  // the restart stays as it was); the same for its day. Nothing is carried when the grid's shape
  // changed or `saved` is from after `start`'s time (a clock stepped back).
  std::vector<core::heatmap_tile> resume(const heat_progress& saved, vision::heat_grid& grid);

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
