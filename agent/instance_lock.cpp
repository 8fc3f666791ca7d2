// SPDX-License-Identifier: Apache-2.0
#include "instance_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace kelu {

namespace {

std::filesystem::path lock_file(const std::filesystem::path& database) { return database.parent_path() / "kelu.lock"; }

pid_t pid_in(int fd) {
  char buf[32] = {};
  const auto n = ::pread(fd, buf, sizeof buf - 1, 0);
  return n > 0 ? static_cast<pid_t>(std::atol(buf)) : 0;
}

}  // namespace

core::result<instance_lock> instance_lock::acquire(const std::filesystem::path& database) {
  const auto path = lock_file(database);
  // CLOEXEC: a restart that re-executes the agent drops the lock and the new image takes it.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return core::error{path.string() + ": " + std::strerror(errno)};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const auto pid = pid_in(fd);
    ::close(fd);
    return core::error{"another kelu agent (pid " + std::to_string(pid) + ") runs on " + database.string() +
                       "; one agent per database"};
  }
  const auto text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return core::error{path.string() + ": " + why};
  }
  return instance_lock{fd};
}

pid_t instance_lock::holder(const std::filesystem::path& database) {
  const int fd = ::open(lock_file(database).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  pid_t pid = 0;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0)
    pid = pid_in(fd);
  else
    ::flock(fd, LOCK_UN);
  ::close(fd);
  return pid;
}

instance_lock::~instance_lock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace kelu
