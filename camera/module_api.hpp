// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the agent calls in the camera module, kelu-camera.so: the one part of kelu that maps
// OpenCV (docs/ARCHITECTURE.md, Camera module). The agent loads it (agent/camera_module.hpp)
// only when it needs a camera, so a box without cameras never maps OpenCV's 250 libraries.
//
// Agent and module come from one build and one package, so C++ types cross the boundary as
// they are. `version` is the build's kelu::version: an agent refuses a module of another
// version (a package half replaced, a module copied by hand) rather than call into a
// different layout. The table is static in the module; the module is never unloaded, so
// objects it made (camera sources and their threads) may live as long as the process.
#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <chrono>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "camera/camera_control.hpp"
#include "camera/count_command.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/event_ingest.hpp"
#include "core/result.hpp"
#include "core/time_zone.hpp"
#include "drivers/named_source.hpp"

namespace spdlog {
class logger;
}

namespace kelu::camera {

// `kelu doctor`: does the camera open and deliver, and how fast.
struct stream_probe {
  int frames = 0;
  double fps = 0;           // frames read per second of reading
  double declared_fps = 0;  // what the stream says it sends (0: it does not say)
  int width = 0;
  int height = 0;
};

struct module_api {
  const char* version;  // kelu::version of the build that made the module
  // One running source per cameras[] entry, named "cameras[ID]" (config/change_plan.hpp); not
  // started. Sources submit to `ingest` on `ex`, as camera_source.hpp says.
  core::result<drivers::named_sources> (*make_sources)(boost::asio::any_io_executor ex, core::event_ingest& ingest,
                                                       const core::clock& clock, const config::config& c,
                                                       const core::time_zone& store_zone,
                                                       std::shared_ptr<spdlog::logger> log);
  // recount_clip (clip_recount.hpp).
  core::result<std::vector<audit_crossing>> (*recount_clip)(const clip& recorded, const config::camera_config& cam,
                                                            const std::vector<config::camera_line_config>& lines,
                                                            const std::string& detector,
                                                            const std::atomic<bool>& cancelled);
  // Opens `cam`'s stream and reads for up to `within` (30 frames at most); an error says why no
  // frame came.
  core::result<stream_probe> (*probe)(const config::camera_config& cam, std::chrono::milliseconds within);
  // `kelu count` (count_command.hpp).
  int (*count)(const count_options& o, std::ostream& out, std::ostream& err);
};

// The module's one exported symbol, extern "C" so dlsym finds it by this name; the suffix
// changes if the table ever changes shape in a way `version` could not tell.
inline constexpr const char* module_entry_name = "kelu_camera_module_v1";
using module_entry = const module_api* (*)();

}  // namespace kelu::camera
