// SPDX-License-Identifier: Apache-2.0
#pragma once
// Child processes for tests: spawned with posix_spawn, stopped by their PID.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace kelu::test {

class process {
 public:
  // Starts `argv[0]` with stdout and stderr appended to `log_file` (if not empty), in this
  // process's environment with `env` ("NAME=value") added or replacing what is there. With
  // KELU_TEST_AGENT_JAIL set, what systemd units run (`kelu run`, `kelu hq enroll-server`,
  // `kelu-hq sink`) runs under it (tests/packaging/jailed_run.sh).
  process(std::vector<std::string> argv, const std::string& log_file, const std::vector<std::string>& env = {});
  ~process();  // SIGKILL if still running
  process(const process&) = delete;
  process& operator=(const process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signo` and waits up to `timeout` for exit; returns the exit status (-1 on timeout).
  int stop(int signo, std::chrono::milliseconds timeout);
  // Waits for exit without signalling; -1 on timeout.
  int wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

// Waits until something accepts TCP connections on 127.0.0.1:port.
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout);
// A port that was free a moment ago, below the range the kernel gives outgoing connections, and
// reserved to this process until it ends: no other test process is given it, so a server the
// test stops and starts again finds it free.
std::uint16_t free_port();
// Reserves `port` to this process (free_port's reservation); false when a live process, this one
// included, holds it already.
bool reserve_port(std::uint16_t port);

}  // namespace kelu::test
