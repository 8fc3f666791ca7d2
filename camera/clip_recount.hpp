// SPDX-License-Identifier: Apache-2.0
#pragma once
// An audit clip counted again from a fresh start with a given detector, so the technician sees,
// on this camera's own footage and against their own taps, which detector counts it best: the
// detector per camera chosen from measured accuracy rather than habit (docs/dashboard.md,
// "Accuracy audit"). The detector is first primed for 5 s on the empty scene (each pixel's median
// over frames spread across the clip: a background model must learn the floor, as the live one did
// over the hours before), then counts the clip on the camera's lines at the frames' own capture
// times.
//
// Reads the clip's file; CPU-bound (a detector pass per frame): call it off the io_context
// thread. In the camera module; the agent reaches it through clip_recounter() (agent/camera_module.hpp).
#include <atomic>
#include <string>
#include <vector>

#include "camera/camera_control.hpp"
#include "core/result.hpp"
#include "config/config.hpp"

namespace kelu::camera {

// The crossings `detector` ("bgs", "dnn", "hog") counts over `recorded`, on `cam`'s lines
// (`lines`: as they were drawn when it was recorded). Errors: the clip file cannot be read, a frame is
// not a JPEG (naming its index), the detector cannot be made (dnn without a model), `cancelled`
// was set (checked at every frame).
core::result<std::vector<audit_crossing>> recount_clip(const clip& recorded, const config::camera_config& cam,
                                                        const std::vector<config::camera_line_config>& lines,
                                                        const std::string& detector, const std::atomic<bool>& cancelled);

}  // namespace kelu::camera
