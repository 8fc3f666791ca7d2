// SPDX-License-Identifier: Apache-2.0
#pragma once
// What systemd does for a Type=notify service: a datagram socket, named in NOTIFY_SOCKET, that
// it reads sd_notify messages from ("READY=1", "WATCHDOG=1", ...). A path, or "@name" for the
// abstract namespace.
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

namespace kelu::test {

class fake_systemd {
 public:
  explicit fake_systemd(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), std::min(path.size(), sizeof addr.sun_path - 1));
    if (path[0] == '@') addr.sun_path[0] = '\0';
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr),
                     static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size())),
              0)
        << path << ": " << std::strerror(errno);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~fake_systemd() { ::close(fd_); }
  fake_systemd(const fake_systemd&) = delete;
  fake_systemd& operator=(const fake_systemd&) = delete;

  // The next message, or nothing_came after 10 s.
  std::string next() {
    char buf[512];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    return n < 0 ? std::string(nothing_came) : std::string(buf, static_cast<std::size_t>(n));
  }
  static constexpr const char* nothing_came = "(nothing in 10 s)";

 private:
  int fd_ = -1;
};

}  // namespace kelu::test
