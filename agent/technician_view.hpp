// SPDX-License-Identifier: Apache-2.0
#pragma once
// The technician page's side of the running agent (dashboard::technician_source): cameras with
// their lines, zones and live counts, snapshots, saving drawn lines and zones, and the "test"
// buttons for POS sources and the broker. On the io_context thread, like the agent.
#include <boost/asio/any_io_executor.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "agent/audit_service.hpp"
#include "agent/calibration.hpp"
#include "agent/camera_registry.hpp"
#include "core/clock.hpp"
#include "core/event.hpp"
#include "dashboard/technician_source.hpp"
#include "config/config.hpp"
#include "config/settings_edit.hpp"

namespace kelu {

struct technician_hooks {
  std::function<core::agent_health()> health;
  // The publisher's view of the broker: connected, protocol, counts, last error.
  std::function<nlohmann::json()> broker;
  // A camera's lines and zones were saved: the agent's running config and analytics take them.
  std::function<void(const config::camera_config&)> geometry_saved;
  // The newest configuration changes (the audit log), newest first.
  std::function<nlohmann::json()> changes;
  // The settings editor (agent/config_control.hpp).
  std::function<nlohmann::json()> settings;
  std::function<nlohmann::json(const config::settings_edit&)> preview_settings;
  std::function<void(const config::settings_edit&, std::function<void(nlohmann::json)>)> apply_settings;
  // Accuracy audits; null: none on this box (no cameras).
  audit_service* audits = nullptr;
};

class technician_view : public dashboard::technician_source {
 public:
  // `cfg` is the agent's running configuration (it outlives this view, and changes under it).
  technician_view(boost::asio::any_io_executor ex, const config::config& cfg, const camera_registry& cameras,
                  calibration& cal, std::filesystem::path calibration_file, const core::clock& clock,
                  technician_hooks hooks);

  nlohmann::json state() override;
  nlohmann::json config() override;
  void snapshot(std::string_view camera, std::function<void(core::result<std::string>)> done) override;
  core::result<nlohmann::json> save_geometry(std::string_view camera, const nlohmann::json& body) override;
  nlohmann::json settings() override;
  nlohmann::json preview_settings(const nlohmann::json& edit) override;
  void apply_settings(const nlohmann::json& edit, std::function<void(nlohmann::json)> done) override;
  void test(std::string_view target, std::function<void(nlohmann::json)> done) override;
  core::result<nlohmann::json> start_audit(std::string_view camera, std::int64_t seconds) override;
  core::result<nlohmann::json> audit(std::string_view id) override;
  core::result<std::string> audit_clip(std::string_view id) override;
  core::result<nlohmann::json> finish_audit(std::string_view id, const nlohmann::json& body) override;
  core::status cancel_audit(std::string_view id) override;

 private:
  camera::camera_control* find(std::string_view camera) const;
  void test_source(const std::string& id, std::function<void(nlohmann::json)> done);

  boost::asio::any_io_executor ex_;
  const config::config& cfg_;
  const camera_registry& cameras_;
  calibration& calibration_;
  std::filesystem::path calibration_file_;
  const core::clock& clock_;
  technician_hooks hooks_;
};

}  // namespace kelu
