// SPDX-License-Identifier: Apache-2.0
#include "service_notifier.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace kelu {

namespace {

std::optional<long long> number_from_env(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr) return std::nullopt;
  long long value = 0;
  const auto end = text + std::strlen(text);
  const auto [at, ec] = std::from_chars(text, end, value);
  if (ec != std::errc{} || at != end) return std::nullopt;
  return value;
}

}  // namespace

service_notifier::service_notifier() {
  if (const char* path = std::getenv("NOTIFY_SOCKET"); path != nullptr && (path[0] == '/' || path[0] == '@'))
    socket_path_ = path;
  const auto usec = number_from_env("WATCHDOG_USEC");
  const auto pid = number_from_env("WATCHDOG_PID");
  if (usec && *usec > 0 && (!pid || *pid == ::getpid())) watchdog_interval_ = std::chrono::microseconds(*usec / 2);
}

void service_notifier::send(const std::string& message) {
  if (!active()) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof addr.sun_path) {
    ++failures_;
    return;
  }
  std::memcpy(addr.sun_path, socket_path_.data(), socket_path_.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // the abstract namespace
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path_.size());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ++failures_;
    return;
  }
  // A datagram to a local socket does not block for long; MSG_DONTWAIT keeps it from ever doing so.
  if (::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&addr),
               len) < 0)
    ++failures_;
  ::close(fd);
}

void service_notifier::ready(std::string_view status) { send("READY=1\nSTATUS=" + std::string(status)); }
void service_notifier::watchdog() { send("WATCHDOG=1"); }
void service_notifier::status(std::string_view status) { send("STATUS=" + std::string(status)); }
void service_notifier::stopping() { send("STOPPING=1"); }
void service_notifier::reloading() { send("RELOADING=1"); }

}  // namespace kelu
