// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reads a QR code image as a phone's camera would: zbarimg from Debian's zbar-tools.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

#include "process.hpp"

namespace kelu::test {

inline bool qr_reader_available() { return ::access("/usr/bin/zbarimg", X_OK) == 0; }

// The link in `png`, or "" when none was read. `out` collects zbarimg's output (appended: give
// each call its own file); it also complains about D-Bus, so only a line that is a link counts.
inline std::string read_qr_link(const std::string& png, const std::string& out) {
  process zbar({"/usr/bin/zbarimg", "--raw", "-q", png}, out);
  if (zbar.wait(std::chrono::seconds(20)) != 0) return {};
  std::ifstream in(out);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("http")) return line;
  return {};
}

}  // namespace kelu::test
