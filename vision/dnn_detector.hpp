// SPDX-License-Identifier: Apache-2.0
#pragma once
// A YOLO-family network through OpenCV's dnn module: Darknet (.cfg + .weights) or ONNX.
// The frame is letterboxed into the square input (aspect kept, grey padding), so people
// are not squashed; boxes are mapped back, filtered to the person class and thinned by NMS.
// Output layouts understood: Darknet's region/yolo rows [cx cy w h obj classes...] relative
// to the input, YOLOv5-style ONNX rows in input pixels, and YOLOv8-style [4+classes × N].
#include <opencv2/dnn.hpp>

#include "detector.hpp"

namespace kelu::vision {

class dnn_detector final : public detector {
 public:
  // Loads the network; check loaded() or use make_detector(), which reports why not.
  explicit dnn_detector(const detector_options& o);
  std::vector<detection> detect(const cv::Mat& bgr) override;
  const char* name() const override { return "dnn"; }
  const std::string& load_error() const { return load_error_; }

 private:
  void decode(const cv::Mat& out, double scale, double pad_x, double pad_y, std::vector<detection>& found) const;

  detector_options options_;
  cv::dnn::Net net_;
  std::vector<std::string> outputs_;
  std::string load_error_;
  cv::Mat letterboxed_, blob_;
};

}  // namespace kelu::vision
