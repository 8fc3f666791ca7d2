// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <thread>

namespace kelu::test {

// Runs the io_context until `pred` holds or `timeout` passes; returns pred's last value.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& pred,
                      std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Polls a condition that another thread makes true, up to a deadline. For effects with no
// completion callback to wait on (files appearing, bytes arriving at a fake printer).
inline bool eventually(const std::function<bool()>& cond,
                       std::chrono::milliseconds limit = std::chrono::milliseconds(15000)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

}  // namespace kelu::test
