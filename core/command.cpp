// SPDX-License-Identifier: Apache-2.0
#include "command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

extern char** environ;

namespace kelu::core {

namespace {

// An unnamed temporary file the child writes to and we read back: no pipe to drain while waiting.
class capture_file {
 public:
  capture_file() {
    std::FILE* f = std::tmpfile();
    if (f) fd_ = ::dup(::fileno(f));
    if (f) std::fclose(f);
  }
  ~capture_file() {
    if (fd_ >= 0) ::close(fd_);
  }
  capture_file(const capture_file&) = delete;
  capture_file& operator=(const capture_file&) = delete;
  int fd() const { return fd_; }
  std::string tail(std::size_t max) const {
    std::string text;
    const off_t size = ::lseek(fd_, 0, SEEK_END);
    if (size <= 0) return text;
    const off_t from = size > static_cast<off_t>(max) ? size - static_cast<off_t>(max) : 0;
    text.resize(static_cast<std::size_t>(size - from));
    const ssize_t n = ::pread(fd_, text.data(), text.size(), from);
    text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return text;
  }

 private:
  int fd_ = -1;
};

// Waits for `pid` until `deadline`; kills it past that. The exit status, or -1 when killed.
int wait_until(pid_t pid, std::chrono::milliseconds deadline) {
  // pidfd_open by number: Debian 12's <sys/pidfd.h> declares it without C linkage.
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  bool exited = fd < 0;
  if (fd >= 0) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      pollfd p{fd, POLLIN, 0};
      const int rc = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
      if (rc < 0 && errno == EINTR) continue;
      exited = rc == 1;
      break;
    }
  }
  if (!exited) ::kill(pid, SIGKILL);
  if (fd >= 0) ::close(fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!exited) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const auto nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

}  // namespace

result<command_output> run_command(const std::vector<std::string>& args, const command_options& options) {
  if (args.empty()) return error{"no command to run"};
  capture_file out, err;
  if (out.fd() < 0 || err.fd() < 0) return error{"cannot make a temporary file for " + args[0] + "'s output"};
  std::vector<std::string> args_copy = args;
  std::vector<char*> argv;
  for (auto& a : args_copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_copy;
  for (char** e = environ; *e; ++e) env_copy.emplace_back(*e);
  for (const auto& e : options.extra_env) env_copy.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env_copy) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.fd(), STDERR_FILENO);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return error{"cannot run " + args[0] + ": " + std::strerror(rc)};
  const int exit_status = wait_until(pid, options.deadline);
  if (exit_status == -1) {
    const auto ms = options.deadline.count();
    return error{args[0] + " did not finish within " +
                 (ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms") + " and was stopped"};
  }
  return command_output{exit_status, out.tail(options.max_output), err.tail(options.max_output)};
}

std::string describe_failure(const std::vector<std::string>& args, const command_output& out) {
  auto line = last_line(out.err);
  if (line.empty()) line = last_line(out.out);
  return (args.empty() ? std::string("command") : args[0]) + " failed (exit " + std::to_string(out.exit_status) +
         ")" + (line.empty() ? "" : ": " + line);
}

}  // namespace kelu::core
