// SPDX-License-Identifier: Apache-2.0
#include "files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace kelu::core {

namespace {

status write_all(int fd, std::string_view text, const std::string& name) {
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return error{name + ": " + (n == 0 ? std::string("nothing written") : std::strerror(errno))};
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return error{name + ": " + std::strerror(errno)};
  return ok();
}

}  // namespace

status write_file_atomically(const std::filesystem::path& file, std::string_view text, mode_t mode) {
  const auto tmp = file.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return error{tmp + ": cannot create (" + std::strerror(errno) + ")"};
  auto st = write_all(fd, text, tmp);
  if (::close(fd) != 0 && st) st = error{tmp + ": " + std::strerror(errno)};
  std::error_code ec;
  if (st) {
    std::filesystem::rename(tmp, file, ec);
    if (ec) st = error{file.string() + ": " + ec.message()};
  }
  if (!st) std::filesystem::remove(tmp, ec);
  return st;
}

std::optional<std::string> read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace kelu::core
