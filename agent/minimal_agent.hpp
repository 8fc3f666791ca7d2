// SPDX-License-Identifier: Apache-2.0
#pragma once
// A box whose configuration does not load and never did (no last good one to run in safe mode;
// docs/fleet.md, "Safe mode"). Nothing that could store a sale under a wrong store, zone or
// source runs: no sources, cameras, analytics, outbox or link to HQ. What runs is what lets
// someone fix it without a shell, and no crash loop meanwhile:
//   - the control socket: `kelu status` says why; `{"cmd": "reload"}` (and SIGHUP) read the file again;
//   - the technician page, when the file's dashboard keys and technician password can be read
//     (minimal_technician: the errors and the settings editor);
//   - systemd's readiness (with the reason as its status) and watchdog.
// A configuration that loads (the file fixed and reloaded, or the page's settings over it) ends
// run() with restart_requested(): the caller starts the agent proper in the same process.
//
// Threading: one thread, the caller's, in run().
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <string>

#include "agent/boot_config.hpp"
#include "core/result.hpp"
#include "agent/instance_lock.hpp"
#include "agent/service_notifier.hpp"
#include "agent/watchdog_pinger.hpp"

namespace spdlog {
class logger;
}

namespace kelu {

class control_socket;
class dashboard_server;
class minimal_technician;

class minimal_agent {
 public:
  // `broken` is read_broken_config(file_path), as the caller read it to find the data directory.
  minimal_agent(std::string file_path, broken_config broken, std::shared_ptr<spdlog::logger> log);
  ~minimal_agent();
  minimal_agent(const minimal_agent&) = delete;
  minimal_agent& operator=(const minimal_agent&) = delete;

  // Takes the data directory's lock and starts the control socket and the page; an error names
  // what stopped it (another agent on the data directory).
  core::status start();
  // Until SIGTERM/SIGINT or a configuration that loads. Returns the exit status.
  int run();
  bool restart_requested() const { return restart_requested_; }

 private:
  void do_wait_signal();
  void on_signal(int signo);
  // Reads the file again: a configuration that loads ends run() for the agent proper.
  nlohmann::json reload();
  void stop();
  // The technician page, when the layers give it a password.
  void start_page();
  // Settings kept while errors remain: read the layers again (a new page password).
  void on_settings_saved();
  // Ends run() so that the caller starts the agent proper (once queued answers are written).
  void start_agent();
  nlohmann::json status() const;

  std::string file_path_;
  std::shared_ptr<spdlog::logger> log_;
  broken_config broken_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  watchdog_pinger watchdog_;
  service_notifier service_;
  std::optional<instance_lock> lock_;
  std::unique_ptr<control_socket> socket_;
  std::unique_ptr<minimal_technician> technician_;
  std::unique_ptr<dashboard_server> dashboard_;
  bool restart_requested_ = false;
};

}  // namespace kelu
