#pragma once
// The running agent: one io_context thread that owns the store, the sources, the
// publisher and the timers (ARCHITECTURE.md, Threading). Built from a validated config.
//
// run() blocks until SIGINT/SIGTERM (or request_stop()), then drains: sources stop, queued
// events commit, in-flight MQTT messages get a bounded wait for PUBACK, the goodbye status
// is published. SIGHUP re-reads the config file: an invalid file is reported and ignored;
// hot keys apply at once, the others are reported as needing a restart.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/calibration.hpp"
#include "agent/service_notifier.hpp"
#include "agent/core/clock.hpp"
#include "agent/core/event.hpp"
#include "agent/core/time_zone.hpp"
#include "config/config.hpp"

namespace spdlog {
class logger;
}
namespace kelu::sync {
class database;
class outbox;
class event_store;
class group_committer;
class mqtt_publisher;
class command_handler;
class aggregate_store;
class run_log;
class alert_journal;
class audit_store;
class topics;
}  // namespace kelu::sync
namespace kelu::drivers {
class source;
}
namespace kelu::dashboard {
class http_server;
class router;
class attempt_limiter;
class technician_sessions;
struct token_key;
}  // namespace kelu::dashboard

namespace kelu {

class audit_service;

class analytics_service;
class chat_notifier;
class dashboard_view;
class technician_view;

class agent {
 public:
  agent(config::config cfg, std::string config_path, std::shared_ptr<spdlog::logger> log);
  ~agent();
  agent(const agent&) = delete;
  agent& operator=(const agent&) = delete;

  // Opens storage and starts listening; an error value if either cannot.
  core::status start();
  // Runs until stopped; returns the process exit code.
  int run();
  void request_stop();

 private:
  void on_signal(const boost::system::error_code& ec, int signo);
  void reload();
  // What a new configuration changed: hot keys applied now, the others on the next start.
  struct config_change {
    std::vector<std::string> applied;
    std::vector<std::string> pending_restart;
  };
  config_change apply(const config::config& next, const char* origin);
  // HQ's retained config/desired: validated, hot keys applied, answered on config/reported.
  void on_desired_config(const std::string& payload);
  void schedule_health();
  // systemd's watchdog (WatchdogSec in the unit): a ping from the io_context thread, which is
  // what hangs if anything does.
  void schedule_watchdog();
  core::agent_health health_snapshot() const;
  void report_health();
  // The dashboard (dashboard.enabled): a failure to listen is logged, not fatal, since counting
  // and syncing matter more than the page.
  void start_audits();
  void start_dashboard();
  // SIGHUP: `kelu qr --rotate` replaced the key file.
  void reload_dashboard_key();
  // `c` with the lines and zones technicians saved (calibration.json) over the config's.
  config::config calibrated(config::config c) const;
  nlohmann::json broker_state() const;
  void schedule_maintenance();
  std::string status_payload(const std::string& state, const std::string& reason) const;

  config::config cfg_;
  std::string config_path_;
  std::shared_ptr<spdlog::logger> log_;
  core::system_clock clock_;
  std::chrono::steady_clock::time_point started_;
  core::utc_time started_at_;
  std::string boot_id_;
  core::time_zone zone_ = core::time_zone::utc();
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer health_timer_;
  boost::asio::steady_timer maintenance_timer_;
  boost::asio::steady_timer watchdog_timer_;
  service_notifier service_;
  std::unique_ptr<sync::database> db_;
  std::unique_ptr<sync::outbox> outbox_;
  std::unique_ptr<sync::event_store> store_;
  std::unique_ptr<sync::group_committer> committer_;
  std::unique_ptr<sync::mqtt_publisher> publisher_;
  std::unique_ptr<sync::command_handler> commands_;
  std::unique_ptr<sync::topics> topics_;
  std::unique_ptr<sync::aggregate_store> aggregates_;
  std::unique_ptr<sync::run_log> runs_;
  std::unique_ptr<sync::alert_journal> journal_;
  std::unique_ptr<analytics_service> analytics_;
  std::unique_ptr<chat_notifier> notifier_;
  std::vector<std::unique_ptr<drivers::source>> sources_;
  std::unique_ptr<sync::audit_store> audit_store_;
  std::unique_ptr<audit_service> audits_;  // after the cameras it records from: destroyed before them
  std::unique_ptr<dashboard::token_key> dashboard_key_;
  std::unique_ptr<dashboard::attempt_limiter> dashboard_limiter_;
  std::unique_ptr<dashboard_view> dashboard_view_;
  calibration calibration_;
  std::filesystem::path calibration_file_;
  std::unique_ptr<dashboard::technician_sessions> technician_sessions_;
  std::unique_ptr<technician_view> technician_view_;
  std::unique_ptr<dashboard::router> dashboard_router_;
  std::unique_ptr<dashboard::http_server> dashboard_server_;
  std::string dashboard_pushed_;  // the last `today` sent to streaming dashboards
  bool stopping_ = false;
};

}  // namespace kelu
