// SPDX-License-Identifier: Apache-2.0
#pragma once
// One agent per database: `kelu run` holds an exclusive lock on kelu.lock beside the database for
// as long as it runs (flock: the kernel drops it when the process dies, whatever the way). A
// second agent on the same data directory would hand out the same seqs twice; it is refused
// instead, naming the PID that runs. `kelu doctor` asks the lock whether an agent runs.
#include <sys/types.h>

#include <filesystem>

#include "core/result.hpp"

namespace kelu {

class instance_lock {
 public:
  // Takes the lock of the data directory holding `database`; an error names who holds it.
  static core::result<instance_lock> acquire(const std::filesystem::path& database);
  // The PID of the agent holding the lock, or 0 when none does.
  static pid_t holder(const std::filesystem::path& database);

  instance_lock(instance_lock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  instance_lock& operator=(instance_lock&&) = delete;
  instance_lock(const instance_lock&) = delete;
  ~instance_lock();

 private:
  explicit instance_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace kelu
