// SPDX-License-Identifier: Apache-2.0
#include "delay_proxy.hpp"

#include <sys/socket.h>

#include <boost/asio/write.hpp>

#include <array>
#include <condition_variable>
#include <deque>
#include <optional>

namespace kelu::test {

namespace {

using steady = std::chrono::steady_clock;

// What one direction has read and not yet written: chunks with the time each may go, and the
// end of the stream once read. The reader adds, the writer waits for the head to be due.
struct in_flight {
  struct chunk {
    steady::time_point due;
    std::optional<std::string> bytes;  // none: the reading side closed
  };
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<chunk> chunks;
  bool abandoned = false;  // the writer's side failed: the reader stops
};

}  // namespace

delay_proxy::delay_proxy(const std::string& listen_address, const std::string& target_address,
                         std::uint16_t target_port, std::chrono::milliseconds one_way)
    : acceptor_(io_, {boost::asio::ip::make_address(listen_address), 0}),
      target_(boost::asio::ip::make_address(target_address), target_port),
      one_way_(one_way) {
  accept_thread_ = std::thread([this] { accept_loop(); });
}

delay_proxy::~delay_proxy() {
  stopping_ = true;
  ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes the blocking accept()
  accept_thread_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    for (auto& s : sockets_) ::shutdown(s->native_handle(), SHUT_RDWR);  // wakes the blocking reads
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

std::uint16_t delay_proxy::port() const { return acceptor_.local_endpoint().port(); }

void delay_proxy::accept_loop() {
  while (!stopping_) {
    auto client = std::make_shared<tcp::socket>(io_);
    boost::system::error_code ec;
    acceptor_.accept(*client, ec);
    if (ec) return;
    auto server = std::make_shared<tcp::socket>(io_);
    server->connect(target_, ec);
    if (ec) continue;  // the client sees its connection closed, as through a router to nowhere
    ++connections_;
    std::lock_guard lock(mutex_);
    sockets_.push_back(client);
    sockets_.push_back(server);
    threads_.emplace_back([this, client, server] { relay(client, server); });
    threads_.emplace_back([this, client, server] { relay(server, client); });
  }
}

// One direction: a reading thread (this one) and a writing thread, so that bytes read keep
// arriving while earlier ones wait out their delay.
void delay_proxy::relay(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to) {
  auto q = std::make_shared<in_flight>();
  std::thread writer([this, q, to] {
    for (;;) {
      std::unique_lock lock(q->mutex);
      q->changed.wait(lock, [&] { return !q->chunks.empty(); });
      const auto due = q->chunks.front().due;
      if (q->changed.wait_until(lock, due, [&] { return stopping_.load(); })) break;
      auto c = std::move(q->chunks.front());
      q->chunks.pop_front();
      lock.unlock();
      boost::system::error_code ec;
      if (!c.bytes) {
        to->shutdown(tcp::socket::shutdown_send, ec);
        return;
      }
      boost::asio::write(*to, boost::asio::buffer(*c.bytes), ec);
      if (ec) break;
      bytes_ += static_cast<std::int64_t>(c.bytes->size());
    }
    std::lock_guard lock(q->mutex);
    q->abandoned = true;
  });
  std::array<char, 16384> buf;
  for (;;) {
    boost::system::error_code ec;
    const auto n = from->read_some(boost::asio::buffer(buf), ec);
    std::lock_guard lock(q->mutex);
    if (q->abandoned) break;
    q->chunks.push_back({steady::now() + one_way_, ec ? std::nullopt : std::optional<std::string>(std::string(buf.data(), n))});
    q->changed.notify_all();
    if (ec) break;
  }
  {
    std::lock_guard lock(q->mutex);
    if (q->chunks.empty() || q->chunks.back().bytes) q->chunks.push_back({steady::now(), std::nullopt});
    q->changed.notify_all();
  }
  writer.join();
  boost::system::error_code ec;
  from->shutdown(tcp::socket::shutdown_receive, ec);
}

}  // namespace kelu::test
