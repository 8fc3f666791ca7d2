// SPDX-License-Identifier: Apache-2.0
#include "pipeline.hpp"

#include <algorithm>

#include <opencv2/imgproc.hpp>

namespace kelu::vision {
namespace {

tracker_options with_frame(tracker_options t, int w, int h, bool merges) {
  t.frame_width = w;
  t.frame_height = h;
  if (!merges) t.merge_containment = 0;  // one box per person: nothing to split, and a box that
                                         // holds two predictions is a size error, not two people
  return t;
}
line_counter_options with_frame(line_counter_options c, int w, int h) {
  c.frame_width = w;
  c.frame_height = h;
  return c;
}

// The torso's colours: the box's middle, away from the floor, the head and the edges where the
// background shows. Hue in 8 bins by saturation in 3 (greys say little about hue, so they share
// bins by saturation only in effect: their hue is noise spread evenly).
look describe(const cv::Mat& bgr, const box& b) {
  const cv::Rect torso = cv::Rect(static_cast<int>(b.x + 0.25 * b.w), static_cast<int>(b.y + 0.2 * b.h),
                                  static_cast<int>(0.5 * b.w), static_cast<int>(0.4 * b.h)) &
                         cv::Rect(0, 0, bgr.cols, bgr.rows);
  look l;
  if (torso.area() < 24) return l;
  cv::Mat hsv;
  cv::cvtColor(bgr(torso), hsv, cv::COLOR_BGR2HSV);
  float n = 0;
  for (int y = 0; y < hsv.rows; ++y) {
    const auto* px = hsv.ptr<cv::Vec3b>(y);
    for (int x = 0; x < hsv.cols; ++x) {
      const int hue = px[x][0] * look::hue_bins / 180;  // OpenCV's hue is 0..179
      const int sat = px[x][1] < 40 ? 0 : px[x][1] < 120 ? 1 : 2;
      l.share[static_cast<std::size_t>(sat * look::hue_bins + std::min(hue, look::hue_bins - 1))] += 1;
      n += 1;
    }
  }
  for (auto& v : l.share) v /= n;
  l.valid = true;
  return l;
}

}  // namespace

pipeline::pipeline(pipeline_options o, std::unique_ptr<detector> d, int frame_width, int frame_height)
    : options_(std::move(o)),
      detector_(std::move(d)),
      gate_(options_.gate),
      tracker_(with_frame(options_.tracking, frame_width, frame_height, detector_->merges_neighbours())),
      lines_(options_.lines, with_frame(options_.counting, frame_width, frame_height)),
      zones_(options_.zones, options_.zoning),
      heat_(options_.heat_cols, options_.heat_rows, frame_width, frame_height),
      frame_width_(frame_width),
      frame_height_(frame_height) {}

frame_outcome pipeline::set_geometry(std::vector<counting_line> lines, std::vector<zone_definition> zones) {
  frame_outcome out;
  out.crossings = lines_.finish();
  out.visits = zones_.finish();
  options_.lines = std::move(lines);
  options_.zones = std::move(zones);
  lines_ = line_counter(options_.lines, with_frame(options_.counting, frame_width_, frame_height_));
  zones_ = zone_counter(options_.zones, options_.zoning);
  return out;
}

frame_outcome pipeline::process(const cv::Mat& bgr, double t_s, std::int64_t frame) {
  using clock = std::chrono::steady_clock;
  frame_outcome out;
  const auto t0 = clock::now();
  out.detected = !options_.motion_gate || gate_.should_detect(bgr, t_s);
  const auto t1 = clock::now();
  // Nothing moved since the last detection, so what it found still stands: feeding the
  // tracker nothing would make still people coast and vanish.
  if (out.detected) {
    last_detections_ = detector_->detect(bgr);
    for (auto& d : last_detections_) d.look = describe(bgr, d.bbox);
  } else {
    detector_->observe_still(bgr);
  }
  const auto t2 = clock::now();
  out.tracks = tracker_.update(last_detections_, t_s);
  const track_frame tf{frame, t_s, out.tracks};
  out.crossings = lines_.update(tf);
  out.visits = zones_.update(tf);
  // Person-seconds: each observed, confirmed, non-staff person stood here since the last
  // frame (capped, so a stall in processing does not paint a hot spot).
  const double dt = last_t_s_ < 0 ? 0 : std::clamp(t_s - last_t_s_, 0.0, 1.0);
  last_t_s_ = t_s;
  for (const auto& t : out.tracks)
    if (t.confirmed && t.observed && !zones_.is_staff(t.id)) heat_.add(t.bbox.foot(), dt);
  const auto t3 = clock::now();
  ++stats_.frames;
  stats_.detected += out.detected ? 1 : 0;
  stats_.gate_time += t1 - t0;
  stats_.detect_time += t2 - t1;
  stats_.track_time += t3 - t2;
  return out;
}

frame_outcome pipeline::finish() {
  frame_outcome out;
  out.crossings = lines_.finish();
  out.visits = zones_.finish();
  tracker_.clear();
  last_detections_.clear();
  last_t_s_ = -1;
  return out;
}

}  // namespace kelu::vision
