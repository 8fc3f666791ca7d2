// SPDX-License-Identifier: Apache-2.0
#include "pos_tcp_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kelu::drivers {

namespace {

using steady = std::chrono::steady_clock;

int remaining_ms(steady::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

core::result<pos_tcp_client> pos_tcp_client::connect(const std::string& host, std::uint16_t port,
                                                     std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0)
    return core::error{"resolve " + host + ": " + gai_strerror(rc)};
  std::string last = "no address";
  const auto deadline = steady::now() + timeout;
  for (auto* ai = res; ai; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof err;
      if (::poll(&p, 1, remaining_ms(deadline)) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
          err == 0) {
        freeaddrinfo(res);
        const int one = 1;  // a request/answer protocol: no Nagle delay on the last segment
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return pos_tcp_client{fd};
      }
      last = err ? std::strerror(err) : "timed out";
    } else {
      last = std::strerror(errno);
    }
    ::close(fd);
  }
  freeaddrinfo(res);
  return core::error{"connect " + host + ":" + std::to_string(port) + ": " + last};
}

pos_tcp_client::pos_tcp_client(pos_tcp_client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), pending_(std::move(other.pending_)) {}

pos_tcp_client& pos_tcp_client::operator=(pos_tcp_client&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    pending_ = std::move(other.pending_);
  }
  return *this;
}

pos_tcp_client::~pos_tcp_client() {
  if (fd_ >= 0) ::close(fd_);
}

core::status pos_tcp_client::send(std::string_view data, std::chrono::milliseconds timeout) {
  const auto deadline = steady::now() + timeout;
  while (!data.empty()) {
    const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR)  // EWOULDBLOCK == EAGAIN on Linux
      return core::error{std::string("send: ") + std::strerror(errno)};
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) == 0) return core::error{"send: timed out"};
  }
  return core::ok();
}

core::result<std::string> pos_tcp_client::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = steady::now() + timeout;
  for (;;) {
    if (const auto nl = pending_.find('\n'); nl != std::string::npos) {
      auto line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return line;
    }
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready == 0) return core::error{"read: timed out"};
    if (ready < 0 && errno != EINTR) return core::error{std::string("read: ") + std::strerror(errno)};
    char buf[16384];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n == 0) return core::error{"read: connection closed by peer"};
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return core::error{std::string("read: ") + std::strerror(errno)};
    }
    pending_.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace kelu::drivers
