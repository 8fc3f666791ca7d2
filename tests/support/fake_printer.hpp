// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kelu::test {

// A receipt printer on loopback: keeps every byte of each job, and answers a real-time
// status request (DLE EOT n) with one status byte, as Epson printers do.
class fake_printer {
 public:
  fake_printer() : acceptor_(io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] {
      for (;;) {
        boost::asio::ip::tcp::socket s(io_);
        boost::system::error_code ec;
        acceptor_.accept(s, ec);
        if (ec) return;
        std::string job;
        std::array<char, 8192> buf;
        for (;;) {
          const auto n = s.read_some(boost::asio::buffer(buf), ec);
          job.append(buf.data(), n);
          for (std::size_t i = 0; i + 1 < n; ++i)
            if (buf[i] == 0x10 && buf[i + 1] == 0x04) boost::asio::write(s, boost::asio::buffer("\x16", 1), ec);
          if (ec) break;
        }
        std::lock_guard lock(m_);
        jobs_.push_back(std::move(job));
      }
    });
  }
  ~fake_printer() {
    // shutdown() wakes a blocking accept() on Linux; close() alone would not.
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::vector<std::string> jobs() {
    std::lock_guard lock(m_);
    return jobs_;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex m_;
  std::vector<std::string> jobs_;
};

}  // namespace kelu::test
