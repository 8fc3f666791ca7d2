// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "geometry.hpp"
#include "look.hpp"

namespace kelu::vision {

// One person found in one frame: the detector's box and its confidence in [0, 1].
struct detection {
  box bbox;
  double score = 1;
  vision::look look = {};  // filled by the pipeline from the frame; unknown in box files
};

}  // namespace kelu::vision
