// SPDX-License-Identifier: Apache-2.0
#pragma once
// systemd's watchdog (WatchdogSec in the unit) fed from the io_context thread, every half
// WatchdogSec: if that thread stops running handlers, the pings stop and systemd restarts the
// process. Without a watchdog (no systemd, or WatchdogSec unset) start() does nothing.
//
// Threading: io_context thread; `notifier` outlives this.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/service_notifier.hpp"

namespace kelu {

class watchdog_pinger {
 public:
  watchdog_pinger(boost::asio::any_io_executor ex, service_notifier& notifier) : timer_(ex), notifier_(notifier) {}
  void start() { do_ping(); }
  void cancel() { timer_.cancel(); }

 private:
  void do_ping() {
    const auto every = notifier_.watchdog_interval();
    if (!every) return;
    notifier_.watchdog();
    timer_.expires_after(*every);
    timer_.async_wait([this](const boost::system::error_code& ec) { on_timer(ec); });
  }
  void on_timer(const boost::system::error_code& ec) {
    if (!ec) do_ping();
  }

  boost::asio::steady_timer timer_;
  service_notifier& notifier_;
};

}  // namespace kelu
