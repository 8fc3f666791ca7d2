// SPDX-License-Identifier: Apache-2.0
#pragma once
// Runs another program to its end, with a deadline: no shell (the arguments go as they are, the
// program found on PATH), stdin /dev/null, stdout and stderr captured. Used where the box or HQ
// hands work to a tool of the system's (apt-get, systemctl, a CA script).
//
// Threading: blocks the calling thread until the program ends or is killed.
#include <chrono>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace kelu::core {

struct command_output {
  int exit_status = 0;  // 128 + N when killed by signal N
  std::string out;      // the last `max_output` bytes of stdout
  std::string err;      // and of stderr
};

struct command_options {
  std::chrono::milliseconds deadline{std::chrono::seconds(30)};
  std::vector<std::string> extra_env = {};  // "NAME=value", added to this process's environment
  std::size_t max_output = 64 * 1024;
  std::string cwd = {};  // where it runs; empty: here
};

// An error when the program cannot be started or overran the deadline (then it was killed with
// SIGKILL, and the error says so). A non-zero exit is not an error: see exit_status.
result<command_output> run_command(const std::vector<std::string>& args, const command_options& options);

// "apt-get failed (exit 100): E: Unable to locate package kelu": the last non-empty line of
// stderr (or stdout), for a reason a person reads.
std::string describe_failure(const std::vector<std::string>& args, const command_output& out);

}  // namespace kelu::core
