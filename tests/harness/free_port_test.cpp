// SPDX-License-Identifier: Apache-2.0
// The test harness's port reservations: a port handed to one test process is never handed to
// another while the first lives, so a broker it restarts finds its port free.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/process.hpp"

namespace kelu::test {
namespace {

std::filesystem::path reservation(std::uint16_t port) {
  return std::filesystem::temp_directory_path() / "kelu-test-ports" / std::to_string(port);
}

TEST(free_port, a_port_is_reserved_to_its_process_until_that_process_is_gone) {
  const auto port = free_port();
  std::ifstream in(reservation(port));
  pid_t owner = 0;
  ASSERT_TRUE(in >> owner) << reservation(port);
  EXPECT_EQ(owner, ::getpid());
  EXPECT_FALSE(reserve_port(port)) << "handed out twice";
  EXPECT_NE(free_port(), port);

  // Held by another live process (init): not taken.
  std::ofstream(reservation(port), std::ios::trunc) << 1 << "\n";
  EXPECT_FALSE(reserve_port(port));
  // Held by a process that has ended: taken over.
  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ASSERT_GT(gone, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(gone, &status, 0), gone);
  std::ofstream(reservation(port), std::ios::trunc) << gone << "\n";
  EXPECT_TRUE(reserve_port(port));
}

}  // namespace
}  // namespace kelu::test
