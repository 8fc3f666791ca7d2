// SPDX-License-Identifier: Apache-2.0
#pragma once
// Stands in for a broker that speaks MQTT 3.1.1 only (RabbitMQ 3.10 drops an MQTT 5 CONNECT):
// a loopback proxy that closes any connection whose CONNECT carries protocol level 5 and
// pipes the others to a real broker.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace kelu::test {

class v311_only_proxy {
 public:
  explicit v311_only_proxy(std::uint16_t broker_port)
      : broker_port_(broker_port), acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { serve(); });
  }
  ~v311_only_proxy() {
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes the blocking accept()
    thread_.join();
    for (auto& t : pipes_) t.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int refused_v5() const { return refused_v5_; }

 private:
  using tcp = boost::asio::ip::tcp;
  void serve() {
    for (;;) {
      auto client = std::make_shared<tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*client, ec);
      if (ec) return;
      // CONNECT: 0x10, remaining length (varint), protocol name (2-byte length + "MQTT"), level.
      std::vector<unsigned char> head;
      unsigned char b = 0;
      if (boost::asio::read(*client, boost::asio::buffer(&b, 1), ec) != 1) continue;
      head.push_back(b);
      do {
        if (boost::asio::read(*client, boost::asio::buffer(&b, 1), ec) != 1) break;
        head.push_back(b);
      } while ((b & 0x80) != 0 && head.size() < 5);
      std::array<unsigned char, 7> proto{};
      if (boost::asio::read(*client, boost::asio::buffer(proto), ec) != proto.size()) continue;
      head.insert(head.end(), proto.begin(), proto.end());
      if (proto[6] == 5) {
        ++refused_v5_;
        client->close(ec);
        continue;
      }
      auto broker = std::make_shared<tcp::socket>(io_);
      broker->connect({boost::asio::ip::make_address("127.0.0.1"), broker_port_}, ec);
      if (ec) continue;
      boost::asio::write(*broker, boost::asio::buffer(head), ec);
      const auto pipe = [](std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to) {
        std::array<char, 8192> buf;
        boost::system::error_code e;
        for (;;) {
          const auto n = from->read_some(boost::asio::buffer(buf), e);
          if (e || boost::asio::write(*to, boost::asio::buffer(buf.data(), n), e) != n || e) break;
        }
        to->shutdown(tcp::socket::shutdown_both, e);
        from->shutdown(tcp::socket::shutdown_both, e);
      };
      pipes_.emplace_back(pipe, client, broker);
      pipes_.emplace_back(pipe, broker, client);
    }
  }

  std::uint16_t broker_port_;
  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::vector<std::thread> pipes_;
  std::atomic<int> refused_v5_{0};
};

}  // namespace kelu::test
