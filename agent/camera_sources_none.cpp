// SPDX-License-Identifier: Apache-2.0
// make_camera_sources for builds without OpenCV.
#include "camera_sources.hpp"

namespace kelu {

core::result<named_sources> make_camera_sources(boost::asio::any_io_executor,
                                                                               core::event_ingest&,
                                                                               const core::clock&,
                                                                               const config::config& c,
                                                                               const core::time_zone&,
                                                                               std::shared_ptr<spdlog::logger>) {
  if (!c.cameras.empty())
    return core::error{"cameras: this kelu was built without vision (KELU_WITH_VISION=OFF); remove cameras[] or "
                       "install a build with vision"};
  return named_sources{};
}

recounter clip_recounter() { return {}; }

core::result<camera_probe> probe_camera(const config::camera_config&, std::chrono::milliseconds) {
  return core::error{"this kelu was built without vision (KELU_WITH_VISION=OFF)"};
}

}  // namespace kelu
