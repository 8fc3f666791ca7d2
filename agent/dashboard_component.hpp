// SPDX-License-Identifier: Apache-2.0
#pragma once
// The store manager's dashboard and the technician page as one component of the running agent,
// built from the dashboard.* section and rebuilt when it changes: the listener, its https
// identity, the access-code key, the technician's sessions (who then sign in again) and the
// views. A failure to serve is a value, not the end of the agent: counting and syncing matter
// more than the page.
//
// Threading: io_context thread.
#include <boost/asio/any_io_executor.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "agent/calibration.hpp"
#include "agent/camera_registry.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/time_zone.hpp"
#include "agent/dashboard_server.hpp"
#include "agent/technician_view.hpp"
#include "analytics/report_json.hpp"
#include "config/config.hpp"

namespace spdlog {
class logger;
}
namespace kelu::sync {
class event_store;
class run_log;
}  // namespace kelu::sync
namespace kelu::analytics {
class analytics_service;
}  // namespace kelu::analytics

namespace kelu {

class audit_service;
class dashboard_view;

// What the dashboard reads; every reference outlives the component.
struct dashboard_parts {
  const config::config& cfg;  // the agent's running config
  analytics::analytics_service& analytics;
  sync::event_store& store;
  sync::run_log& runs;
  const core::time_zone& zone;
  const core::clock& clock;
  const camera_registry& cameras;
  calibration& cal;
  std::filesystem::path calibration_file;
  technician_hooks hooks;  // hooks.audits may be null
};

class dashboard_component {
 public:
  dashboard_component(boost::asio::any_io_executor ex, dashboard_parts parts, std::shared_ptr<spdlog::logger> log);
  ~dashboard_component();
  dashboard_component(const dashboard_component&) = delete;
  dashboard_component& operator=(const dashboard_component&) = delete;

  // Loads or creates the key and the https identity and starts listening; an error value names
  // what stopped it (the page is then off and the rest of the agent runs).
  core::status start();
  // No new connections; open ones are closed. The component may be destroyed once the handlers
  // it queued have run (the agent keeps it until its next maintenance).
  void stop();
  bool serving() const { return server_ != nullptr; }
  std::uint16_t port() const;
  std::size_t subscribers() const;
  // After an analytics tick: today's figures to open dashboards, when they changed.
  void push_today();
  // SIGHUP: `kelu qr --rotate` may have replaced the key file.
  void reload_key();
  void set_technician_password(const std::string& hash);

 private:
  boost::asio::any_io_executor ex_;
  dashboard_parts parts_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<dashboard_view> view_;
  std::unique_ptr<technician_view> technician_;
  std::unique_ptr<dashboard_server> server_;
  std::string pushed_;  // the last `today` sent to streaming dashboards
};

}  // namespace kelu
