// SPDX-License-Identifier: Apache-2.0
#pragma once
// The running agent, the composition root: one io_context thread that owns the store, the
// outbox, and the components built from the config's sections (docs/ARCHITECTURE.md, Threading;
// docs/fleet.md): the sources (source_set), the MQTT link (broker_link), the dashboard
// (dashboard_component), analytics and alerts. A configuration change, from HQ's config/desired
// or the file on SIGHUP, goes through config_control: keys set in place, changed components
// rebuilt while the others keep running, the health gate, a rollback when it fails.
//
// run() blocks until SIGINT/SIGTERM (or request_stop()), then drains: sources stop, queued
// events commit, in-flight MQTT messages get a bounded wait for PUBACK, the goodbye status
// is published. A change of a restart-only key ends run() with restart_requested() true: the
// caller starts the process again (main re-executes itself).
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/calibration.hpp"
#include "agent/camera_registry.hpp"
#include "agent/config_control.hpp"
#include "agent/instance_lock.hpp"
#include "agent/service_notifier.hpp"
#include "agent/watchdog_pinger.hpp"
#include "core/clock_watch.hpp"
#include "core/clock.hpp"
#include "core/event.hpp"
#include "core/time_zone.hpp"
#include "config/config.hpp"

namespace spdlog {
class logger;
}
namespace kelu::sync {
class database;
class outbox;
class event_store;
class group_committer;
class command_handler;
class aggregate_store;
class run_log;
class alert_journal;
class audit_store;
class config_journal;
class topics;
struct publisher_options;
}  // namespace kelu::sync

namespace kelu::analytics {
class analytics_service;
class chat_notifier;
}  // namespace kelu::analytics

namespace kelu {

class audit_service;
class broker_link;
class control_socket;
class dashboard_component;
class source_set;
class software_control;

class agent final : private config_target {
 public:
  agent(boot_config boot, std::string config_path, std::shared_ptr<spdlog::logger> log);
  ~agent() override;
  agent(const agent&) = delete;
  agent& operator=(const agent&) = delete;

  // Opens storage and starts listening; an error value if either cannot.
  core::status start();
  // Runs until stopped; returns the process exit code.
  int run();
  void request_stop();
  // run() ended because a change needs the process started again.
  bool restart_requested() const { return restart_requested_; }

 private:
  // config_target: what config_control changes.
  const config::config& running() const override { return cfg_; }
  config::config prepared(config::config c) const override { return calibrated(std::move(c)); }
  applied_change apply(const config::config& next, std::string_view origin) override;
  std::vector<gate_check> gate_checks(const applied_change& change) override;
  void restart(const std::string& why) override;
  void restart_for_new_identity();  // kelu enroll: started again at once, nothing announced
  void report(nlohmann::json reported) override;
  void record(nlohmann::json change) override;
  // A software update's health gate (software_control): what is up now, and the checks that the
  // new version brings the same components up.
  nlohmann::json components_up() const;
  std::vector<gate_check> update_checks(const nlohmann::json& up);
  gate_check dashboard_check();
  gate_check camera_check(const std::string& id);
  void start_software_control();

  void on_signal(const boost::system::error_code& ec, int signo);
  // Stops once outbox rows up to `row` are sent, or at `deadline`.
  void wait_for_sent(std::int64_t row, std::chrono::steady_clock::time_point deadline);
  void apply_hot(const config::change_plan& plan);
  void rebuild(const config::change_plan& plan, applied_change& out);
  void schedule_health();
  core::agent_health health_snapshot() const;
  void report_health();
  void start_audits();
  // The dashboard (dashboard.enabled): a failure to serve is logged, not fatal.
  void start_dashboard();
  // kelu.sock: `kelu status`, `kelu config apply`.
  void start_control_socket();
  nlohmann::json status_report() const;
  void stop_dashboard();
  sync::publisher_options link_options() const;
  // `c` with the lines and zones technicians saved (calibration.json) over the config's.
  config::config calibrated(config::config c) const;
  nlohmann::json broker_state() const;
  void schedule_maintenance();
  // Tells HQ (and the log) when the wall clock was stepped since the last maintenance tick.
  void watch_the_clock();
  void maintain();
  std::string status_payload(const std::string& state, const std::string& reason) const;
  void republish_status();

  config::config cfg_;
  boot_config boot_;  // until config_control takes it
  std::string config_path_;
  std::shared_ptr<spdlog::logger> log_;
  core::system_clock clock_;
  core::clock_watch clock_watch_;  // sampled at each maintenance tick
  std::chrono::steady_clock::time_point started_;
  core::utc_time started_at_;
  std::string boot_id_;
  core::time_zone zone_ = core::time_zone::utc();
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer health_timer_;
  boost::asio::steady_timer maintenance_timer_;
  watchdog_pinger watchdog_;
  boost::asio::steady_timer restart_timer_;
  service_notifier service_;
  std::optional<instance_lock> lock_;  // held while this agent runs on the database
  std::unique_ptr<sync::database> db_;
  std::unique_ptr<sync::outbox> outbox_;
  std::unique_ptr<sync::event_store> store_;
  std::unique_ptr<sync::group_committer> committer_;
  std::unique_ptr<broker_link> link_;
  std::unique_ptr<sync::command_handler> commands_;
  std::unique_ptr<sync::topics> topics_;
  std::unique_ptr<sync::aggregate_store> aggregates_;
  std::unique_ptr<sync::run_log> runs_;
  std::unique_ptr<sync::alert_journal> journal_;
  std::unique_ptr<sync::config_journal> config_journal_;
  std::unique_ptr<analytics::analytics_service> analytics_;
  std::unique_ptr<analytics::chat_notifier> notifier_;
  camera_registry cameras_;  // before the sources: they empty it when they go
  std::unique_ptr<source_set> sources_;
  std::unique_ptr<sync::audit_store> audit_store_;
  std::unique_ptr<audit_service> audits_;  // after the cameras it records from: destroyed before them
  calibration calibration_;
  std::filesystem::path calibration_file_;
  std::unique_ptr<dashboard_component> dashboard_;
  std::vector<std::unique_ptr<dashboard_component>> stopped_dashboards_;
  std::unique_ptr<config_control> control_;
  std::unique_ptr<control_socket> control_socket_;
  std::unique_ptr<software_control> software_;
  // The gate's view of the components before a change: was the link up, which cameras delivered.
  struct before_change {
    bool link_connected = false;
    std::int64_t link_switches = 0;
    bool dashboard_serving = false;
    std::map<std::string, bool> camera_delivering;
  } before_;
  bool stopping_ = false;
  bool restart_requested_ = false;
};

}  // namespace kelu
