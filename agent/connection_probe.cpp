// SPDX-License-Identifier: Apache-2.0
#include "connection_probe.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <memory>

namespace kelu {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

void probe_tcp(asio::any_io_executor ex, std::string host, std::string port, std::chrono::milliseconds deadline,
               std::function<void(core::result<double>)> done) {
  struct probe {
    tcp::resolver resolver;
    boost::beast::tcp_stream stream;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::function<void(core::result<double>)> done;
    std::string where;
  };
  auto p = std::make_shared<probe>(probe{tcp::resolver(ex), boost::beast::tcp_stream(ex), {}, std::move(done),
                                         host + ":" + port});
  p->started = std::chrono::steady_clock::now();
  p->resolver.async_resolve(host, port, [p, deadline](const boost::system::error_code& ec, tcp::resolver::results_type r) {
    if (ec) {
      p->done(core::error{p->where + ": " + ec.message()});
      return;
    }
    p->stream.expires_after(deadline);
    p->stream.async_connect(r, [p, deadline](const boost::system::error_code& ec2, const tcp::endpoint&) {
      if (ec2 == boost::beast::error::timeout) {
        p->done(core::error{p->where + ": no answer in " + std::to_string(deadline.count() / 1000) + " s"});
        return;
      }
      if (ec2) {
        p->done(core::error{p->where + ": " + ec2.message()});
        return;
      }
      p->stream.close();
      p->done(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - p->started).count());
    });
  });
}

core::result<std::pair<std::string, std::string>> host_and_port(std::string_view address, std::string_view default_port) {
  std::string port(default_port);
  if (const auto scheme = address.find("://"); scheme != std::string_view::npos) {
    const auto name = address.substr(0, scheme);
    if (name == "ssl" || name == "mqtts" || name == "tls") port = "8883";
    address.remove_prefix(scheme + 3);
  }
  if (const auto slash = address.find('/'); slash != std::string_view::npos) address = address.substr(0, slash);
  std::string host(address);
  if (!host.empty() && host.front() == '[') {  // [::1]:1883
    const auto close = host.find(']');
    if (close == std::string::npos) return core::error{std::string(address) + ": unclosed ["};
    if (close + 1 < host.size() && host[close + 1] == ':') port = host.substr(close + 2);
    host = host.substr(1, close - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty() || port.empty()) return core::error{std::string(address) + ": expected host:port"};
  return std::pair{host, port};
}

}  // namespace kelu
