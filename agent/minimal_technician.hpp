// SPDX-License-Identifier: Apache-2.0
#pragma once
// The technician page of a box in minimal mode (agent/minimal_agent.hpp): nothing runs to show
// or test, so the page has the configuration's errors and the settings editor. An edit is
// checked by layering it over the file, as at a start; one that makes the configuration load is
// kept (technician.json) and `loadable` starts the agent proper. An edit whose own keys are wrong
// is refused, nothing of it kept; one that is right but leaves other errors is kept ("saved",
// with what remains to fix; `saved` lets the agent take a new page password). The manager's API
// answers 503 with the reason (figures()).
//
// Threading: io_context thread.
#include <functional>
#include <memory>
#include <string>

#include "agent/boot_config.hpp"
#include "dashboard/dashboard_source.hpp"
#include "dashboard/technician_source.hpp"
#include "config/settings_edit.hpp"

namespace spdlog {
class logger;
}

namespace kelu {

class minimal_technician : public dashboard::technician_source {
 public:
  struct callbacks {
    std::function<void()> loadable;  // the configuration loads now: start the agent
    std::function<void()> saved;     // settings kept, errors remain: read them again
  };
  // `broken` outlives this (minimal_agent refreshes it on a reload and after `saved`).
  minimal_technician(const broken_config& broken, std::string file_path, callbacks on,
                     std::shared_ptr<spdlog::logger> log);

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

  // What the store manager's API answers meanwhile: 503, and why.
  dashboard::dashboard_source& figures() { return figures_; }

 private:
  struct no_figures : dashboard::dashboard_source {
    nlohmann::json today() override { return nullptr; }
    nlohmann::json health() override { return nullptr; }
    core::result<nlohmann::json> events(std::string_view, std::string_view) override;
    core::result<nlohmann::json> buckets(std::string_view) override;
    nlohmann::json heatmap() override { return nullptr; }
    std::string metrics() override { return "kelu_minimal_mode 1\n"; }
    std::optional<std::string> unavailable() override;
    const broken_config* broken = nullptr;
  };
  // The technician's layer after `edit`, and the errors the result still has; empty: it loads.
  struct checked {
    nlohmann::json technician;
    std::vector<std::string> errors;
  };
  checked check(const config::settings_edit& edit) const;

  const broken_config& broken_;
  std::string file_path_;
  std::function<void()> on_loadable_;
  std::function<void()> on_saved_;
  std::shared_ptr<spdlog::logger> log_;
  no_figures figures_;
};

}  // namespace kelu
