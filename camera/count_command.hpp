// SPDX-License-Identifier: Apache-2.0
#pragma once
// `kelu count`: runs one camera's pipeline on a recorded video as fast as it can and prints
// the crossings per line. Technicians check a door line with it before going live, and the
// accuracy harness (bench/vision_accuracy) scores the detectors with it.
#include <iosfwd>
#include <string>
#include <vector>

namespace kelu::camera {

struct count_options {
  std::string video;
  std::string config_path;         // take lines, zones and detector from a camera in this config
  std::string camera_id;           // which camera (default: the first)
  std::vector<std::string> lines;  // NAME=x1,y1,x2,y2; replaces a config line of the same name
  std::string detector;            // bgs | hog | dnn; empty: the config's, else bgs
  std::vector<std::string> model;  // dnn: .cfg and .weights, or .onnx
  std::string heatmap;             // PNG to write
  std::string background;          // image under the heat map (a snapshot the technician approved)
  bool json = false;
  double process_fps = 0;          // 0: every frame; else skip frames down to this rate
  long long max_frames = 0;        // 0: the whole file
  double person_height_px = 0;     // bgs: 0 means 15 % of the frame height
  bool motion_gate = true;
  std::string tracks_out;          // optional: write frame,id,x,y,w,h of confirmed tracks
  // With --config: store the recording's crossings and zone visits in the config's database
  // as if the camera had seen them from this time on (ISO 8601; without a zone, the store's).
  std::string store_at;
};

// Exit code 0 on success, 2 for bad options or an unreadable video/model (message on err).
// --store-at backfills a recorded day (an NVR export) into the funnel: events from source
// "recording-{camera}" in the backlog lane, and the recording's span in the run log so the
// analytics know those minutes were seen. A second run over the same span is refused.
int run_count(const count_options& o, std::ostream& out, std::ostream& err);

}  // namespace kelu::camera
