// SPDX-License-Identifier: Apache-2.0
#include "dnn_detector.hpp"

#include <algorithm>
#include <opencv2/imgproc.hpp>

namespace kelu::vision {

dnn_detector::dnn_detector(const detector_options& o) : options_(o) {
  try {
    if (o.model.size() == 2) {
      // Either order: the .cfg is the text file.
      const bool cfg_first = o.model[0].ends_with(".cfg");
      net_ = cv::dnn::readNetFromDarknet(cfg_first ? o.model[0] : o.model[1], cfg_first ? o.model[1] : o.model[0]);
    } else if (o.model.size() == 1) {
      net_ = cv::dnn::readNet(o.model[0]);
    } else {
      load_error_ = "dnn needs a model: a Darknet .cfg and .weights, or one .onnx file";
      return;
    }
    if (net_.empty()) {
      load_error_ = "the model loaded empty";
      return;
    }
    net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    outputs_ = net_.getUnconnectedOutLayersNames();
  } catch (const cv::Exception& e) {
    load_error_ = e.what();
    net_ = {};
  }
}

std::vector<detection> dnn_detector::detect(const cv::Mat& bgr) {
  if (net_.empty() || bgr.empty()) return {};
  const int side = options_.input_size;
  const double scale = std::min(side / static_cast<double>(bgr.cols), side / static_cast<double>(bgr.rows));
  const int w = std::max(1, static_cast<int>(bgr.cols * scale));
  const int h = std::max(1, static_cast<int>(bgr.rows * scale));
  const double pad_x = (side - w) / 2.0;
  const double pad_y = (side - h) / 2.0;
  letterboxed_.create(side, side, bgr.type());
  letterboxed_.setTo(cv::Scalar(114, 114, 114));
  cv::resize(bgr, letterboxed_(cv::Rect(static_cast<int>(pad_x), static_cast<int>(pad_y), w, h)), {w, h}, 0, 0,
             cv::INTER_LINEAR);
  cv::dnn::blobFromImage(letterboxed_, blob_, 1.0 / 255, {}, {}, true, false);
  net_.setInput(blob_);
  std::vector<cv::Mat> outs;
  net_.forward(outs, outputs_);
  std::vector<detection> found;
  for (const auto& out : outs) decode(out, scale, std::floor(pad_x), std::floor(pad_y), found);
  for (auto& d : found) {  // clip to the frame
    const double x0 = std::clamp(d.bbox.x, 0.0, static_cast<double>(bgr.cols));
    const double y0 = std::clamp(d.bbox.y, 0.0, static_cast<double>(bgr.rows));
    const double x1 = std::clamp(d.bbox.x + d.bbox.w, 0.0, static_cast<double>(bgr.cols));
    const double y1 = std::clamp(d.bbox.y + d.bbox.h, 0.0, static_cast<double>(bgr.rows));
    d.bbox = {x0, y0, x1 - x0, y1 - y0};
  }
  std::erase_if(found, [](const detection& d) { return d.bbox.w < 2 || d.bbox.h < 2; });
  return suppress_overlaps(std::move(found), options_.nms_threshold);
}

void dnn_detector::decode(const cv::Mat& raw, double scale, double pad_x, double pad_y,
                          std::vector<detection>& found) const {
  // Flatten to rows × attributes; YOLOv8 puts attributes first (4 + classes rows, N columns).
  cv::Mat m = raw.reshape(1, static_cast<int>(raw.total() / static_cast<std::size_t>(raw.size[raw.dims - 1])));
  bool has_objectness = true;
  if (raw.dims == 3 && raw.size[1] < raw.size[2] && raw.size[1] >= 5 && raw.size[1] <= 4 + 1000) {
    m = raw.reshape(1, raw.size[1]).t();
    has_objectness = false;
  }
  const int first_class = has_objectness ? 5 : 4;
  const int cls = first_class + options_.person_class;
  if (m.cols <= cls) return;
  cv::Mat rows;
  m.convertTo(rows, CV_64F);
  const double side = options_.input_size;
  for (int r = 0; r < rows.rows; ++r) {
    const double* v = rows.ptr<double>(r);
    const double obj = has_objectness ? v[4] : 1.0;
    const double score = obj * v[cls];
    if (score < options_.score_threshold) continue;
    // Darknet rows are fractions of the input; ONNX exports are in input pixels.
    const bool relative = v[2] <= 1.5 && v[3] <= 1.5;
    const double k = relative ? side : 1.0;
    const double cx = v[0] * k, cy = v[1] * k, bw = v[2] * k, bh = v[3] * k;
    found.push_back({{(cx - bw / 2 - pad_x) / scale, (cy - bh / 2 - pad_y) / scale, bw / scale, bh / scale}, score});
  }
}

}  // namespace kelu::vision
