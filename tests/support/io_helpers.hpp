#pragma once
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>

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

}  // namespace kelu::test
