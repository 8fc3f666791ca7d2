// SPDX-License-Identifier: Apache-2.0
#pragma once
// A blocking HTTP/1.1 request against a loopback server, with a deadline: what a browser, a
// script or a Prometheus scraper sends, for tests of the dashboard.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kelu::test {

struct http_reply {
  int status = 0;  // 0: no answer (the error says why)
  std::string body;
  std::string content_type;
  std::string set_cookie;
  std::string location;
  std::string error;
};

using http_headers = std::vector<std::pair<std::string, std::string>>;

inline http_reply http_request(std::uint16_t port, boost::beast::http::verb verb, const std::string& target,
                               const std::string& body, const http_headers& headers, std::chrono::seconds deadline) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  http_reply out;
  beast::error_code ec;
  stream.expires_after(deadline);
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) {
    out.error = ec.message();
    return out;
  }
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) req.set(name, value);
  if (verb == http::verb::post) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
  }
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (!ec) http::read(stream, buffer, res, ec);
  if (ec) {
    out.error = ec.message();
    return out;
  }
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  out.content_type = std::string(res[http::field::content_type]);
  out.set_cookie = std::string(res[http::field::set_cookie]);
  out.location = std::string(res[http::field::location]);
  return out;
}

inline http_reply http_get(std::uint16_t port, const std::string& target, const http_headers& headers = {},
                           std::chrono::seconds deadline = std::chrono::seconds(10)) {
  return http_request(port, boost::beast::http::verb::get, target, "", headers, deadline);
}

// POSTs `body` as JSON.
inline http_reply http_post(std::uint16_t port, const std::string& target, const std::string& body,
                            const http_headers& headers = {}, std::chrono::seconds deadline = std::chrono::seconds(10)) {
  return http_request(port, boost::beast::http::verb::post, target, body, headers, deadline);
}

}  // namespace kelu::test
