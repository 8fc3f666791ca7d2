// SPDX-License-Identifier: Apache-2.0
#pragma once
// A camera's occupancy grid: person-seconds per cell, from foot points (where people stand,
// not where their heads are). Hourly and daily grids are two instances that the pipeline
// resets at the bucket boundary. Only these numbers leave vision/, never a frame.
#include <cstdint>
#include <vector>

#include "geometry.hpp"

namespace kelu::vision {

class heat_grid {
 public:
  // `cols` × `rows` cells over a frame of `frame_width` × `frame_height` pixels.
  heat_grid(int cols, int rows, int frame_width, int frame_height);

  // Adds `seconds` at the cell under `foot`; points outside the frame are ignored.
  void add(point foot, double seconds);
  // Adds row-major person-seconds cell by cell (heat carried over a restart); false, adding
  // nothing, when `cells` is not this grid's size.
  bool add_cells(const std::vector<double>& cells);
  void clear();

  int cols() const { return cols_; }
  int rows() const { return rows_; }
  // Row-major person-seconds.
  const std::vector<double>& cells() const { return cells_; }
  double total() const { return total_; }

 private:
  int cols_;
  int rows_;
  double cell_w_;
  double cell_h_;
  std::vector<double> cells_;
  double total_ = 0;
};

}  // namespace kelu::vision
