// SPDX-License-Identifier: Apache-2.0
#pragma once
// A technician's "test" button for something on the network: resolve and open a TCP connection
// to host:port within `deadline`, then close it. Says how long it took or why it failed, in
// words a technician can act on ("connection refused", "no answer in 3 s").
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>
#include <string>

#include "core/result.hpp"

namespace kelu {

// `done` once, on `ex`, with the milliseconds the connection took.
void probe_tcp(boost::asio::any_io_executor ex, std::string host, std::string port, std::chrono::milliseconds deadline,
               std::function<void(core::result<double>)> done);

// "tcp://host:1883", "ssl://h:8883", "mqtts://h", "h:1883" -> host and port (the scheme's default
// port when none is given); an error for anything else.
core::result<std::pair<std::string, std::string>> host_and_port(std::string_view address, std::string_view default_port);

}  // namespace kelu
