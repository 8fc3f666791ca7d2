// SPDX-License-Identifier: Apache-2.0
#pragma once
// The empty scene behind passers-by: per pixel, the median of frames spread over a stretch of
// footage. A person covers a spot for a moment of it, so the median is the floor. A background
// model started on a short clip alone takes the people in its first frames for the floor and
// sees nobody there; primed on this plate first, it starts as a camera that has run for hours.
// Pure function of its inputs; no threads.
#include <opencv2/core.hpp>

#include <vector>

namespace kelu::vision {

// `frames` must be non-empty, all of one size and type CV_8UC3 (as decoders deliver). Returns
// the per-channel, per-pixel median (the upper one for an even count).
cv::Mat empty_scene(const std::vector<cv::Mat>& frames);

}  // namespace kelu::vision
