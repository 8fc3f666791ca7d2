// SPDX-License-Identifier: Apache-2.0
#pragma once
// What a person looks like, coarsely: a colour histogram of their torso (hue by saturation), to
// tell them from someone else when they are found again after being lost behind something.
// Plain values; the pipeline computes them from the frame (OpenCV), the tracker compares them.
#include <array>
#include <cmath>

namespace kelu::vision {

struct look {
  static constexpr int hue_bins = 8;
  static constexpr int saturation_bins = 3;  // greys, muted, vivid
  std::array<float, hue_bins * saturation_bins> share{};  // sums to 1 when valid
  bool valid = false;
};

// Bhattacharyya coefficient: 1 for the same colours in the same shares, 0 for nothing in common;
// 0 when either is unknown.
inline double similarity(const look& a, const look& b) {
  if (!a.valid || !b.valid) return 0;
  double s = 0;
  for (std::size_t i = 0; i < a.share.size(); ++i) s += std::sqrt(static_cast<double>(a.share[i]) * static_cast<double>(b.share[i]));
  return s;
}

// A running blend: a person turning or passing under a light changes a little from frame to frame.
inline look blend(const look& kept, const look& seen, float weight_seen) {
  if (!seen.valid) return kept;
  if (!kept.valid) return seen;
  look out;
  out.valid = true;
  for (std::size_t i = 0; i < out.share.size(); ++i)
    out.share[i] = (1 - weight_seen) * kept.share[i] + weight_seen * seen.share[i];
  return out;
}

}  // namespace kelu::vision
