// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the tracker tells the counters about one processed frame. Counting, zones and heat
// maps are pure functions of a sequence of these, so they are tested from recorded files
// (track_file.hpp) without a camera or a detector.
#include <algorithm>
#include <cstdint>
#include <map>
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

// For counters that remember tracks: calls on_end(id, memory) for every remembered track
// missing from `f` (the tracker reports coasting tracks, so only an ended one is missing),
// then forgets it.
template <class Memory, class OnEnd>
void forget_ended_tracks(std::map<std::int64_t, Memory>& state, const track_frame& f, OnEnd&& on_end) {
  std::vector<std::int64_t> present;
  present.reserve(f.tracks.size());
  for (const auto& t : f.tracks) present.push_back(t.id);
  std::sort(present.begin(), present.end());
  for (auto it = state.begin(); it != state.end();) {
    if (std::binary_search(present.begin(), present.end(), it->first)) {
      ++it;
      continue;
    }
    on_end(it->first, it->second);
    it = state.erase(it);
  }
}

}  // namespace kelu::vision
