// SPDX-License-Identifier: Apache-2.0
#pragma once
// A real PostgreSQL server for HQ's tests: initdb in a temp dir, started by pg_ctl on a free
// loopback port (no Unix socket shared with anything else), stopped by its postmaster's PID.
// PostgreSQL refuses to run as root, so under root (CI) the cluster belongs to the `postgres`
// user the Debian package creates and its programs run through runuser.
#include <cstdint>
#include <string>

#include "temp_dir.hpp"

namespace kelu::test {

class postgres {
 public:
  // Where Debian's server binaries are ("/usr/lib/postgresql/15/bin"), or "" when not installed.
  static std::string bin_dir();
  postgres();   // initdb, start; asserts it accepts connections (pg_ctl -w, 60 s)
  ~postgres();  // fast shutdown by PID, then waits for the postmaster to exit

  std::uint16_t port() const { return port_; }
  // libpq's connection string for the `postgres` database as the superuser.
  std::string conninfo() const;
  // Creates an empty database of its own and returns its connection string: each test one, so
  // nothing one test filed is seen by the next.
  std::string fresh_database();
  // Runs SQL through psql and returns what it printed (unaligned, tuples only); asserts success.
  std::string psql(const std::string& sql) const;
  void stop();

 private:
  std::string as_owner(const std::string& command) const;
  temp_dir dir_;
  std::string data_;
  std::uint16_t port_ = 0;
  int pid_ = -1;
  int databases_ = 0;
};

}  // namespace kelu::test
