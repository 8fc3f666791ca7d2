// SPDX-License-Identifier: Apache-2.0
#pragma once
// Background subtraction for overhead and high door cameras: no model to ship, a few
// milliseconds a frame on an ARM core. MOG2 at a reduced resolution, shadows removed,
// morphology to join a person's parts, then blobs sized against the expected person:
// too small is noise, too wide is several people side by side and is split.
//
// How wide one person is depends on the view: upright in an oblique view (0.4 of their
// height), about as wide as long from above. Unless the camera's person width is set, the
// detector learns it from the blobs it sees (the 30th percentile of width ÷ height over the
// last 256: most blobs are one person, pairs and fragments are wider), and splits nothing
// until it has seen 30, so an overhead camera never cuts one person into two while learning.
// Not thread-safe: one instance per camera.
#include <opencv2/video/background_segm.hpp>

#include <array>

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
  std::array<float, 256> aspects_{};  // width ÷ height of recent blobs, a ring
  std::size_t aspects_seen_ = 0;

  void learn(const cv::Mat& bgr, double weight);
  // One person's width ÷ height in this view: set, or learnt (above); 0 while still learning.
  double person_aspect() const;
  // How many people side by side a blob w × h holds, by the person's aspect (0: unknown, one).
  int people_across(double w, double h, double aspect, double person_h) const;
};

}  // namespace kelu::vision
