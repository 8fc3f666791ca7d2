// SPDX-License-Identifier: Apache-2.0
#include "http_post.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>

#include <stdexcept>

namespace kelu::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::use_awaitable;

template <class Stream>
asio::awaitable<http_answer> exchange(Stream& stream, const http_url& u, const std::string& body,
                                      std::size_t body_limit) {
  http::request<http::string_body> req{http::verb::post, u.target, 11};
  req.set(http::field::host, u.host);
  req.set(http::field::user_agent, "kelu");
  req.set(http::field::content_type, "application/json; charset=utf-8");
  req.body() = body;
  req.prepare_payload();
  co_await http::async_write(stream, req, use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(body_limit);
  co_await http::async_read(stream, buffer, parser, use_awaitable);
  co_return http_answer{static_cast<int>(parser.get().result_int()), parser.get().body()};
}

}  // namespace

bool split_url(const std::string& url, http_url& out) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return false;
  const auto scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  out.tls = scheme == "https";
  const auto rest = url.substr(scheme_end + 3);
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  out.host = colon == std::string::npos ? authority : authority.substr(0, colon);
  out.port = colon == std::string::npos ? (out.tls ? "443" : "80") : authority.substr(colon + 1);
  return !out.host.empty();
}

asio::awaitable<http_answer> http_post(asio::any_io_executor ex, asio::ssl::context& tls, http_url u,
                                       std::string body, std::chrono::seconds timeout, std::size_t body_limit) {
  asio::ip::tcp::resolver resolver{ex};
  beast::tcp_stream tcp{ex};
  tcp.expires_after(timeout);
  const auto endpoints = co_await resolver.async_resolve(u.host, u.port, use_awaitable);
  co_await tcp.async_connect(endpoints, use_awaitable);
  if (!u.tls) co_return co_await exchange(tcp, u, body, body_limit);
  beast::ssl_stream<beast::tcp_stream> stream{std::move(tcp), tls};
  // SSL_set_tlsext_host_name, spelled out: the macro's C cast trips our warnings.
  if (!SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                static_cast<void*>(u.host.data())))
    throw std::runtime_error("cannot set TLS server name " + u.host);
  stream.set_verify_callback(asio::ssl::host_name_verification(u.host));
  co_await stream.async_handshake(asio::ssl::stream_base::client, use_awaitable);
  co_return co_await exchange(stream, u, body, body_limit);
}

}  // namespace kelu::net
