// SPDX-License-Identifier: Apache-2.0
#include "heat_tiles.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace kelu::camera {

heat_tiles::heat_tiles(std::string camera, core::time_zone zone) : camera_(std::move(camera)), zone_(std::move(zone)) {}

std::pair<core::utc_time, core::utc_time> heat_tiles::bounds(core::utc_time t, bool day) const {
  const auto local = zone_.to_local(t);
  const auto start = day ? core::local_time(std::chrono::floor<std::chrono::days>(local))
                         : core::local_time(std::chrono::floor<std::chrono::hours>(local));
  const auto next = day ? start + std::chrono::days(1) : start + std::chrono::hours(1);
  return {zone_.to_utc(start).utc, zone_.to_utc(next).utc};
}

void heat_tiles::start(core::utc_time t, int frame_width, int frame_height, const vision::heat_grid& grid) {
  width_ = frame_width;
  height_ = frame_height;
  day_cells_.assign(grid.cells().size(), 0.0);
  std::tie(hour_start_, hour_end_) = bounds(t, false);
  std::tie(day_start_, day_end_) = bounds(t, true);
}

core::heatmap_tile heat_tiles::tile(const std::vector<double>& cells, const char* period, core::utc_time from,
                                    core::utc_time to, const vision::heat_grid& grid) const {
  core::heatmap_tile t{camera_, period, from, to, grid.cols(), grid.rows(), width_, height_, {}};
  t.cells_ds.reserve(cells.size());
  for (double v : cells) t.cells_ds.push_back(std::llround(v * 10));
  return t;
}

std::vector<core::heatmap_tile> heat_tiles::advance(core::utc_time t, vision::heat_grid& grid) {
  std::vector<core::heatmap_tile> out;
  if (t < hour_end_) return out;
  // The heat since the last frame lands in the hour that just closed: at 10 fps that is a
  // tenth of a second misplaced at most, and after a gap none (the grid only grows with frames).
  out.push_back(tile(grid.cells(), "hour", hour_start_, hour_end_, grid));
  for (std::size_t i = 0; i < day_cells_.size() && i < grid.cells().size(); ++i) day_cells_[i] += grid.cells()[i];
  grid.clear();
  std::tie(hour_start_, hour_end_) = bounds(t, false);
  if (t >= day_end_) {
    out.push_back(tile(day_cells_, "day", day_start_, day_end_, grid));
    std::fill(day_cells_.begin(), day_cells_.end(), 0.0);
    std::tie(day_start_, day_end_) = bounds(t, true);
  }
  return out;
}

heat_progress heat_tiles::progress(const vision::heat_grid& grid) const {
  return {hour_start_, day_start_, grid.cols(), grid.rows(), grid.cells(), day_cells_};
}

std::vector<core::heatmap_tile> heat_tiles::resume(const heat_progress& saved, vision::heat_grid& grid) {
  std::vector<core::heatmap_tile> out;
  const auto size = grid.cells().size();
  if (saved.cols != grid.cols() || saved.rows != grid.rows() || saved.hour_cells.size() != size ||
      saved.day_cells.size() != size || saved.hour_start > hour_start_ || saved.day_start > day_start_)
    return out;
  auto day = saved.day_cells;
  if (saved.hour_start == hour_start_) {
    grid.add_cells(saved.hour_cells);
  } else {
    out.push_back(tile(saved.hour_cells, "hour", saved.hour_start, bounds(saved.hour_start, false).second, grid));
    for (std::size_t i = 0; i < size; ++i) day[i] += saved.hour_cells[i];
  }
  if (saved.day_start == day_start_) {
    for (std::size_t i = 0; i < size; ++i) day_cells_[i] += day[i];
  } else {
    out.push_back(tile(day, "day", saved.day_start, bounds(saved.day_start, true).second, grid));
  }
  return out;
}

}  // namespace kelu::camera
