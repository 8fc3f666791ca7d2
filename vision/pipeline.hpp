// SPDX-License-Identifier: Apache-2.0
#pragma once
// One camera's vision: motion gate → detector → tracker → lines, zones, heat grid. Frames
// go in, events come out; the frame never leaves. Used by the live camera thread and by
// `kelu count` on a recorded file, so both count alike. Not thread-safe: one per camera.
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <opencv2/core.hpp>

#include "detector.hpp"
#include "heat_grid.hpp"
#include "line_counter.hpp"
#include "motion_gate.hpp"
#include "tracker.hpp"
#include "zone_counter.hpp"

namespace kelu::vision {

struct pipeline_options {
  std::vector<counting_line> lines;
  std::vector<zone_definition> zones;
  tracker_options tracking;
  line_counter_options counting;  // frame size is filled in from the frames
  zone_options zoning;
  bool motion_gate = true;
  motion_gate_options gate;
  int heat_cols = 32;
  int heat_rows = 24;
};

struct frame_outcome {
  std::vector<line_crossing> crossings;
  std::vector<zone_visit> visits;
  std::vector<track_state> tracks;
  bool detected = false;  // false when the motion gate skipped the detector
};

struct pipeline_stats {
  std::int64_t frames = 0;
  std::int64_t detected = 0;  // frames the detector ran on
  std::chrono::nanoseconds gate_time{0};
  std::chrono::nanoseconds detect_time{0};
  std::chrono::nanoseconds track_time{0};  // tracker, lines, zones and heat grid
};

class pipeline {
 public:
  pipeline(pipeline_options o, std::unique_ptr<detector> d, int frame_width, int frame_height);

  // t_s: monotonic seconds of the frame (the capture time, or frame / fps for a file).
  frame_outcome process(const cv::Mat& bgr, double t_s, std::int64_t frame);
  // The stream ended or stopped for a while: settle every track's crossings, close open
  // visits and forget the tracks (new ones get new ids). The pipeline stays usable.
  frame_outcome finish();

  // New lines and zones (a technician saved them) from the next frame on. What the old ones
  // held settles now, as in finish(); the tracks go on, so people in view keep their ids, but
  // a person counts on a new line only once seen on both of its sides, and staff found by
  // staff-only zones are found again.
  frame_outcome set_geometry(std::vector<counting_line> lines, std::vector<zone_definition> zones);

  const line_counter& lines() const { return lines_; }
  const zone_counter& zones() const { return zones_; }
  const heat_grid& heat() const { return heat_; }
  heat_grid& heat() { return heat_; }
  const pipeline_stats& stats() const { return stats_; }

 private:
  pipeline_options options_;
  std::unique_ptr<detector> detector_;
  motion_gate gate_;
  tracker tracker_;
  line_counter lines_;
  zone_counter zones_;
  heat_grid heat_;
  std::vector<detection> last_detections_;
  double last_t_s_ = -1;
  pipeline_stats stats_;
  int frame_width_;
  int frame_height_;
};

}  // namespace kelu::vision
