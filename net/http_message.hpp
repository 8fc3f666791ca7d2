// SPDX-License-Identifier: Apache-2.0
#pragma once
// What an HTTP handler takes and gives, apart from any socket: the dashboard's router and HQ's
// enrolment endpoint are functions of these, served by http_server (tested and fuzzed without a
// network).
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <variant>

namespace kelu::net {

using request = boost::beast::http::request<boost::beast::http::string_body>;
using response = boost::beast::http::response<boost::beast::http::string_body>;

struct client_info {
  std::string address;
  std::chrono::steady_clock::time_point now;
  bool secure = false;  // came over TLS: cookies are marked Secure
};

// A response that waits for something on the io_context (a camera's next frame, a connection
// test): the server calls `start` once with a `done` that takes the response, called at most
// once, on the io_context thread. If it has not come by `deadline`, the server answers 504.
struct deferred {
  std::function<void(std::function<void(response)>)> start;
  std::chrono::milliseconds deadline{0};
};
using routed = std::variant<response, deferred>;

// "event: {name}\ndata: {line}\n...\n\n" (one data line per line of `data`): a Server-Sent
// Event, as http_server::publish() sends it.
inline std::string sse_event(std::string_view name, std::string_view data) {
  std::string out = "event: " + std::string(name) + "\n";
  for (std::size_t at = 0; at <= data.size();) {
    const auto nl = std::min(data.find('\n', at), data.size());
    out += "data: ";
    out += data.substr(at, nl - at);
    out += "\n";
    at = nl + 1;
  }
  return out + "\n";
}

}  // namespace kelu::net
