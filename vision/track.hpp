#pragma once
// What the tracker tells the counters about one processed frame. Counting, zones and heat
// maps are pure functions of a sequence of these, so they are tested from recorded files
// (track_file.hpp) without a camera or a detector.
#include <cstdint>
#include <vector>

#include "geometry.hpp"

namespace kelu::vision {

struct track_state {
  std::int64_t id = 0;
  box bbox;
  // Seen often enough to be a person, not a flicker: only confirmed tracks are counted.
  bool confirmed = true;
  // Matched to a detection in this frame. A coasting track (false) carries the tracker's
  // prediction, which counters ignore: a prediction across a line is a guess, not a crossing.
  bool observed = true;
};

struct track_frame {
  std::int64_t frame = 0;  // index in the stream, from 0
  double t_s = 0;          // seconds since the stream started (monotonic)
  std::vector<track_state> tracks;
};

}  // namespace kelu::vision
