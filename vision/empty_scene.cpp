// SPDX-License-Identifier: Apache-2.0
#include "empty_scene.hpp"

#include <algorithm>
#include <cstdint>

namespace kelu::vision {

cv::Mat empty_scene(const std::vector<cv::Mat>& frames) {
  const auto& first = frames.front();
  cv::Mat plate(first.rows, first.cols, CV_8UC3);
  std::vector<std::uint8_t> values(frames.size());
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  const int row_bytes = first.cols * 3;
  for (int y = 0; y < first.rows; ++y) {
    auto* out = plate.ptr<std::uint8_t>(y);
    for (int x = 0; x < row_bytes; ++x) {
      for (std::size_t k = 0; k < frames.size(); ++k) values[k] = frames[k].ptr<std::uint8_t>(y)[x];
      std::nth_element(values.begin(), middle, values.end());
      out[x] = *middle;
    }
  }
  return plate;
}

}  // namespace kelu::vision
