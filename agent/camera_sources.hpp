// SPDX-License-Identifier: Apache-2.0
#pragma once
// The one place that turns cameras[] into running camera sources. Without vision in the
// build (KELU_WITH_VISION=OFF) a config with cameras is refused at start, naming the key,
// rather than silently counting nobody.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <memory>
#include <vector>

#include "core/clock.hpp"
#include "core/event_ingest.hpp"
#include "core/time_zone.hpp"
#include "config/config.hpp"
#include "agent/detector_comparison.hpp"
#include "agent/named_source.hpp"

namespace spdlog {
class logger;
}

namespace kelu {

core::result<named_sources> make_camera_sources(boost::asio::any_io_executor ex,
                                                                               core::event_ingest& ingest,
                                                                               const core::clock& clock,
                                                                               const config::config& c,
                                                                               const core::time_zone& store_zone,
                                                                               std::shared_ptr<spdlog::logger> log);

// What recounts an audit clip with another detector (clip_recount.hpp); empty without vision.
recounter clip_recounter();

// `kelu doctor`: does the camera open and deliver, and how fast.
struct camera_probe {
  int frames = 0;
  double fps = 0;           // frames read per second of reading
  double declared_fps = 0;  // what the stream says it sends (0: it does not say)
  int width = 0;
  int height = 0;
};
// Opens `cam`'s stream and reads for up to `within` (30 frames at most); an error says why no
// frame came (or that this kelu has no vision).
core::result<camera_probe> probe_camera(const config::camera_config& cam, std::chrono::milliseconds within);

}  // namespace kelu
