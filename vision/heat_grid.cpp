// SPDX-License-Identifier: Apache-2.0
#include "heat_grid.hpp"

#include <algorithm>

namespace kelu::vision {

heat_grid::heat_grid(int cols, int rows, int frame_width, int frame_height)
    : cols_(std::max(1, cols)),
      rows_(std::max(1, rows)),
      cell_w_(std::max(1, frame_width) / static_cast<double>(cols_)),
      cell_h_(std::max(1, frame_height) / static_cast<double>(rows_)),
      cells_(static_cast<std::size_t>(cols_) * static_cast<std::size_t>(rows_), 0.0) {}

void heat_grid::add(point foot, double seconds) {
  if (!(seconds > 0) || foot.x < 0 || foot.y < 0) return;
  const auto c = static_cast<int>(foot.x / cell_w_);
  // A foot exactly on the bottom edge (a box touching it) still stands in the last row.
  const auto r = std::min(rows_ - 1, static_cast<int>(foot.y / cell_h_));
  if (c >= cols_ || foot.y > cell_h_ * rows_) return;
  cells_[static_cast<std::size_t>(r) * static_cast<std::size_t>(cols_) + static_cast<std::size_t>(c)] += seconds;
  total_ += seconds;
}

bool heat_grid::add_cells(const std::vector<double>& cells) {
  if (cells.size() != cells_.size()) return false;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (!(cells[i] > 0)) continue;
    cells_[i] += cells[i];
    total_ += cells[i];
  }
  return true;
}

void heat_grid::clear() {
  std::fill(cells_.begin(), cells_.end(), 0.0);
  total_ = 0;
}

}  // namespace kelu::vision
