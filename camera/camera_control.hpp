// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the technician page does with a running camera (camera_source implements it): take a
// snapshot, set new lines and zones without a restart, watch the counts they give, and record
// a short clip for an accuracy audit.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "config/config.hpp"

namespace kelu::camera {

struct live_counts {
  std::string camera;
  int frame_width = 0;  // 0 before the first frame
  int frame_height = 0;
  std::int64_t tracks = 0;  // people followed in the last analysed frame
  struct line {
    std::string name;
    std::int64_t in = 0;
    std::int64_t out = 0;
  };
  std::vector<line> lines;  // crossings since the lines were last set (or the camera started)
  struct zone {
    std::string name;
    int people = 0;  // in it now, staff excluded
  };
  std::vector<zone> zones;
  std::chrono::steady_clock::time_point since{};
  // The heat grid of the hour in progress (person-seconds per cell, row-major), which the closed
  // hours' heatmap.tile events do not have yet.
  int heat_cols = 0;
  int heat_rows = 0;
  std::vector<double> heat_s;
};

// A clip recorded for an accuracy audit (docs/dashboard.md, "Accuracy audit"): the analysed
// frames as JPEGs back to back in one file, each with where it is and when it was captured.
struct clip_frame {
  std::int64_t offset = 0;
  std::int64_t size = 0;
  core::utc_time at{};
};
struct clip {
  std::string path;
  int width = 0;
  int height = 0;
  std::vector<clip_frame> frames;
};

// A crossing on a line at a time: one the technician tapped during an audit, or one a detector
// counted when the clip was recounted.
struct audit_crossing {
  std::string line;
  bool in = true;
  core::utc_time at{};
};

class camera_control {
 public:
  virtual ~camera_control() = default;
  virtual const std::string& camera_id() const = 0;
  // The next analysed frame as a JPEG, to `done` on the io_context thread. Nothing is kept: the
  // frame is encoded for this one answer. An offline camera answers at once with why.
  virtual void snapshot(std::function<void(core::result<std::string>)> done) = 0;
  // From the next analysed frame on (the io_context thread calls; the vision thread applies).
  virtual void set_geometry(std::vector<config::camera_line_config> lines,
                            std::vector<config::camera_zone_config> zones) = 0;
  // Any thread.
  virtual live_counts counts() const = 0;
  // Writes the analysed frames of the next `length` to `path` (created, owner-only), keeps on
  // analysing a moment longer so crossings at the clip's end are counted, then answers on the
  // io_context thread. An offline camera answers at once; one that goes offline or stops while
  // recording answers with why. The caller owns (and deletes) the file either way.
  virtual void record(std::chrono::seconds length, std::string path, std::function<void(core::result<clip>)> done) = 0;
};

}  // namespace kelu::camera
