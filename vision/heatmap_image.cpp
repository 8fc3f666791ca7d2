// SPDX-License-Identifier: Apache-2.0
#include "heatmap_image.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace kelu::vision {

cv::Mat render_heatmap(const heat_grid& grid, const cv::Mat& background, cv::Size size) {
  cv::Mat canvas;
  if (!background.empty()) {
    // Greyed, so the colours read as data and not as part of the picture; at the frame's size,
    // so cells fall where people stood whatever resolution the snapshot was taken at.
    cv::Mat grey, sized;
    if (background.channels() == 3) cv::cvtColor(background, grey, cv::COLOR_BGR2GRAY);
    else grey = background;
    cv::resize(grey, sized, size.area() > 0 ? size : grey.size());
    cv::cvtColor(sized, canvas, cv::COLOR_GRAY2BGR);
  } else {
    canvas = cv::Mat(size, CV_8UC3, cv::Scalar(245, 245, 245));
    const double cw = size.width / static_cast<double>(grid.cols());
    const double ch = size.height / static_cast<double>(grid.rows());
    for (int c = 1; c < grid.cols(); ++c)
      cv::line(canvas, {static_cast<int>(c * cw), 0}, {static_cast<int>(c * cw), size.height}, {215, 215, 215});
    for (int r = 1; r < grid.rows(); ++r)
      cv::line(canvas, {0, static_cast<int>(r * ch)}, {size.width, static_cast<int>(r * ch)}, {215, 215, 215});
  }
  const auto& cells = grid.cells();
  const double peak = cells.empty() ? 0 : *std::max_element(cells.begin(), cells.end());
  if (peak <= 0) return canvas;

  cv::Mat level(grid.rows(), grid.cols(), CV_32F);
  for (int r = 0; r < grid.rows(); ++r)
    for (int c = 0; c < grid.cols(); ++c) {
      const double v = cells[static_cast<std::size_t>(r * grid.cols() + c)];
      level.at<float>(r, c) = static_cast<float>(std::log1p(v) / std::log1p(peak));
    }
  cv::Mat smooth;
  cv::resize(level, smooth, canvas.size(), 0, 0, cv::INTER_LINEAR);
  cv::Mat level8, colour;
  smooth.convertTo(level8, CV_8U, 255);
  cv::applyColorMap(level8, colour, cv::COLORMAP_TURBO);
  // Alpha follows the level: cold cells fade into the canvas instead of painting it blue.
  cv::Mat out = canvas.clone();
  for (int y = 0; y < out.rows; ++y) {
    auto* o = out.ptr<cv::Vec3b>(y);
    const auto* col = colour.ptr<cv::Vec3b>(y);
    const auto* lv = smooth.ptr<float>(y);
    for (int x = 0; x < out.cols; ++x) {
      const float a = std::min(1.f, 4 * lv[x]) * (0.35f + 0.5f * lv[x]);
      for (int k = 0; k < 3; ++k) o[x][k] = cv::saturate_cast<uchar>((1 - a) * o[x][k] + a * col[x][k]);
    }
  }
  return out;
}

core::status write_heatmap_png(const heat_grid& grid, const cv::Mat& background, cv::Size size,
                               const std::string& path) {
  const cv::Mat img = render_heatmap(grid, background, size);
  try {
    if (!cv::imwrite(path, img)) return core::error{path + ": cannot write the PNG"};
  } catch (const cv::Exception& e) {
    return core::error{path + ": " + e.what()};
  }
  return core::ok();
}

}  // namespace kelu::vision
