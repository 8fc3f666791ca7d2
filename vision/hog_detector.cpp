// SPDX-License-Identifier: Apache-2.0
#include "hog_detector.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace kelu::vision {

hog_detector::hog_detector(const detector_options& o) : options_(o) {
  hog_.setSVMDetector(cv::HOGDescriptor::getDefaultPeopleDetector());
}

std::vector<detection> hog_detector::detect(const cv::Mat& bgr) {
  const double scale = std::clamp(options_.hog_scale, 0.25, 4.0);
  const cv::Mat* img = &bgr;
  if (scale != 1.0) {
    cv::resize(bgr, scaled_, {}, scale, scale, cv::INTER_LINEAR);
    img = &scaled_;
  }
  std::vector<cv::Rect> found;
  std::vector<double> weights;
  hog_.detectMultiScale(*img, found, weights, 0, {8, 8}, {}, 1.05, 2);
  std::vector<detection> out;
  for (std::size_t i = 0; i < found.size(); ++i) {
    // The default detector's window has a margin around the person: about a tenth of the height
    // above the head and below the feet, 1/4 of the width at each side.
    const cv::Rect& r = found[i];
    const double x = (r.x + 0.25 * r.width) / scale;
    const double y = (r.y + 0.1 * r.height) / scale;
    const double w = 0.5 * r.width / scale;
    const double h = 0.8 * r.height / scale;
    const double margin = i < weights.size() ? weights[i] : 1.0;
    out.push_back({{x, y, w, h}, std::clamp(0.5 + margin / 2, 0.0, 1.0)});
  }
  return suppress_overlaps(std::move(out), 0.5);
}

}  // namespace kelu::vision
