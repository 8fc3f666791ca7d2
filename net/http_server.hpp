// SPDX-License-Identifier: Apache-2.0
#pragma once
// An HTTP/1.1 server on Boost.Beast: the dashboard's and HQ's enrolment endpoint. Everything bounded: at most
// `max_connections` at once and `max_connections_per_client` from one address (more are answered
// 503 and closed, so one device on the guest Wi-Fi holding idle or half-sent requests cannot take
// every slot), a deadline on every read and write (a first request's header within
// `header_timeout`), header and body size limits (431 / 413), keep-alive with an idle limit. Requests go to
// `handler` (the router) one at a time per connection, on the io_context thread.
//
// Server-Sent Events: a response the handler gives with Content-Type text/event-stream keeps its
// connection open after the header and its body; publish() then sends an event (sse_event(), http_message.hpp)
// to every such connection. Only the newest event matters to a page showing "today so far", so an event not
// yet written to a slow client is replaced by the next (bounded memory per client). A comment
// line goes every 15 s so proxies and phones keep the connection.
//
// TLS: with `tls` set, the port speaks both. A connection that opens with a TLS ClientHello is
// served encrypted (handshake within read_timeout); one that opens in plain HTTP gets every request
// answered 308 to the same address in https, so the technician's session and the audit clip
// never travel in clear. client_info::secure says which (cookies get `Secure`).
//
// stop(): no new connections; connections waiting for a request, for a deferred answer (504) or
// streaming are closed at once, a response
// being written finishes (within the write deadline), then its connection closes. After the
// last session ends (stats().active == 0), nothing touches the handler again. Destroy it after
// that, or once the io_context will not run again.
#include <boost/asio/any_io_executor.hpp>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "http_message.hpp"

namespace boost::asio::ssl {
class context;
}

namespace spdlog {
class logger;
}

namespace kelu::net {

struct http_server_options {
  std::string name{"http"};  // what log lines and errors start with ("dashboard", "enrolment")
  std::string listen = "0.0.0.0";
  std::uint16_t port = 8080;  // 0: any free port (tests)
  std::size_t max_connections = 64;
  // A phone's browser opens at most 6 connections to a host, and one for the event stream.
  std::size_t max_connections_per_client = 16;
  std::chrono::milliseconds header_timeout{5000};  // a new connection's first request header
  std::chrono::milliseconds read_timeout{10000};   // a whole request, from its first byte
  std::chrono::milliseconds idle_timeout{30000};  // keep-alive: waiting for the next request
  std::chrono::milliseconds write_timeout{10000};
  // Data the client has not acknowledged for this long ends the connection (TCP_USER_TIMEOUT): a
  // phone gone from the Wi-Fi without closing its event stream frees the slot in seconds, not
  // after the kernel's quarter of an hour of retransmissions.
  std::chrono::milliseconds unacked_timeout{20000};
  std::chrono::milliseconds heartbeat{15000};  // streaming connections: a comment line this often
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: plain HTTP only (tls_identity.hpp makes one)
};

struct http_server_stats {
  std::int64_t connections = 0;  // accepted, ever
  std::int64_t active = 0;
  std::int64_t refused_busy = 0;
  std::int64_t refused_per_client = 0;  // the address already held max_connections_per_client
  std::int64_t timeouts = 0;
  std::int64_t too_large = 0;
  std::int64_t bad_requests = 0;
  std::int64_t tls_connections = 0;  // handshakes completed
  std::int64_t tls_failures = 0;     // handshakes refused or timed out (a browser not trusting us yet)
  std::int64_t redirected = 0;       // plain requests sent to https
  std::int64_t handler_errors = 0;  // a route threw (its storage failed): answered 500
  std::int64_t events_sent = 0;
  std::int64_t events_superseded = 0;  // replaced before a slow client took them
};

class http_server {
 public:
  // Returns a response, or a `deferred` one the session waits for (up to its deadline).
  using handler = std::function<routed(const request&, const client_info&)>;
  http_server(boost::asio::any_io_executor ex, http_server_options options, handler h,
              std::shared_ptr<spdlog::logger> log);
  ~http_server();

  core::status start();  // binds and listens; the error names the address
  std::uint16_t port() const { return port_; }
  void stop();
  // To every streaming connection: `event` as sse_event() formats it.
  void publish(const std::string& event);
  std::size_t subscribers() const;
  http_server_stats stats() const;

 private:
  struct session;
  void accept();
  void serve(boost::asio::ip::tcp::socket socket, std::string address);
  void refuse(boost::asio::ip::tcp::socket socket, std::int64_t& counter);
  boost::asio::awaitable<void> do_session(std::shared_ptr<session> s);
  // Request after request on one connection, plain or TLS.
  template <class Stream>
  boost::asio::awaitable<void> do_converse(std::shared_ptr<session> s, Stream& stream, std::string address,
                                           bool secure, boost::beast::flat_buffer buffer);
  routed answer(const request& req, const client_info& client);
  template <class Stream>
  boost::asio::awaitable<void> stream_events(std::shared_ptr<session> s, Stream& stream, const response& head);
  boost::asio::awaitable<response> wait_for(std::shared_ptr<session> s, deferred later, const request& req);

  boost::asio::any_io_executor ex_;
  http_server_options options_;
  handler handler_;
  std::shared_ptr<spdlog::logger> log_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  bool stopping_ = false;
  std::set<std::shared_ptr<session>> sessions_;
  std::map<std::string, std::size_t> per_client_;  // open sessions by remote address
  http_server_stats stats_;
};

}  // namespace kelu::net
