// SPDX-License-Identifier: Apache-2.0
#pragma once
// A real HTTP server on a free loopback port that records each request and answers from a
// script (status, body); after the script it answers 200 {"errcode":0}. Stands in for a chat
// robot's webhook endpoint.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace kelu::test {

class http_sink {
 public:
  struct request {
    std::string target;
    std::string body;
    std::string content_type;
  };

  explicit http_sink(std::vector<std::pair<int, std::string>> script = {}) : script_(script.begin(), script.end()) {
    acceptor_.open(boost::asio::ip::tcp::v4());
    acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~http_sink() {
    // A blocking accept does not wake when the acceptor closes: connect once to wake it.
    stopping_ = true;
    boost::system::error_code ec;
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket wake{io};
    wake.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  // Waits up to `timeout` for `n` requests; returns what arrived.
  std::vector<request> wait_for(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
    return requests_;
  }

 private:
  void serve() {
    namespace http = boost::beast::http;
    for (;;) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket{io_};
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(socket, buffer, req, ec);
      if (ec) continue;
      std::pair<int, std::string> answer{200, R"({"errcode":0,"errmsg":"ok"})"};
      {
        std::lock_guard lock(mutex_);
        requests_.push_back({std::string(req.target()), req.body(), std::string(req[http::field::content_type])});
        if (!script_.empty()) {
          answer = script_.front();
          script_.pop_front();
        }
      }
      cv_.notify_all();
      http::response<http::string_body> res{static_cast<http::status>(answer.first), 11};
      res.set(http::field::content_type, "application/json");
      res.body() = answer.second;
      res.prepare_payload();
      http::write(socket, res, ec);
      socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    }
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  unsigned short port_ = 0;
  std::deque<std::pair<int, std::string>> script_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<request> requests_;
  std::thread thread_;
};

}  // namespace kelu::test
