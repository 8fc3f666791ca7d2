// SPDX-License-Identifier: Apache-2.0
#pragma once
// Finds people in a frame. One instance per camera, called from that camera's vision thread
// only (detectors keep state: a background model, a network's buffers). The frame is BGR,
// at the camera's resolution; boxes come back in the same pixel coordinates.
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/result.hpp"
#include "detection.hpp"

namespace kelu::vision {

class detector {
 public:
  virtual ~detector() = default;
  virtual std::vector<detection> detect(const cv::Mat& bgr) = 0;
  // A frame the motion gate judged still, so detect() is not called: a detector that models
  // the scene (background subtraction) still learns from it, cheaply; others ignore it.
  virtual void observe_still(const cv::Mat& /*bgr*/) {}
  virtual const char* name() const = 0;
  // Whether people close together come out as one detection (a foreground blob) rather than one
  // box each (a network, HOG): the tracker then splits such detections along its predictions.
  virtual bool merges_neighbours() const { return false; }
};

struct detector_options {
  std::string kind = "bgs";  // bgs | hog | dnn
  // bgs: the size of one person in full-frame pixels, to drop small blobs and to split a
  // blob of several people walking side by side; 0 means 15 % of the frame height (and
  // 40 % of that for the width), typical of a door camera mounted at 3 m.
  double person_height_px = 0;
  double person_width_px = 0;
  double bgs_scale = 0.5;  // the background model runs at this fraction of the resolution
  // hog: people smaller than 128 px tall need the frame enlarged first.
  double hog_scale = 2.0;
  // dnn: a Darknet .cfg + .weights pair or a single .onnx file.
  std::vector<std::string> model;
  int input_size = 320;
  int person_class = 0;
  double score_threshold = 0.25;  // low enough for the tracker's second pass
  double nms_threshold = 0.45;
};

// An error names what is wrong (unknown kind, a model that does not load, and why).
core::result<std::unique_ptr<detector>> make_detector(const detector_options& o);

// Non-maximum suppression of overlapping boxes (greedy by score), for detectors that
// report one person several times.
std::vector<detection> suppress_overlaps(std::vector<detection> in, double max_iou);

}  // namespace kelu::vision
