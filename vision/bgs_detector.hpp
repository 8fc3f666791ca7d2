#pragma once
// Background subtraction for overhead and high door cameras: no model to ship, a few
// milliseconds a frame on an ARM core. MOG2 at a reduced resolution, shadows removed,
// morphology to join a person's parts, then blobs sized against the expected person:
// too small is noise, too wide is several people side by side and is split.
#include <opencv2/video/background_segm.hpp>

#include "detector.hpp"

namespace kelu::vision {

class bgs_detector final : public detector {
 public:
  explicit bgs_detector(const detector_options& o);
  std::vector<detection> detect(const cv::Mat& bgr) override;
  // Learns from one still frame in four: an empty shop still changes with the daylight,
  // and a model that stopped learning would see the first customer as a blur of history.
  void observe_still(const cv::Mat& bgr) override;
  const char* name() const override { return "bgs"; }
  bool merges_neighbours() const override { return true; }

 private:
  detector_options options_;
  cv::Ptr<cv::BackgroundSubtractorMOG2> model_;
  cv::Mat small_, mask_;
  cv::Mat kernel_open_, kernel_close_;
  int still_frames_ = 0;
  double frames_ = 0;  // every frame seen, learnt from or not

  void learn(const cv::Mat& bgr, double weight);
};

}  // namespace kelu::vision
