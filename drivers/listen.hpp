// SPDX-License-Identifier: Apache-2.0
#pragma once
// Binds a TCP acceptor for a source. Errors name the config keys a technician changes:
// "sources.webhook.listen: ..." for a bad address, "sources.webhook.port: cannot listen on
// 0.0.0.0:9751: Address already in use" for a taken port.
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <string>

#include "core/result.hpp"

namespace kelu::drivers {

// Returns the bound port (the chosen one when `port` is 0).
core::result<std::uint16_t> listen_on(boost::asio::ip::tcp::acceptor& acceptor, const std::string& address,
                                      std::uint16_t port, const std::string& config_section);

}  // namespace kelu::drivers
