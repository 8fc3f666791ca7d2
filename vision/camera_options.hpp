// SPDX-License-Identifier: Apache-2.0
#pragma once
// One camera's config (cameras[] element) as the pipeline and the detector take it, so the
// agent's camera threads and `kelu count --config` analyse a camera alike.
#include "config/config.hpp"
#include "detector.hpp"
#include "pipeline.hpp"

namespace kelu::vision {

pipeline_options pipeline_options_for(const config::camera_config& cam);
detector_options detector_options_for(const config::camera_config& cam);

}  // namespace kelu::vision
