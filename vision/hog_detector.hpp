#pragma once
// OpenCV's built-in HOG + linear SVM people detector, for side views where people stand
// upright; slow (a quarter second a frame at 2× on x86) but needs no model file.
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
