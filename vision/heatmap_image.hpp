// SPDX-License-Identifier: Apache-2.0
#pragma once
// Renders a heat grid to an image: person-seconds through a colour map, over either a
// plain grid or a background the technician approved (a calibration snapshot they chose to
// keep). Cells nobody stood in stay see-through. Log-scaled, so a till queue does not
// wash out the rest of the shop.
#include <string>

#include <opencv2/core.hpp>

#include "core/result.hpp"
#include "heat_grid.hpp"

namespace kelu::vision {

// `background` may be empty (a plain grid of `size` is drawn); otherwise it is scaled to `size`.
cv::Mat render_heatmap(const heat_grid& grid, const cv::Mat& background, cv::Size size);
core::status write_heatmap_png(const heat_grid& grid, const cv::Mat& background, cv::Size size,
                               const std::string& path);

}  // namespace kelu::vision
