// SPDX-License-Identifier: Apache-2.0
// drivers::tcp_listener, the accept loop every TCP source shares: past its limit a connection gets
// the protocol's refusal and is closed and counted, a freed place is taken again, and a port
// that is taken names the config section.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>

#include <vector>

#include "drivers/tcp_listener.hpp"
#include "support/io_helpers.hpp"

namespace kelu::drivers {
namespace {

using namespace std::chrono_literals;
using boost::asio::ip::tcp;

struct listener_fixture : testing::Test {
  boost::asio::io_context io;
  boost::asio::io_context client_io;
  std::vector<tcp::socket> held;  // the owner's open connections
  tcp_listener listener{io.get_executor(), {"127.0.0.1", 0, "sources.test", 2, "busy, retry\n"},
                        [this] { return held.size(); }, [this](tcp::socket s) { held.push_back(std::move(s)); }};

  tcp::socket connect(std::uint16_t port) {
    tcp::socket s(client_io);
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    return s;
  }
};

TEST_F(listener_fixture, past_its_limit_a_connection_is_refused_in_so_many_words_and_a_freed_place_is_taken) {
  const auto port = listener.start();
  ASSERT_TRUE(port) << port.error_message();
  auto a = connect(*port);
  auto b = connect(*port);
  ASSERT_TRUE(test::run_until(io, [&] { return held.size() == 2; }, 10s));
  auto c = connect(*port);
  ASSERT_TRUE(test::run_until(io, [&] { return listener.stats().refused == 1; }, 10s));
  std::string said(64, '\0');
  boost::system::error_code ec;
  said.resize(boost::asio::read(c, boost::asio::buffer(said), ec));
  EXPECT_EQ(ec, boost::asio::error::eof) << ec.message();  // and closed
  EXPECT_EQ(said, "busy, retry\n");
  EXPECT_EQ(held.size(), 2u) << "the refused one was not handed over";

  held.erase(held.begin());  // the owner is done with one
  auto d = connect(*port);
  ASSERT_TRUE(test::run_until(io, [&] { return held.size() == 2; }, 10s));
  EXPECT_EQ(listener.stats().refused, 1);
  EXPECT_EQ(listener.stats().accept_errors, 0);
}

TEST_F(listener_fixture, a_port_in_use_names_the_config_section_and_stop_ends_the_accepting) {
  const auto port = listener.start();
  ASSERT_TRUE(port);
  tcp_listener second{io.get_executor(), {"127.0.0.1", *port, "sources.other", 1, ""}, [] { return std::size_t{0}; },
                      [](tcp::socket) { ADD_FAILURE() << "nothing was listening"; }};
  const auto taken = second.start();
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error_message().rfind("sources.other.port: cannot listen on 127.0.0.1:" + std::to_string(*port), 0),
            0u)
      << taken.error_message();
  tcp_listener bad{io.get_executor(), {"not-an-address", 0, "sources.other", 1, ""}, [] { return std::size_t{0}; },
                   [](tcp::socket) {}};
  EXPECT_EQ(bad.start().error_message(), "sources.other.listen: \"not-an-address\" is not an IP address");

  listener.stop();
  tcp::socket s(client_io);
  boost::system::error_code ec;
  s.connect({boost::asio::ip::make_address("127.0.0.1"), *port}, ec);
  EXPECT_TRUE(ec) << "connected after stop";
}

}  // namespace
}  // namespace kelu::drivers
