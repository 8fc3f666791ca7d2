// SPDX-License-Identifier: Apache-2.0
#pragma once
// One HTTP GET to a device on the store LAN (Boost.Beast), answering the device's challenge:
// a 401 with Digest (or Basic) is answered once with the credentials on a new connection, as
// curl --anyauth does. One deadline covers the whole exchange: resolve, connect, both requests,
// the last byte. All on the executor's thread; `done` is called exactly once, never from
// inside get().
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>
#include <string>

#include "core/result.hpp"

namespace kelu::drivers {

struct http_get_request {
  std::string url;  // http://host[:port]/path?query
  std::string username;
  std::string password;
  std::chrono::milliseconds timeout{5000};
  std::size_t max_body_bytes = 1 << 20;
};

// The body of a 200; otherwise an error naming the URL and what failed ("http://10.0.0.5/...:
// 401 after answering the Digest challenge: wrong username or password", "...: timed out after
// 5 s", "...: connection refused").
using http_get_handler = std::function<void(core::result<std::string>)>;

void http_get(boost::asio::any_io_executor ex, http_get_request request, http_get_handler done);

}  // namespace kelu::drivers
