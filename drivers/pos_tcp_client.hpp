// SPDX-License-Identifier: Apache-2.0
#pragma once
// A blocking client for the JSON-lines POS protocol, with a deadline on every call: the
// simulator, the tests and the benchmark speak to pos_tcp_source through it, as a till would.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace kelu::drivers {

class pos_tcp_client {
 public:
  static core::result<pos_tcp_client> connect(const std::string& host, std::uint16_t port,
                                              std::chrono::milliseconds timeout);
  pos_tcp_client(pos_tcp_client&& other) noexcept;
  pos_tcp_client& operator=(pos_tcp_client&& other) noexcept;
  pos_tcp_client(const pos_tcp_client&) = delete;
  pos_tcp_client& operator=(const pos_tcp_client&) = delete;
  ~pos_tcp_client();

  // Writes all of `data` (one or more newline-terminated lines).
  core::status send(std::string_view data, std::chrono::milliseconds timeout);
  // The next answer line without its newline; an error on timeout or when the peer closed.
  core::result<std::string> read_line(std::chrono::milliseconds timeout);

 private:
  explicit pos_tcp_client(int fd) : fd_(fd) {}
  int fd_ = -1;
  std::string pending_;
};

}  // namespace kelu::drivers
