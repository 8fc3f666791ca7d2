// SPDX-License-Identifier: Apache-2.0
#pragma once
// The HTTP/1.1 side every push receiver shares (the POS webhook, the people-counter receiver),
// on Boost.Beast: one tcp_listener, at most `max_connections` connections and
// `max_connections_per_client` from one address (more are answered 503 with Retry-After, closed and
// counted, as every TCP source refuses: tcp_listener.hpp), a request
// read under a header and body limit and a deadline, handed to the receiver, and the answer it
// gives written under the same deadline; keep-alive for the next request. A receiver answers each request exactly once, at once or later (after a commit).
// All on the io_context thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "tcp_listener.hpp"

namespace kelu::drivers {

struct http_listener_options {
  std::string listen = "0.0.0.0";
  std::uint16_t port = 0;
  std::string config_section;  // named in a bind error: "sources.webhook"
  std::size_t max_connections = 64;
  // So that one device on the LAN holding idle connections cannot keep every till or counter out.
  std::size_t max_connections_per_client = 16;
  std::size_t max_body_bytes = 1 << 20;
  std::chrono::seconds timeout{15};
};

struct http_answer {
  boost::beast::http::status status = boost::beast::http::status::ok;
  std::string content_type = "text/plain";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Retry-After, WWW-Authenticate, ...
  bool close = false;
};

// One request in flight: what the receiver reads, and how it answers.
class http_exchange {
 public:
  virtual ~http_exchange() = default;
  virtual const boost::beast::http::request<boost::beast::http::string_body>& request() const = 0;
  virtual const std::string& peer() const = 0;  // the client's address, for health and logs
  // Exactly once per request. Safe after the listener stopped (then it does nothing).
  virtual void answer(http_answer a) = 0;
};

class http_listener {
 public:
  // `on_request` gets each request; `on_too_large` is told of a body past the limit and gives
  // the answer (a 413, in the receiver's own form), after which the connection closes.
  using request_handler = std::function<void(std::shared_ptr<http_exchange>)>;
  using too_large_handler = std::function<http_answer(const std::string& peer)>;

  http_listener(boost::asio::any_io_executor ex, http_listener_options options, request_handler on_request,
                too_large_handler on_too_large);
  ~http_listener();

  // Binds and accepts; the bound port, or an error naming the config section.
  core::result<std::uint16_t> start();
  // Closes the acceptor and every connection; nothing is handed to the receiver after it.
  void stop();
  std::int64_t refused_connections() const { return listener_.stats().refused; }
  // Of which their address already held max_connections_per_client.
  std::int64_t refused_per_client() const { return listener_.stats().refused_per_client; }

 private:
  class session;
  void on_connection(boost::asio::ip::tcp::socket socket);
  std::size_t open_from(const boost::asio::ip::address& address) const;

  boost::asio::any_io_executor ex_;
  http_listener_options options_;
  request_handler on_request_;
  too_large_handler on_too_large_;
  std::set<std::shared_ptr<session>> sessions_;  // before listener_, which counts them
  tcp_listener listener_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kelu::drivers
