// SPDX-License-Identifier: Apache-2.0
#include "http_get.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <optional>
#include <random>

#include "http_auth.hpp"

namespace kelu::drivers {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct url_parts {
  std::string host, port = "80", target = "/";
};

std::optional<url_parts> split(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return std::nullopt;
  const auto rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  url_parts p;
  auto authority = rest.substr(0, slash);
  if (slash != std::string::npos) p.target = rest.substr(slash);
  if (const auto colon = authority.rfind(':'); colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    p.port = authority.substr(colon + 1);
    authority.resize(colon);
  }
  if (authority.size() > 2 && authority.front() == '[' && authority.back() == ']') authority = authority.substr(1, authority.size() - 2);
  p.host = authority;
  if (p.host.empty()) return std::nullopt;
  return p;
}

class exchange : public std::enable_shared_from_this<exchange> {
 public:
  exchange(asio::any_io_executor ex, http_get_request r, http_get_handler done, url_parts url)
      : req_(std::move(r)), done_(std::move(done)), url_(std::move(url)), resolver_(ex), stream_(ex), deadline_(ex) {}

  void start() {
    deadline_.expires_after(req_.timeout);
    deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->finished_) return;
      self->timed_out_ = true;
      self->resolver_.cancel();
      self->stream_.close();
    });
    do_resolve();
  }

 private:
  void do_resolve() {
    resolver_.async_resolve(url_.host, url_.port, [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
      self->on_resolve(ec, std::move(r));
    });
  }
  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail("cannot resolve " + url_.host, ec);
    endpoints_ = std::move(results);
    do_connect();
  }
  void do_connect() {
    stream_.async_connect(endpoints_, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
      self->on_connect(ec);
    });
  }
  void on_connect(beast::error_code ec) {
    if (ec) return fail("cannot connect", ec);
    do_write();
  }
  void do_write() {
    request_ = {http::verb::get, url_.target, 11};
    request_.set(http::field::host, url_.host);
    request_.set(http::field::user_agent, "kelu");
    if (!authorization_.empty()) request_.set(http::field::authorization, authorization_);
    http::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_write(ec);
    });
  }
  void on_write(beast::error_code ec) {
    if (ec) return fail("cannot send the request", ec);
    do_read();
  }
  void do_read() {
    parser_.emplace();
    parser_->body_limit(req_.max_body_bytes);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }
  void on_read(beast::error_code ec) {
    if (ec) return fail("no answer", ec);
    auto res = parser_->release();
    if (res.result() == http::status::unauthorized && authorization_.empty() && !req_.username.empty()) {
      const auto www = res[http::field::www_authenticate];
      const std::string_view header(www.data(), www.size());
      if (const auto c = parse_digest_challenge(header)) {
        static thread_local std::mt19937_64 gen{std::random_device{}()};
        char cnonce[17];
        std::snprintf(cnonce, sizeof cnonce, "%016llx", static_cast<unsigned long long>(gen()));
        authorization_ = digest_answer(*c, req_.username, req_.password, "GET", url_.target, 1, cnonce);
        scheme_ = "Digest";
      } else {
        authorization_ = basic_authorization(req_.username, req_.password);
        scheme_ = "Basic";
      }
      // Devices often close after a 401: answer on a fresh connection.
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.close();
      buffer_.clear();
      return do_connect();
    }
    if (res.result() == http::status::unauthorized)
      return finish(core::error{req_.url + ": 401" +
                                (scheme_.empty() ? std::string(" and no username configured")
                                                 : " after answering the " + scheme_ + " challenge: wrong username or password")});
    if (res.result() != http::status::ok)
      return finish(core::error{req_.url + ": HTTP " + std::to_string(res.result_int())});
    finish(std::move(res.body()));
  }

  void fail(const std::string& what, beast::error_code ec) {
    if (timed_out_)
      return finish(core::error{req_.url + ": timed out after " +
                                std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(req_.timeout).count()) +
                                " ms"});
    finish(core::error{req_.url + ": " + what + ": " + ec.message()});
  }

  void finish(core::result<std::string> r) {
    if (finished_) return;
    finished_ = true;
    deadline_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    done_(std::move(r));
  }

  http_get_request req_;
  http_get_handler done_;
  url_parts url_;
  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  asio::steady_timer deadline_;
  tcp::resolver::results_type endpoints_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::string authorization_;
  std::string scheme_;
  bool finished_ = false;
  bool timed_out_ = false;
};

}  // namespace

void http_get(asio::any_io_executor ex, http_get_request request, http_get_handler done) {
  auto url = split(request.url);
  if (!url) {
    asio::post(ex, [done = std::move(done), u = request.url] { done(core::error{u + ": not an http:// URL"}); });
    return;
  }
  std::make_shared<exchange>(ex, std::move(request), std::move(done), std::move(*url))->start();
}

}  // namespace kelu::drivers
