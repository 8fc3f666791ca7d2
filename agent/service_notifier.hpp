// SPDX-License-Identifier: Apache-2.0
#pragma once
// systemd's readiness and watchdog protocol (sd_notify(3)) without libsystemd: one datagram per
// message to the unix socket in $NOTIFY_SOCKET. Under the packaged unit (Type=notify,
// WatchdogSec=) systemd starts counting the agent as up only after ready(), and restarts it if
// the io_context thread stops sending watchdog() within WatchdogSec. Outside systemd (no
// NOTIFY_SOCKET) every call does nothing. Not thread-safe: the io_context thread calls it.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kelu {

class service_notifier {
 public:
  // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (the watchdog is ours only when the
  // PID is this process's, as sd_watchdog_enabled(3) says).
  service_notifier();

  bool active() const { return !socket_path_.empty(); }
  // How often to send watchdog(): half of WatchdogSec; nullopt when there is no watchdog.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_interval_; }

  void ready(std::string_view status);
  void watchdog();
  void status(std::string_view status);
  void stopping();
  void reloading();
  // Messages that could not be sent (the socket gone): counted, never fatal.
  int failures() const { return failures_; }

 private:
  void send(const std::string& message);

  std::string socket_path_;
  std::optional<std::chrono::microseconds> watchdog_interval_;
  int failures_ = 0;
};

}  // namespace kelu
