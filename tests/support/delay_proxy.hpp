// SPDX-License-Identifier: Apache-2.0
#pragma once
// A link with latency, where the kernel has no `netem` (this CI's does not): a TCP relay that
// holds every chunk it reads for a fixed time before writing it on, each way, as a satellite or a
// congested mobile uplink does. Bytes keep their order and nothing is lost; a close is passed on
// after the same delay, behind the bytes before it. Throughput is not limited (netns.hpp's
// limit_uplink does that), so what a test sees is the round trip alone.
// Thread rules: the constructor starts an accept thread and each connection runs two relay
// threads per direction; the destructor closes everything and joins them. The counters may be
// read from any thread.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kelu::test {

class delay_proxy {
 public:
  // Listens on `listen_address` (a free port: port()) and relays each connection to
  // target_address:target_port, each direction held `one_way`. Throws boost::system::system_error
  // when it cannot listen.
  delay_proxy(const std::string& listen_address, const std::string& target_address, std::uint16_t target_port,
              std::chrono::milliseconds one_way);
  ~delay_proxy();
  delay_proxy(const delay_proxy&) = delete;
  delay_proxy& operator=(const delay_proxy&) = delete;

  std::uint16_t port() const;
  std::int64_t connections() const { return connections_.load(); }  // accepted so far
  std::int64_t bytes_relayed() const { return bytes_.load(); }      // both ways, delivered

 private:
  using tcp = boost::asio::ip::tcp;
  void accept_loop();
  void relay(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to);

  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  tcp::endpoint target_;
  std::chrono::milliseconds one_way_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> connections_{0}, bytes_{0};
  std::mutex mutex_;  // guards sockets_ and threads_
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::vector<std::thread> threads_;
  std::thread accept_thread_;
};

}  // namespace kelu::test
