// SPDX-License-Identifier: Apache-2.0
#pragma once
// OpenCV's built-in HOG + linear SVM people detector, for side views where people stand
// upright; slow (0.86 s a frame at 2× on one x86 core, docs/BENCHMARKS.md) but needs no
// model file.
#include <opencv2/objdetect.hpp>

#include "detector.hpp"

namespace kelu::vision {

class hog_detector final : public detector {
 public:
  explicit hog_detector(const detector_options& o);
  std::vector<detection> detect(const cv::Mat& bgr) override;
  const char* name() const override { return "hog"; }

 private:
  detector_options options_;
  cv::HOGDescriptor hog_;
  cv::Mat scaled_;
};

}  // namespace kelu::vision
