// SPDX-License-Identifier: Apache-2.0
#include "http_listener.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <optional>

#include "tcp_listener.hpp"

namespace kelu::drivers {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class http_listener::session : public http_exchange, public std::enable_shared_from_this<session> {
 public:
  session(http_listener& owner, tcp::socket socket) : owner_(owner), alive_(owner.alive_), stream_(std::move(socket)) {
    boost::system::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) address_ = ep.address();
    peer_ = ec ? std::string("?") : address_.to_string();
  }

  const asio::ip::address& address() const { return address_; }

  const http::request<http::string_body>& request() const override { return request_; }
  const std::string& peer() const override { return peer_; }

  void start() { do_read(); }
  void close() {
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  void answer(http_answer a) override {
    if (!*alive_) return;
    response_ = {};
    response_.result(a.status);
    response_.version(request_.version() ? request_.version() : 11);
    response_.set(http::field::content_type, a.content_type);
    response_.set(http::field::server, "kelu");
    for (const auto& [k, v] : a.headers) response_.set(k, v);
    response_.keep_alive(!a.close && request_.keep_alive());
    response_.body() = std::move(a.body);
    response_.prepare_payload();
    stream_.expires_after(owner_.options_.timeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(owner_.options_.max_body_bytes);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(owner_.options_.timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (!*alive_) return;
    if (ec == http::error::body_limit) {
      auto a = owner_.on_too_large_(peer_);
      a.status = http::status::payload_too_large;
      a.close = true;  // the rest of the body is still on the wire
      return answer(std::move(a));
    }
    if (ec) return finish();  // closed, reset, or past the deadline
    request_ = parser_->release();
    owner_.on_request_(shared_from_this());
  }

  void on_write(beast::error_code ec) {
    if (!*alive_) return;
    if (ec || !response_.keep_alive()) return finish();
    do_read();
  }

  void finish() {
    close();
    owner_.sessions_.erase(shared_from_this());
  }

  http_listener& owner_;
  std::shared_ptr<bool> alive_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  asio::ip::address address_;
  std::string peer_;
};

http_listener::http_listener(asio::any_io_executor ex, http_listener_options options, request_handler on_request,
                             too_large_handler on_too_large)
    : ex_(ex),
      options_(std::move(options)),
      on_request_(std::move(on_request)),
      on_too_large_(std::move(on_too_large)),
      listener_(ex,
                {options_.listen, options_.port, options_.config_section, options_.max_connections,
                 // A pusher past the limit is told to come back, as HTTP says it, rather than cut off.
                 "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain\r\n"
                 "Content-Length: 21\r\nConnection: close\r\n\r\ntoo many connections\n",
                 options_.max_connections_per_client},
                [this] { return sessions_.size(); }, [this](tcp::socket socket) { on_connection(std::move(socket)); },
                nullptr, [this](const asio::ip::address& a) { return open_from(a); }) {}

http_listener::~http_listener() {
  *alive_ = false;
  stop();
}

core::result<std::uint16_t> http_listener::start() { return listener_.start(); }

void http_listener::on_connection(tcp::socket socket) {
  auto s = std::make_shared<session>(*this, std::move(socket));
  sessions_.insert(s);
  s->start();
}

// A linear count: at most max_connections sessions, and only on an accept.
std::size_t http_listener::open_from(const asio::ip::address& address) const {
  std::size_t n = 0;
  for (const auto& s : sessions_) n += s->address() == address ? 1u : 0u;
  return n;
}

void http_listener::stop() {
  *alive_ = false;
  listener_.stop();
  for (const auto& s : sessions_) s->close();
  sessions_.clear();
}

}  // namespace kelu::drivers
