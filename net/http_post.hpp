// SPDX-License-Identifier: Apache-2.0
#pragma once
// One HTTP(S) POST of a JSON body with one deadline for all of it (resolve, connect, TLS, write,
// read): the chat robots' webhooks and a box's enrolment at HQ. https checks the server's
// certificate against `tls`'s trust and the URL's host (a DNS name or an IP address).
//
// A coroutine on the caller's executor; it throws boost::system::system_error (or
// std::runtime_error) on any failure: a refused connection, the deadline, a certificate the trust
// does not accept, an answer over `body_limit`. An HTTP error status is an answer, not a throw.
#include <boost/asio/any_io_executor.hpp>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstddef>
#include <string>

namespace kelu::net {

struct http_url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
};

// "http(s)://host[:port][/target]"; false when it is not one.
bool split_url(const std::string& url, http_url& out);

struct http_answer {
  int status = 0;
  std::string body;
};

boost::asio::awaitable<http_answer> http_post(boost::asio::any_io_executor ex, boost::asio::ssl::context& tls,
                                              http_url u, std::string body, std::chrono::seconds timeout,
                                              std::size_t body_limit = 64 * 1024);

}  // namespace kelu::net
