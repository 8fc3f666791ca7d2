// SPDX-License-Identifier: Apache-2.0
#include "clip_recount.hpp"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "vision/camera_options.hpp"
#include "vision/empty_scene.hpp"
#include "vision/pipeline.hpp"

namespace kelu::camera {

namespace {

core::result<cv::Mat> frame_at(std::ifstream& in, const clip& recorded, std::size_t i) {
  const auto& f = recorded.frames[i];
  std::string bytes(static_cast<std::size_t>(f.size), '\0');
  in.clear();
  in.seekg(f.offset);
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    return core::error{recorded.path + ": frame " + std::to_string(i) + " is cut short"};
  const cv::Mat jpeg(1, static_cast<int>(bytes.size()), CV_8UC1, bytes.data());
  cv::Mat frame = cv::imdecode(jpeg, cv::IMREAD_COLOR);
  if (frame.empty() || frame.cols != recorded.width || frame.rows != recorded.height)
    return core::error{recorded.path + ": frame " + std::to_string(i) + " is not a JPEG of the clip's size"};
  return frame;
}

// Frames spread over the clip, for the empty scene behind them (vision/empty_scene.hpp).
core::result<cv::Mat> clip_empty_scene(std::ifstream& in, const clip& recorded, const std::atomic<bool>& cancelled) {
  constexpr std::size_t samples = 15;
  std::vector<cv::Mat> picked;
  const std::size_t n = recorded.frames.size();
  for (std::size_t k = 0; k < std::min(samples, n); ++k) {
    if (cancelled) return core::error{"cancelled"};
    auto f = frame_at(in, recorded, k * n / std::min(samples, n));
    if (!f) return f;
    picked.push_back(std::move(f).value());
  }
  return vision::empty_scene(picked);
}

}  // namespace

core::result<std::vector<audit_crossing>> recount_clip(const clip& recorded, const config::camera_config& camera,
                                                        const std::vector<config::camera_line_config>& lines,
                                                        const std::string& detector, const std::atomic<bool>& cancelled) {
  if (recorded.frames.empty()) return core::error{recorded.path + ": the clip has no frames"};
  auto cam = camera;
  cam.detector = detector;
  cam.lines = lines;
  cam.motion_gate = false;  // every frame of a short clip is worth looking at, and the gate needs its own warm-up
  auto det = vision::make_detector(vision::detector_options_for(cam));
  if (!det) return core::error{"detector " + detector + ": " + det.error_message()};
  std::ifstream in(recorded.path, std::ios::binary);
  if (!in) return core::error{recorded.path + ": cannot open the clip"};
  const auto plate = clip_empty_scene(in, recorded, cancelled);
  if (!plate) return core::error{plate.error_message()};
  vision::pipeline p{vision::pipeline_options_for(cam), std::move(det).value(), recorded.width, recorded.height};
  // Primed on the empty scene for 5 s, as the live detector was primed by the hours before.
  constexpr int prime_frames = 50;
  for (int i = 0; i < prime_frames; ++i) p.process(*plate, i * 0.1, i);
  p.finish();
  const double t0_s = prime_frames * 0.1 + 1;
  const auto first = recorded.frames.front().at;
  std::vector<audit_crossing> out;
  const auto take = [&](const vision::frame_outcome& o) {
    for (const auto& c : o.crossings)
      out.push_back({c.line, c.direction == vision::crossing_direction::in,
                     first + std::chrono::milliseconds(std::llround((c.t_s - t0_s) * 1000))});
  };
  for (std::size_t i = 0; i < recorded.frames.size(); ++i) {
    if (cancelled) return core::error{"cancelled"};
    auto frame = frame_at(in, recorded, i);
    if (!frame) return core::error{frame.error_message()};
    const double t_s = t0_s + std::chrono::duration<double>(recorded.frames[i].at - first).count();
    take(p.process(*frame, t_s, static_cast<std::int64_t>(i)));
  }
  take(p.finish());
  return out;
}

}  // namespace kelu::camera
