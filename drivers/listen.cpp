// SPDX-License-Identifier: Apache-2.0
#include "listen.hpp"

namespace kelu::drivers {

core::result<std::uint16_t> listen_on(boost::asio::ip::tcp::acceptor& acceptor, const std::string& address,
                                      std::uint16_t port, const std::string& config_section) {
  namespace asio = boost::asio;
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) return core::error{config_section + ".listen: \"" + address + "\" is not an IP address"};
  const asio::ip::tcp::endpoint ep{ip, port};
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return core::error{config_section + ".port: cannot listen on " + address + ":" + std::to_string(port) + ": " +
                       ec.message()};
  }
  return acceptor.local_endpoint().port();
}

}  // namespace kelu::drivers
