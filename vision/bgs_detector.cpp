// SPDX-License-Identifier: Apache-2.0
#include "bgs_detector.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace kelu::vision {
namespace {

constexpr int history = 500;
constexpr int still_stride = 4;
constexpr std::size_t aspects_to_learn = 30;
}  // namespace

bgs_detector::bgs_detector(const detector_options& o)
    : options_(o), model_(cv::createBackgroundSubtractorMOG2(history, 16, true)) {
  // Rectangles, not ellipses: OpenCV separates them into row and column passes (a third of
  // the cost here) and a person's outline is roughly a box anyway.
  kernel_open_ = cv::getStructuringElement(cv::MORPH_RECT, {3, 3});
  kernel_close_ = cv::getStructuringElement(cv::MORPH_RECT, {7, 11});
}

// MOG2's own automatic rate (1 / frames seen, down to 1 / history) counts only the frames it
// is given; the gate hides most still frames from it, so the rate is set here from every
// frame, and a still frame learnt in place of `still_stride` weighs as much as they would.
void bgs_detector::learn(const cv::Mat& bgr, double weight) {
  const double scale = std::clamp(options_.bgs_scale, 0.1, 1.0);
  cv::resize(bgr, small_, {}, scale, scale, cv::INTER_AREA);
  model_->apply(small_, mask_, std::min(1.0, weight / std::min(frames_, static_cast<double>(history))));
}

void bgs_detector::observe_still(const cv::Mat& bgr) {
  frames_ += 1;
  if (still_frames_++ % still_stride == 0) learn(bgr, still_stride);
}

double bgs_detector::person_aspect() const {
  if (options_.person_width_px > 0 && options_.person_height_px > 0)
    return options_.person_width_px / options_.person_height_px;
  if (aspects_seen_ < aspects_to_learn) return 0;
  std::array<float, 256> recent = aspects_;
  const auto n = static_cast<std::ptrdiff_t>(std::min(aspects_seen_, recent.size()));
  const auto at = recent.begin() + n * 3 / 10;
  std::nth_element(recent.begin(), at, recent.begin() + n);
  return *at;
}

// The blob's own height sets the scale (people far from an oblique camera are smaller), but no
// lower than 60 % of a person's: a blob cut short (legs faded into the floor) is not a pair.
// A set person size is the scale, as the technician measured it.
int bgs_detector::people_across(double w, double h, double aspect, double person_h) const {
  const double one = options_.person_width_px > 0 ? options_.person_width_px : aspect * std::max(h, 0.6 * person_h);
  if (one <= 0) return 1;  // still learning the view
  return std::max(1, static_cast<int>(std::lround(w / (1.3 * one))));
}

std::vector<detection> bgs_detector::detect(const cv::Mat& bgr) {
  frames_ += 1;
  still_frames_ = 0;
  learn(bgr, 1);
  const double scale = std::clamp(options_.bgs_scale, 0.1, 1.0);
  // MOG2 marks shadows 127 and foreground 255: a shadow on the floor is not a person.
  cv::threshold(mask_, mask_, 200, 255, cv::THRESH_BINARY);
  cv::morphologyEx(mask_, mask_, cv::MORPH_OPEN, kernel_open_);
  cv::morphologyEx(mask_, mask_, cv::MORPH_CLOSE, kernel_close_);

  const double person_h = options_.person_height_px > 0 ? options_.person_height_px : 0.15 * bgr.rows;
  const double person_w = options_.person_width_px > 0 ? options_.person_width_px : 0.4 * person_h;
  const double aspect = person_aspect();
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(mask_, labels, stats, centroids, 8, CV_32S);
  std::vector<detection> out;
  for (int i = 1; i < n; ++i) {
    const double x = stats.at<int>(i, cv::CC_STAT_LEFT) / scale;
    const double y = stats.at<int>(i, cv::CC_STAT_TOP) / scale;
    const double w = stats.at<int>(i, cv::CC_STAT_WIDTH) / scale;
    const double h = stats.at<int>(i, cv::CC_STAT_HEIGHT) / scale;
    const double area = stats.at<int>(i, cv::CC_STAT_AREA) / (scale * scale);
    // Less than a fifth of a person's silhouette is a bag, a cart wheel, a flicker.
    if (area < 0.2 * person_w * person_h * 0.6 || h < 0.35 * person_h) continue;
    const double fill = std::min(1.0, area / (w * h));
    const int parts = people_across(w, h, aspect, person_h);
    aspects_[aspects_seen_++ % aspects_.size()] = static_cast<float>(w / h);
    for (int k = 0; k < parts; ++k) {
      const double pw = w / parts;
      out.push_back({{x + k * pw, y, pw, h}, std::clamp(0.5 + fill / 2, 0.0, 1.0)});
    }
  }
  return out;
}

}  // namespace kelu::vision
