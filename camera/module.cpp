// SPDX-License-Identifier: Apache-2.0
// The camera module's table (module_api.hpp): built into kelu-camera.so only, so nothing that
// links the camera library statically (tests, benchmarks) exports the entry point.
#include <opencv2/core/mat.hpp>

#include "camera/camera_source.hpp"
#include "camera/clip_recount.hpp"
#include "camera/heat_checkpoint.hpp"
#include "camera/module_api.hpp"
#include "config/change_plan.hpp"
#include "kelu/version.hpp"
#include "vision/frame_source.hpp"

namespace kelu::camera {
namespace {

core::result<drivers::named_sources> make_sources(boost::asio::any_io_executor ex, core::event_ingest& ingest,
                                                  const core::clock& clock, const config::config& c,
                                                  const core::time_zone& store_zone,
                                                  std::shared_ptr<spdlog::logger> log) {
  drivers::named_sources out;
  if (!c.cameras.empty()) vision::prefer_rtsp_over_tcp();  // before any capture thread starts
  for (const auto& cam : c.cameras)
    out.push_back({config::camera_component(cam.id),
                   std::make_unique<camera_source>(ex, ingest, clock, cam, c.store.id, store_zone, log,
                                                   heat_checkpoint_file(c.storage.path, cam.id))});
  return out;
}

core::result<stream_probe> probe(const config::camera_config& cam, std::chrono::milliseconds within) {
  vision::prefer_rtsp_over_tcp();
  vision::frame_source src({cam.url, false, static_cast<int>(within.count()), static_cast<int>(within.count())});
  if (auto st = src.open(); !st) return core::error{st.error_message()};
  stream_probe p;
  p.declared_fps = src.declared_fps();
  cv::Mat frame;
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = std::chrono::steady_clock::duration::zero();
  while (p.frames < 30 && elapsed < within && src.read(frame)) {
    ++p.frames;
    p.width = frame.cols;
    p.height = frame.rows;
    elapsed = std::chrono::steady_clock::now() - started;
  }
  if (p.frames == 0) return core::error{src.last_error().empty() ? "no frame" : src.last_error()};
  const auto s = std::chrono::duration<double>(elapsed).count();
  p.fps = s > 0 ? p.frames / s : 0;
  return p;
}

const module_api table{version, &make_sources, &recount_clip, &probe, &run_count};

}  // namespace
}  // namespace kelu::camera

extern "C" __attribute__((visibility("default"))) const kelu::camera::module_api* kelu_camera_module_v1() {
  return &kelu::camera::table;
}
