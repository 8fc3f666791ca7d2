// SPDX-License-Identifier: Apache-2.0
#include "tcp_listener.hpp"

#include <spdlog/spdlog.h>

#include "listen.hpp"

namespace kelu::drivers {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
// After a failed accept (EMFILE, ENFILE, ENOBUFS): long enough not to spin, short enough that
// tills retrying meet a listener again within a second.
constexpr std::chrono::milliseconds accept_pause{100};
}  // namespace

tcp_listener::tcp_listener(asio::any_io_executor ex, tcp_listener_options options, open_count count,
                           connection_handler on_connection, std::shared_ptr<spdlog::logger> log,
                           open_from_count open_from)
    : options_(std::move(options)),
      open_count_(std::move(count)),
      open_from_(std::move(open_from)),
      on_connection_(std::move(on_connection)),
      log_(std::move(log)),
      acceptor_(ex),
      pause_(ex) {}

tcp_listener::~tcp_listener() {
  *alive_ = false;
  stop();
}

core::result<std::uint16_t> tcp_listener::start() {
  auto port = listen_on(acceptor_, options_.listen, options_.port, options_.config_section);
  if (!port) return port;
  do_accept();
  return port;
}

void tcp_listener::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  pause_.cancel();
}

void tcp_listener::do_accept() {
  acceptor_.async_accept([this, alive = alive_](boost::system::error_code ec, tcp::socket socket) {
    if (!*alive || !acceptor_.is_open()) return;
    on_accept(ec, std::move(socket));
  });
}

void tcp_listener::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec) {
    ++stats_.accept_errors;
    stats_.last_accept_error = ec.message();
    if (log_) log_->warn("{}: accept: {}; trying again in {} ms", options_.config_section, ec.message(), accept_pause.count());
    pause_.expires_after(accept_pause);
    pause_.async_wait([this, alive = alive_](boost::system::error_code waited) {
      if (*alive && !waited && acceptor_.is_open()) do_accept();
    });
    return;
  }
  if (open_count_() >= options_.max_connections) {
    refuse(socket);
  } else if (past_client_bound(socket)) {
    ++stats_.refused_per_client;
    refuse(socket);
  } else {
    on_connection_(std::move(socket));
  }
  do_accept();
}

bool tcp_listener::past_client_bound(const tcp::socket& socket) const {
  if (options_.max_connections_per_client == 0 || !open_from_) return false;
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  return !ec && open_from_(peer.address()) >= options_.max_connections_per_client;
}

void tcp_listener::refuse(tcp::socket& socket) {
  ++stats_.refused;
  boost::system::error_code ignored;
  if (!options_.refusal.empty()) {
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(options_.refusal), ignored);
  }
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace kelu::drivers
