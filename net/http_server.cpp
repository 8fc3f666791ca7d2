// SPDX-License-Identifier: Apache-2.0
#include "http_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <optional>

namespace kelu::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

struct http_server::session {
  session(tcp::socket s, std::string from) : stream(std::move(s)), address(std::move(from)), wake(stream.get_executor()) {}
  beast::tcp_stream stream;
  std::string address;  // the client's
  bool waiting = true;    // for a request: stop() may close it at once
  bool streaming = false;  // Server-Sent Events
  bool answering = false;  // waiting for a deferred answer: stop() cuts it short (504)
  std::optional<std::string> next;  // the newest event not yet written
  asio::steady_timer wake;
};

namespace {

response plain(unsigned version, http::status status, std::string body) {
  response res{status, version};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.set(http::field::connection, "close");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

// After refusing a request whose rest is still coming: closing with it unread would reset the
// connection and could destroy the answer before the client reads it. So stop sending, read and
// drop a bounded amount for a moment, then close (a lingering close, as web servers do).
template <class Stream>
asio::awaitable<void> linger(beast::tcp_stream& lowest, Stream& stream) {
  beast::error_code ec;
  lowest.socket().shutdown(tcp::socket::shutdown_send, ec);
  lowest.expires_after(std::chrono::milliseconds(500));
  std::array<char, 4096> sink;
  for (std::size_t drained = 0; drained < 256 * 1024 && !ec;)
    drained += co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace

http_server::http_server(asio::any_io_executor ex, http_server_options options, handler h,
                         std::shared_ptr<spdlog::logger> log)
    : ex_(ex), options_(std::move(options)), handler_(std::move(h)), log_(std::move(log)), acceptor_(ex) {}

http_server::~http_server() { stop(); }

core::status http_server::start() {
  const auto where = options_.listen + ":" + std::to_string(options_.port);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options_.listen, ec);
  if (ec) return core::error{options_.name + ": " + options_.listen + " is not an IP address"};
  const tcp::endpoint endpoint{address, options_.port};
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return core::error{options_.name + ": cannot listen on " + where + ": " + ec.message()};
  port_ = acceptor_.local_endpoint().port();
  accept();
  return core::ok();
}

void http_server::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (stopping_ || !acceptor_.is_open()) return;
    if (!ec) {
      ++stats_.connections;
      boost::system::error_code peer_ec;
      const auto peer = socket.remote_endpoint(peer_ec);
      auto address = peer_ec ? std::string("?") : peer.address().to_string();
      if (sessions_.size() >= options_.max_connections)
        refuse(std::move(socket), stats_.refused_busy);
      else if (per_client_[address] >= options_.max_connections_per_client)
        refuse(std::move(socket), stats_.refused_per_client);
      else
        serve(std::move(socket), std::move(address));
    } else {
      log_->warn("{}: accept: {}", options_.name, ec.message());  // e.g. out of file descriptors: keep going
    }
    accept();
  });
}

void http_server::refuse(tcp::socket socket, std::int64_t& counter) {
  ++counter;
  asio::co_spawn(
      ex_,
      [stream = beast::tcp_stream(std::move(socket)), timeout = options_.write_timeout]() mutable -> asio::awaitable<void> {
        auto res = plain(11, http::status::service_unavailable, "busy, try again\n");
        res.set(http::field::retry_after, "2");
        stream.expires_after(timeout);
        beast::error_code ec;
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) co_await linger(stream, stream);
      },
      asio::detached);
}

void http_server::serve(tcp::socket socket, std::string address) {
  const auto unacked = static_cast<unsigned>(options_.unacked_timeout.count());
  ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_USER_TIMEOUT, &unacked, sizeof unacked);
  ++per_client_[address];
  auto s = std::make_shared<session>(std::move(socket), std::move(address));
  sessions_.insert(s);
  asio::co_spawn(ex_, do_session(s), asio::detached);
}

asio::awaitable<void> http_server::do_session(std::shared_ptr<session> s) {
  beast::error_code ec;
  const std::string address = s->address;
  beast::flat_buffer buffer;
  if (!options_.tls) {
    co_await do_converse(s, s->stream, address, false, std::move(buffer));
  } else {
    s->stream.expires_after(options_.header_timeout);
    const bool hello = co_await beast::async_detect_ssl(s->stream, buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == beast::error::timeout) ++stats_.timeouts;
    } else if (!hello) {
      co_await do_converse(s, s->stream, address, false, std::move(buffer));
    } else {
      asio::ssl::stream<beast::tcp_stream&> tls(s->stream, *options_.tls);
      s->stream.expires_after(options_.read_timeout);
      const auto used = co_await tls.async_handshake(asio::ssl::stream_base::server, buffer.data(),
                                                      asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        // Most often a browser that has not accepted the self-signed certificate yet.
        ++stats_.tls_failures;
        log_->debug("{}: TLS handshake with {}: {}", options_.name, address, ec.message());
      } else {
        ++stats_.tls_connections;
        buffer.consume(used);
        co_await do_converse(s, tls, address, true, std::move(buffer));
      }
    }
  }
  // No TLS close_notify: every response is length-delimited (or an event stream the page
  // reconnects), so a truncation cannot pass for a whole answer, and waiting for the peer's
  // close_notify would hold the session.
  beast::error_code ignored;
  s->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  s->stream.close();
  sessions_.erase(s);
  if (const auto it = per_client_.find(s->address); it != per_client_.end() && --it->second == 0) per_client_.erase(it);
}

routed http_server::answer(const request& req, const client_info& client) {
  if (options_.tls && !client.secure) {
    // Plain HTTP while the box has a certificate: the same place in https.
    ++stats_.redirected;
    const auto host = std::string(req[http::field::host]);
    const bool host_ok = !host.empty() && host.size() <= 255 &&
                         host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") ==
                             std::string::npos;
    if (!host_ok) return plain(req.version(), http::status::bad_request, "this box speaks https\n");
    response res{http::status::permanent_redirect, req.version()};
    res.set(http::field::location, "https://" + host + std::string(req.target()));
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(false);
    res.prepare_payload();
    return res;
  }
  try {
    return handler_(req, client);
  } catch (const std::exception& e) {
    // A failing disk under a route (SQLite) answers 500 for this request; the agent goes on.
    ++stats_.handler_errors;
    log_->error("{}: {} {}: {}", options_.name, std::string(req.method_string()),
                std::string(req.target().substr(0, 64)), e.what());
    return plain(req.version(), http::status::internal_server_error, "internal error\n");
  }
}

template <class Stream>
asio::awaitable<void> http_server::do_converse(std::shared_ptr<session> s, Stream& stream, std::string address,
                                               bool secure, beast::flat_buffer buffer) {
  beast::error_code ec;
  bool first = true;
  while (!stopping_) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    parser.body_limit(options_.max_body_bytes);
    s->waiting = true;
    // A new connection has header_timeout for its first header; the idle limit applies between
    // requests; a request must then arrive whole in time.
    s->stream.expires_after(first ? options_.header_timeout : options_.idle_timeout);
    co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && !parser.is_done()) {
      s->stream.expires_after(options_.read_timeout);
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    }
    s->waiting = false;
    first = false;
    std::optional<response> res;
    if (ec == beast::error::timeout) {
      ++stats_.timeouts;
      break;
    } else if (ec == http::error::header_limit) {
      ++stats_.too_large;
      res = plain(11, http::status::request_header_fields_too_large, "request header too large\n");
    } else if (ec == http::error::body_limit) {
      ++stats_.too_large;
      res = plain(11, http::status::payload_too_large, "request body too large\n");
    } else if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
               ec == asio::error::connection_reset || ec == asio::error::eof ||
               ec == asio::ssl::error::stream_truncated) {
      break;
    } else if (ec) {
      ++stats_.bad_requests;
      res = plain(11, http::status::bad_request, "bad request: " + ec.message() + "\n");
    } else {
      auto routed_answer = answer(parser.get(), client_info{address, std::chrono::steady_clock::now(), secure});
      if (auto* later = std::get_if<deferred>(&routed_answer)) {
        res = co_await wait_for(s, std::move(*later), parser.get());
      } else {
        res = std::move(std::get<response>(routed_answer));
      }
      if (stopping_) res->keep_alive(false);
      if (res->result() == http::status::ok && (*res)[http::field::content_type] == "text/event-stream") {
        co_await stream_events(s, stream, *res);
        break;
      }
    }
    const bool refused = static_cast<bool>(ec);
    const bool keep = res->keep_alive() && !refused;
    s->stream.expires_after(options_.write_timeout);
    co_await http::async_write(stream, *res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == beast::error::timeout) ++stats_.timeouts;
    if (!ec && refused) co_await linger(s->stream, stream);
    if (ec || !keep) break;
  }
}

asio::awaitable<response> http_server::wait_for(std::shared_ptr<session> s, deferred later, const request& req) {
  // The answer comes through `done`; the session's timer wakes this coroutine when it does, or
  // at the deadline. `done` may run after that (a slow camera): it finds `answered` set and the
  // slot unwatched, and its response is dropped.
  struct slot {
    std::optional<response> res;
    bool answered = false;
  };
  auto box = std::make_shared<slot>();
  s->wake.expires_after(later.deadline);
  later.start([box, weak = std::weak_ptr<session>(s)](response r) {
    if (box->answered) return;
    box->res = std::move(r);
    if (auto live = weak.lock()) live->wake.cancel();
  });
  if (!box->res) {
    beast::error_code ec;
    s->answering = true;
    co_await s->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    s->answering = false;
  }
  box->answered = true;
  if (box->res) co_return std::move(*box->res);
  ++stats_.timeouts;
  response res{http::status::gateway_timeout, req.version()};
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = stopping_ ? R"({"error":"the box is stopping"})" : R"({"error":"no answer in time"})";
  res.prepare_payload();
  co_return res;
}

template <class Stream>
asio::awaitable<void> http_server::stream_events(std::shared_ptr<session> s, Stream& stream, const response& head) {
  // The header by hand: no Content-Length and no chunking, the body runs until either side closes.
  std::string out = "HTTP/1.1 200 OK\r\n";
  for (const auto& f : head)
    if (f.name() != http::field::content_length) out += std::string(f.name_string()) + ": " + std::string(f.value()) + "\r\n";
  out += "Connection: keep-alive\r\n\r\n" + head.body();
  s->streaming = true;
  beast::error_code ec;
  while (!stopping_) {
    s->stream.expires_after(options_.write_timeout);
    co_await asio::async_write(stream, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    if (!s->next) {
      s->wake.expires_after(options_.heartbeat);
      co_await s->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (stopping_) break;
    }
    if (s->next) {
      out = std::move(*s->next);
      s->next.reset();
      ++stats_.events_sent;
    } else {
      out = ": keep-alive\n\n";
    }
  }
  s->streaming = false;
}

http_server_stats http_server::stats() const {
  auto s = stats_;
  s.active = static_cast<std::int64_t>(sessions_.size());
  return s;
}

void http_server::publish(const std::string& event) {
  for (const auto& s : sessions_) {
    if (!s->streaming) continue;
    if (s->next) ++stats_.events_superseded;
    s->next = event;
    s->wake.cancel();
  }
}

std::size_t http_server::subscribers() const {
  return static_cast<std::size_t>(std::count_if(sessions_.begin(), sessions_.end(), [](const auto& s) { return s->streaming; }));
}

void http_server::stop() {
  if (stopping_) return;
  stopping_ = true;
  beast::error_code ignored;
  acceptor_.close(ignored);
  // Idle connections go now; one being answered closes after its response is written.
  for (const auto& s : sessions_)
    if (s->waiting || s->streaming || s->answering) {
      s->wake.cancel();
      s->stream.cancel();
    }
}

}  // namespace kelu::net
