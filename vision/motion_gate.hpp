// SPDX-License-Identifier: Apache-2.0
#pragma once
// Skips detection on still frames: a shop at night or an empty aisle costs almost nothing.
// The frame is compared, on a small grey thumbnail, with the frame of the last detection
// (not the previous frame, so slow movement still adds up); detection runs when enough
// pixels changed, and at least every `max_still_s` so slow light changes are caught up.
#include <opencv2/core.hpp>

namespace kelu::vision {

struct motion_gate_options {
  double changed_fraction = 0.0005;  // of the thumbnail's pixels: ten pixels of 160×120
  int pixel_threshold = 12;          // grey levels a pixel must change by
  double max_still_s = 2.0;
  int thumbnail_width = 160;
};

class motion_gate {
 public:
  explicit motion_gate(motion_gate_options o = {}) : options_(o) {}
  // True when the detector should run on this frame; t_s is monotonic seconds.
  bool should_detect(const cv::Mat& bgr, double t_s);
  double last_changed_fraction() const { return last_fraction_; }

 private:
  motion_gate_options options_;
  cv::Mat reference_, small_, thumb_, diff_;
  double reference_t_s_ = 0;
  double last_fraction_ = 0;
};

}  // namespace kelu::vision
