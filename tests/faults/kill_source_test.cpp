// SPDX-License-Identifier: Apache-2.0
// kill -9 under the sources that have no resend of their own: the receipt-printer tap, here, and
// the cameras (faults/kill_camera_test.cpp). What each promises a kill cannot break is written
// above its test; docs/RELIABILITY.md has the figures.
#include <poll.h>
#include <signal.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <fstream>
#include <set>
#include <thread>

#include "faults/disk_fault.hpp"
#include "faults/fault_figure.hpp"
#include "support/fake_printer.hpp"

namespace kelu {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::view_of;

// A receipt printer's till, with the tap between them, killed again and again. The promise: a
// print job whose connection the tap closed cleanly had its receipt stored; a job cut by the kill
// ends, for the till, in a reset connection, so a till that waits for the close prints it again,
// and the reprint is the same sale, stored once.
class kill_9_printer : public test::disk_fault {
 protected:
  void SetUp() override {
    disk_fault::SetUp();
    if (IsSkipped()) return;
    tap_port = test::free_port();
    auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
    cfg["sources"]["escpos"] = {{"enabled", true},
                                {"listen", "127.0.0.1"},
                                {"port", tap_port},
                                {"printer", "127.0.0.1:" + std::to_string(printer.port())},
                                {"preset", "generic-en"},
                                {"terminal", "P1"}};
    std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  }

  // Receipt n as a till prints it: its number is the sale's transaction id, "R{n}".
  static std::string receipt(int n) {
    return "\x1b@KELU MART\nReceipt No: R" + std::to_string(n) + "\nCoffee  3.50\nTOTAL  " + std::to_string(n % 90 + 10) +
           ".00\n\x1dV" + std::string(1, '\0');
  }

  // Prints receipt n through the tap: sends it, closes its side and waits for the tap to close
  // the connection. True when that close was clean; false on a refused or reset connection.
  bool print(int n) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket s(io);
    boost::system::error_code ec;
    s.connect({boost::asio::ip::make_address("127.0.0.1"), tap_port}, ec);
    if (ec) return false;
    boost::asio::write(s, boost::asio::buffer(receipt(n)), ec);
    if (ec) return false;
    s.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
    std::array<char, 256> buf;
    for (;;) {  // the printer's status replies, if any, then the close; a job ends within printer_linger (5 s)
      pollfd p{s.native_handle(), POLLIN, 0};
      if (::poll(&p, 1, 15'000) <= 0) return false;  // Asio's blocking read has no deadline of its own
      s.read_some(boost::asio::buffer(buf), ec);
      if (ec) return ec == boost::asio::error::eof;
    }
  }

  std::uint16_t tap_port = 0;
  test::fake_printer printer;
};

TEST_F(kill_9_printer, a_receipt_whose_job_closed_cleanly_is_stored_once_through_repeated_kills) {
  test::mqtt_collector hq{broker->uri(), "hq-kill-printer", "kelu/v1/acme/sh-001/events/#"};
  std::set<int> acked;
  int next = 0;
  const int kills = 20 * test::fault_scale();
  for (int k = 0; k < kills; ++k) {
    start_agent();
    ASSERT_TRUE(test::wait_for_port(tap_port, 10s)) << log();
    const auto printed_before = printer.jobs().size();
    const std::size_t kill_after = 1 + std::size_t(k % 4);
    auto killer = kill_when([&] { return printer.jobs().size() >= printed_before + kill_after; });
    // The till prints what did not go through first, then new receipts, until the tap is gone.
    for (int tries = 0; tries < 1000 && agent->running(); ++tries) {
      int n = next;
      for (int m = 0; m < next; ++m)
        if (!acked.count(m)) {
          n = m;
          break;
        }
      next = std::max(next, n + 1);  // the sale exists once the till prints it, whether or not the job goes through
      if (!print(n)) break;
      acked.insert(n);
    }
    killer.join();
    expect_database_holds(acked, "after kill " + std::to_string(k + 1));
    if (HasFailure()) return;
  }
  start_agent();
  ASSERT_TRUE(test::wait_for_port(tap_port, 10s)) << log();
  finish_and_expect_every_sale_at_hq(hq, acked, next, [&](const std::vector<int>& ids) {
    for (const int n : ids)
      if (print(n)) acked.insert(n);
  });
  // Every job reached the printer; what the till printed twice is what a kill cut.
  const auto jobs = static_cast<int>(printer.jobs().size());
  test::fault_figure("kill_9_printer_tap", {{"kills", kills}, {"sales", next}, {"print_jobs", jobs},
                                           {"printed_again", jobs - next}, {"lost", 0}, {"doubled", 0}});
}

}  // namespace
}  // namespace kelu
