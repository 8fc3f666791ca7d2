// SPDX-License-Identifier: Apache-2.0
#include "motion_gate.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace kelu::vision {

bool motion_gate::should_detect(const cv::Mat& bgr, double t_s) {
  // Bilinear, not area averaging: at a non-integer ratio INTER_AREA costs more than decoding
  // the frame (1.5 ms against 1.0 ms at 768×576), bilinear 0.07 ms. The reference is made the
  // same way, so the sampling is the same on both sides of the comparison.
  const int w = std::max(1, std::min(options_.thumbnail_width, bgr.cols));
  const int h = std::max(1, static_cast<int>(std::lround(static_cast<double>(bgr.rows) * w / std::max(1, bgr.cols))));
  cv::resize(bgr, small_, {w, h}, 0, 0, cv::INTER_LINEAR);
  cv::cvtColor(small_, thumb_, cv::COLOR_BGR2GRAY);
  if (reference_.empty() || reference_.size() != thumb_.size() || t_s - reference_t_s_ >= options_.max_still_s) {
    last_fraction_ = 1;
  } else {
    cv::absdiff(thumb_, reference_, diff_);
    const int changed = cv::countNonZero(diff_ > options_.pixel_threshold);
    last_fraction_ = changed / static_cast<double>(diff_.total());
    if (last_fraction_ < options_.changed_fraction) return false;
  }
  thumb_.copyTo(reference_);
  reference_t_s_ = t_s;
  return true;
}

}  // namespace kelu::vision
