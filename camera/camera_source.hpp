// SPDX-License-Identifier: Apache-2.0
#pragma once
// One camera in the running agent. Two threads of its own (docs/ARCHITECTURE.md, Threading):
// capture reads frames as the camera sends them into a one-slot mailbox (never blocking on
// the analysis), and vision takes the latest frame at cameras[].process_fps, runs the
// pipeline and posts the resulting events to the io_context, where they are submitted to
// the store. Frames never leave these threads.
//
// Outages: a stream that fails to open or stops sending is retried with capped, jittered
// backoff; the time without frames is reported as a camera.gap event when frames return
// (or at stop), so analytics know counts are missing, not zero.
//
// Technicians (camera_control): a snapshot is the next analysed frame encoded once for the
// asker; new lines and zones reach the vision thread between two frames; an audit clip is the
// analysed frames of a few seconds written by the vision thread to the file the audit names.
//
// Heat maps: one tile per local hour and per local day of the store's zone, emitted when
// the period closes (a restart loses the open hour's heat, not its counts).
#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "camera/camera_control.hpp"
#include "core/clock.hpp"
#include "core/event_ingest.hpp"
#include "core/time_zone.hpp"
#include "config/config.hpp"
#include "drivers/source.hpp"

namespace spdlog {
class logger;
}

namespace kelu::camera {

class camera_source final : public drivers::source, public camera_control {
 public:
  // `heat_file`: where the heat in progress is kept across restarts (heat_checkpoint.hpp); empty:
  // nowhere.
  camera_source(boost::asio::any_io_executor ex, core::event_ingest& ingest, const core::clock& clock,
                config::camera_config cam, std::string store, core::time_zone zone,
                std::shared_ptr<spdlog::logger> log, std::filesystem::path heat_file = {});
  ~camera_source() override;

  core::status start() override;
  void stop() override;
  core::source_health health() const override;
  std::optional<core::camera_health> camera() const override;

  const std::string& camera_id() const override;
  void snapshot(std::function<void(core::result<std::string>)> done) override;
  void set_geometry(std::vector<config::camera_line_config> lines,
                    std::vector<config::camera_zone_config> zones) override;
  live_counts counts() const override;
  void record(std::chrono::seconds length, std::string path, std::function<void(core::result<clip>)> done) override;

 private:
  struct shared;  // what the threads and the io_context share
  std::shared_ptr<shared> shared_;
  std::thread capture_;
  std::thread vision_;
};

}  // namespace kelu::camera
