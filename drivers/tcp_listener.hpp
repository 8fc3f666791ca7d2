// SPDX-License-Identifier: Apache-2.0
#pragma once
// The accept loop of every TCP source (the tills' JSON lines, the HTTP push receivers, the printer
// tap), so that all of them bind, name their errors and refuse the same way. Bound with listen_on
// (a bad address or a taken port names the config section). Past `max_connections` open at once a
// new connection is refused: sent `refusal`, the protocol's own "busy, try again" (a JSON error
// line to a till, a 503 to a pusher, nothing on a raw printer stream), closed at once, and
// counted. A refusal never waits: it is one non-blocking write into the new socket's empty send
// buffer. An accept that fails (out of file descriptors) is retried after a pause rather than in
// a busy loop, counted and logged.
//
// The owner keeps its connections and says how many are open (`open_count`); the listener hands it
// each accepted socket. All on the io_context thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace spdlog {
class logger;
}

namespace kelu::drivers {

struct tcp_listener_options {
  std::string listen;
  std::uint16_t port = 0;
  std::string config_section;   // named in a bind error: "sources.pos_tcp"
  std::size_t max_connections = 1;  // from the source's key (sources.*.max_connections)
  std::string refusal;          // written to a refused connection before it is closed; may be empty
  // At most this many at once from one address (0: no such bound), so that one device cannot take
  // every place; refused like the rest. Needs the owner's count of its connections by address.
  std::size_t max_connections_per_client = 0;
};

struct tcp_listener_stats {
  std::int64_t refused = 0;        // connections past max_connections or max_connections_per_client
  std::int64_t refused_per_client = 0;  // of which their address held max_connections_per_client
  std::int64_t accept_errors = 0;  // accepts that failed (each retried after a pause)
  std::string last_accept_error;
};

class tcp_listener {
 public:
  using open_count = std::function<std::size_t()>;
  using open_from_count = std::function<std::size_t(const boost::asio::ip::address&)>;
  using connection_handler = std::function<void(boost::asio::ip::tcp::socket)>;

  // `log` (may be null) is told of each failed accept, naming the config section. `open_from`
  // (needed when options.max_connections_per_client is set) counts the owner's open connections
  // from one address.
  tcp_listener(boost::asio::any_io_executor ex, tcp_listener_options options, open_count count,
               connection_handler on_connection, std::shared_ptr<spdlog::logger> log = nullptr,
               open_from_count open_from = nullptr);
  ~tcp_listener();
  tcp_listener(const tcp_listener&) = delete;
  tcp_listener& operator=(const tcp_listener&) = delete;

  // Binds and starts accepting; the bound port (the chosen one when port is 0).
  core::result<std::uint16_t> start();
  // Closes the acceptor: nothing is handed over after it. The owner closes its own connections.
  void stop();
  const tcp_listener_stats& stats() const { return stats_; }

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
  bool past_client_bound(const boost::asio::ip::tcp::socket& socket) const;
  void refuse(boost::asio::ip::tcp::socket& socket);

  tcp_listener_options options_;
  open_count open_count_;
  open_from_count open_from_;
  connection_handler on_connection_;
  std::shared_ptr<spdlog::logger> log_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer pause_;
  tcp_listener_stats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kelu::drivers
