#include "pipeline.hpp"

#include <algorithm>

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
  if (out.detected) last_detections_ = detector_->detect(bgr);
  else detector_->observe_still(bgr);
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
