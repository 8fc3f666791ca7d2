// SPDX-License-Identifier: Apache-2.0
// sd_notify's protocol as systemd speaks it: datagrams on the socket named in NOTIFY_SOCKET.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>

#include "agent/service_notifier.hpp"
#include "support/fake_systemd.hpp"
#include "support/temp_dir.hpp"

namespace kelu {
namespace {

struct env_guard {
  ~env_guard() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }
};

TEST(service_notifier, sends_readiness_watchdog_and_stopping_to_the_socket_systemd_names) {
  env_guard guard;
  test::temp_dir dir;
  const auto path = dir.file("notify");
  test::fake_systemd systemd{path};
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  service_notifier n;
  ASSERT_TRUE(n.active());
  ASSERT_TRUE(n.watchdog_interval());
  EXPECT_EQ(*n.watchdog_interval(), std::chrono::seconds(15));  // half of WatchdogSec
  n.ready("counting for store acme/sh-001");
  EXPECT_EQ(systemd.next(), "READY=1\nSTATUS=counting for store acme/sh-001");
  n.watchdog();
  EXPECT_EQ(systemd.next(), "WATCHDOG=1");
  n.reloading();
  EXPECT_EQ(systemd.next(), "RELOADING=1");
  n.stopping();
  EXPECT_EQ(systemd.next(), "STOPPING=1");
  EXPECT_EQ(n.failures(), 0);
}

TEST(service_notifier, the_abstract_namespace_works_and_another_pids_watchdog_is_not_ours) {
  env_guard guard;
  const std::string name = "@kelu-test-" + std::to_string(::getpid());
  test::fake_systemd systemd{name};
  ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  ::setenv("WATCHDOG_PID", "1", 1);
  service_notifier n;
  EXPECT_FALSE(n.watchdog_interval());
  n.ready("x");
  EXPECT_EQ(systemd.next(), "READY=1\nSTATUS=x");
}

TEST(service_notifier, outside_systemd_it_does_nothing_and_a_vanished_socket_is_counted) {
  env_guard guard;
  service_notifier quiet;
  EXPECT_FALSE(quiet.active());
  quiet.ready("x");
  EXPECT_EQ(quiet.failures(), 0);
  test::temp_dir dir;
  ::setenv("NOTIFY_SOCKET", dir.file("gone").c_str(), 1);
  service_notifier lost;
  lost.watchdog();
  EXPECT_EQ(lost.failures(), 1);
}

}  // namespace
}  // namespace kelu
