#include "motion_gate.hpp"

#include <opencv2/imgproc.hpp>

namespace kelu::vision {

bool motion_gate::should_detect(const cv::Mat& bgr, double t_s) {
  const double k = options_.thumbnail_width / static_cast<double>(std::max(1, bgr.cols));
  cv::Mat small;
  cv::resize(bgr, small, {}, k, k, cv::INTER_AREA);
  cv::cvtColor(small, thumb_, cv::COLOR_BGR2GRAY);
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
