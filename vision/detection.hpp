#pragma once
#include "geometry.hpp"

namespace kelu::vision {

// One person found in one frame: the detector's box and its confidence in [0, 1].
struct detection {
  box bbox;
  double score = 1;
};

}  // namespace kelu::vision
