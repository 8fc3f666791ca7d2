// SPDX-License-Identifier: Apache-2.0
#pragma once
// The agent's door to the camera module (camera/module_api.hpp, docs/ARCHITECTURE.md, Camera
// module). The module is loaded the first time a camera is needed (a config with cameras, an
// audit recount, `kelu doctor` on a camera, `kelu count`) and never unloaded; until then the
// process maps no OpenCV library. Where it is looked for, in order: /usr/lib/kelu beside an
// installed /usr/bin/kelu (<executable's directory>/../lib/kelu/kelu-camera.so), then the
// executable's own directory (the build tree). No environment variable moves it: what a
// root-installed service loads is fixed by where its binary is.
//
// Without the module (a build without vision, or the file missing) a config with cameras is
// refused at start naming the key, rather than silently counting nobody.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <memory>

#include "agent/detector_comparison.hpp"
#include "camera/module_api.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/event_ingest.hpp"
#include "core/result.hpp"
#include "core/time_zone.hpp"
#include "drivers/named_source.hpp"

namespace spdlog {
class logger;
}

namespace kelu {

// The module's table, loading it if this process has not yet. Errors: not found (naming every
// path tried), not loadable (dlerror's reason), no entry point, or a module of another kelu
// version. Any thread.
core::result<const camera::module_api*> load_camera_module();

// One source per cameras[] entry (module_api::make_sources). No cameras: none, and the module is
// not loaded. Errors name the `cameras` key.
core::result<drivers::named_sources> make_camera_sources(boost::asio::any_io_executor ex, core::event_ingest& ingest,
                                                         const core::clock& clock, const config::config& c,
                                                         const core::time_zone& store_zone,
                                                         std::shared_ptr<spdlog::logger> log);

// What recounts an audit clip with another detector (camera/clip_recount.hpp); loads the module
// at the first recount, and answers each recount with why when it cannot.
recounter clip_recounter();

// `kelu doctor`: module_api::probe, or why the module cannot be loaded.
core::result<camera::stream_probe> probe_camera(const config::camera_config& cam, std::chrono::milliseconds within);

}  // namespace kelu
