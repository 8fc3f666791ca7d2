// SPDX-License-Identifier: Apache-2.0
// The printer tap between a till (a socket or a pty) and a fake printer (a socket or a pty)
// that records every byte, into the real store.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <random>
#include <thread>

#include "config/schema.hpp"
#include "drivers/escpos_tap.hpp"
#include "support/files.hpp"
#include "support/fake_printer.hpp"
#include "support/flaky_ingest.hpp"
#include "support/io_helpers.hpp"
#include "support/store_fixture.hpp"
#include "support/temp_dir.hpp"
#include "sync/database.hpp"
#include "sync/event_store.hpp"
#include "sync/group_committer.hpp"
#include "sync/outbox.hpp"

namespace kelu::drivers {
namespace {

// The options a box with the key table's defaults gives the tap.
escpos_tap_options escpos_defaults() {
  return escpos_tap_options_for(config::defaults(), core::time_zone::utc(), receipt_layout{});
}

using test::slurp;

using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// A till printing one job: sends, closes its side, returns what the printer answered.
std::string print_job(std::uint16_t port, const std::string& bytes) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(s, asio::buffer(bytes));
  s.shutdown(tcp::socket::shutdown_send);
  std::string back;
  std::array<char, 256> buf;
  boost::system::error_code ec;
  for (;;) {
    const auto n = s.read_some(asio::buffer(buf), ec);
    back.append(buf.data(), n);
    if (ec) break;
  }
  return back;
}

struct tap_fixture : test::store_fixture {
  void start(escpos_tap_options o) {
    o.store_id = "s1";
    o.listen = "127.0.0.1";
    o.port = 0;
    tap = std::make_unique<escpos_tap>(io.get_executor(), ingest, clock, o,
                                       std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>()));
    ASSERT_TRUE(tap->start());
    start_io();
  }
  escpos_tap_options network(std::uint16_t printer_port, const char* preset = "generic-en") {
    auto o = escpos_defaults();
    o.printer_host = "127.0.0.1";
    o.printer_port = printer_port;
    o.layout.preset = preset;
    return o;
  }
  void TearDown() override {
    stop_io([this] { tap->stop(); });
  }

  test::flaky_ingest ingest{io, committer};
  std::unique_ptr<escpos_tap> tap;
};

const std::filesystem::path zh_job = std::filesystem::path(KELU_TEST_DATA) / "drivers/escpos/zh-gb18030/input.bin";

TEST_F(tap_fixture, every_byte_reaches_the_printer_unchanged_and_receipts_are_stored) {
  test::fake_printer printer;
  start(network(printer.port(), "generic-zh"));
  const auto job = slurp(zh_job);
  ASSERT_GT(job.size(), 100u);
  print_job(tap->port(), job);
  ASSERT_TRUE(test::eventually([&] { return printer.jobs().size() == 1 && stored() == 2; }));
  EXPECT_EQ(printer.jobs()[0], job);  // byte for byte
  const auto e = on_io([&] { return store.find("escpos", 1); });
  ASSERT_TRUE(e);
  EXPECT_EQ(std::get<core::pos_transaction>(e->body).total_minor, 1350);
  EXPECT_EQ(std::get<core::pos_transaction>(e->body).transaction_id, "20261127-0042");
  // The same receipts printed again (a reprint) are not sales twice.
  print_job(tap->port(), job);
  ASSERT_TRUE(test::eventually([&] { return tap->health().duplicates == 2; }));
  EXPECT_EQ(stored(), 2);
}

TEST_F(tap_fixture, the_real_escpos_streams_print_unchanged) {
  const auto shared = std::filesystem::path(KELU_SHARED_DATA) / "pos/escpos";
  if (!std::filesystem::exists(shared)) GTEST_SKIP() << "needs ../shared/data/pos/escpos, which is absent";
  test::fake_printer printer;
  start(network(printer.port()));
  const auto job = slurp(shared / "demo.bin") + slurp(shared / "receipt-with-logo.bin");
  print_job(tap->port(), job);
  ASSERT_TRUE(test::eventually([&] { return printer.jobs().size() == 1 && stored() == 1; }));
  EXPECT_EQ(printer.jobs()[0], job);
  EXPECT_EQ(on_io([&] { return tap->stats().other_prints; }), 11);  // the demo's test-page sections carry no total
}

TEST_F(tap_fixture, garbage_and_oversized_jobs_still_print_exactly) {
  test::fake_printer printer;
  auto o = network(printer.port());
  o.max_job_bytes = 64 * 1024;
  start(o);
  std::mt19937 gen(42);
  std::string junk(300 * 1024, '\0');
  for (auto& ch : junk) ch = static_cast<char>(gen());
  print_job(tap->port(), junk);
  ASSERT_TRUE(test::eventually([&] { return printer.jobs().size() == 1; }));
  EXPECT_EQ(printer.jobs()[0], junk);
  EXPECT_EQ(on_io([&] { return tap->stats().bytes_to_printer; }), static_cast<std::int64_t>(junk.size()));
  // A bad pattern match or an overflow never costs the next job.
  const auto job = slurp(zh_job);
  print_job(tap->port(), job);
  ASSERT_TRUE(test::eventually([&] { return printer.jobs().size() == 2; }));
  EXPECT_EQ(printer.jobs()[1], job);
}

TEST_F(tap_fixture, printer_status_replies_reach_the_till) {
  test::fake_printer printer;
  start(network(printer.port()));
  EXPECT_EQ(print_job(tap->port(), std::string("\x10\x04\x01", 3)), "\x16");
}

TEST_F(tap_fixture, an_unreachable_printer_closes_the_job_and_is_reported) {
  std::uint16_t dead_port;
  {
    asio::io_context tmp;
    tcp::acceptor a(tmp, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    dead_port = a.local_endpoint().port();
  }
  start(network(dead_port));
  const auto t0 = std::chrono::steady_clock::now();
  print_job(tap->port(), "hello\n");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  ASSERT_TRUE(test::eventually([&] { return on_io([&] { return tap->stats().printer_unreachable; }) == 1; }));
  EXPECT_NE(tap->health().last_error.find("unreachable"), std::string::npos);
}

// The receipts wait while the store refuses them, and so does the end of the job: the till's
// connection is closed once they are stored (a till waiting for the close then knows they are),
// or after printer_linger (5 s) when the store goes on refusing, so printing is never held up.
TEST_F(tap_fixture, receipts_wait_while_the_store_refuses_them_and_the_job_ends_once_they_are_stored) {
  test::fake_printer printer;
  ingest.allowed = 0;
  start(network(printer.port(), "generic-zh"));
  auto job = std::async(std::launch::async, [&] { return print_job(tap->port(), slurp(zh_job)); });
  ASSERT_TRUE(test::eventually([&] { return !tap->health().last_error.empty(); }));
  EXPECT_EQ(stored(), 0);
  EXPECT_EQ(job.wait_for(0s), std::future_status::timeout) << "the till was let go before its receipts were stored";
  ingest.allowed = INT_MAX;
  job.get();
  EXPECT_EQ(stored(), 2);  // by the time the till saw the close
  ASSERT_TRUE(test::eventually([&] { return printer.jobs().size() == 1; }));
  EXPECT_EQ(printer.jobs()[0], slurp(zh_job));

  // A store that does not come back: the till is let go after printer_linger; the receipt waits.
  ingest.allowed = 0;
  const auto refused_at = std::chrono::steady_clock::now();
  print_job(tap->port(), slurp(zh_job) + "\n");  // not the same bytes, the same two receipts (duplicates)
  EXPECT_GE(std::chrono::steady_clock::now() - refused_at, 4s);
  EXPECT_EQ(on_io([&] { return tap->stats().jobs; }), 2);
}

// Two pseudo-terminal pairs stand in for the RS-232 cables: the till writes to one master,
// the tap relays between the two slaves, the printer reads the other master.
struct pty_pair {
  int master = -1, slave = -1;
  std::string path;
  pty_pair() {
    char name[256];
    if (::openpty(&master, &slave, name, nullptr, nullptr) != 0) return;
    path = name;
    termios t{};
    ::tcgetattr(slave, &t);
    ::cfmakeraw(&t);
    ::tcsetattr(slave, TCSANOW, &t);
  }
  ~pty_pair() {
    if (master >= 0) ::close(master);
    if (slave >= 0) ::close(slave);
  }
};

TEST_F(tap_fixture, serial_tap_relays_through_a_pseudo_terminal_pair) {
  pty_pair till, printer;
  // qemu-user (scripts/cross-build) does not emulate the pseudo-terminal ioctls; a real box does.
  if (till.path.empty() || printer.path.empty()) GTEST_SKIP() << "no pseudo-terminals here: " << std::strerror(errno);
  auto o = escpos_defaults();
  o.serial_device = till.path;
  o.serial_printer_device = printer.path;
  o.serial_job_gap = 300ms;
  o.layout.preset = "generic-zh";
  start(o);
  const auto job = slurp(zh_job);
  std::string received;
  std::thread reader([&] {
    std::array<char, 4096> buf;
    const auto end = std::chrono::steady_clock::now() + 15s;
    ::fcntl(printer.master, F_SETFL, O_NONBLOCK);
    while (received.size() < job.size() && std::chrono::steady_clock::now() < end) {
      const auto n = ::read(printer.master, buf.data(), buf.size());
      if (n > 0)
        received.append(buf.data(), static_cast<std::size_t>(n));
      else
        std::this_thread::sleep_for(5ms);
    }
  });
  // A serial line is slow: write in small pieces as a till would.
  for (std::size_t at = 0; at < job.size(); at += 64)
    ASSERT_GT(::write(till.master, job.data() + at, std::min<std::size_t>(64, job.size() - at)), 0);
  reader.join();
  EXPECT_EQ(received, job);
  // The printer answers a status request through the tap.
  ASSERT_EQ(::write(printer.master, "\x16", 1), 1);
  char back = 0;
  ASSERT_TRUE(test::eventually([&] { return ::read(till.master, &back, 1) == 1; }));
  EXPECT_EQ(back, '\x16');
  ASSERT_TRUE(test::eventually([&] { return stored() == 2; }));
}

}  // namespace
}  // namespace kelu::drivers
