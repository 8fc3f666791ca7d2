// SPDX-License-Identifier: Apache-2.0
// The store's network failing under a running agent: the agent in a network namespace of the
// test's own (support/netns.hpp), HQ's broker, the till and the manager's phone on the other end
// of a veth link that nftables and a token bucket break as a store's router and uplink do. Every
// case ends with each sale at HQ once, by (source, seq), and prints what it measured on a
// `fault_figure` line (scripts/soak gathers them into docs/RELIABILITY.md's table).
// KELU_FAULT_SCALE=N (scripts/soak) makes each case N times longer: more sales, longer outages.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "dashboard/access_token.hpp"
#include "faults/fault_figure.hpp"
#include "integration/agent_fixture.hpp"
#include "support/delay_proxy.hpp"
#include "support/mosquitto.hpp"
#include "support/netns.hpp"

namespace kelu {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::view_of;
using clock_type = std::chrono::steady_clock;

long ms_since(clock_type::time_point t) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t).count());
}

int scale() { return test::fault_scale(); }
void figure(const std::string& name, json values) { test::fault_figure(name, std::move(values)); }

class network_fault : public test::agent_process {
 protected:
  static constexpr int keep_alive_s = 5;

  void SetUp() override {
    if (const auto why = test::netns::unavailable(); !why.empty()) GTEST_SKIP() << why;
    if (!test::mosquitto::available()) GTEST_SKIP() << "mosquitto is not installed (scripts/setup installs it)";
    ns = std::make_unique<test::netns>();
    if (HasFatalFailure()) return;
    auto m = std::make_unique<test::mosquitto>();
    m->also_listen_on(ns->host_address());
    m->start();
    broker = std::move(m);
    pos_port = test::free_port();
    dashboard_port = test::free_port();
    box_address = ns->inside_address();
    std::ofstream(dir.file("kelu.json")) << json{
        {"store", {{"tenant", "acme"}, {"id", "sh-001"}, {"time_zone", "Asia/Shanghai"}}},
        {"storage", {{"path", dir.file("kelu.db")}}},
        {"mqtt",
         {{"uri", "tcp://" + ns->host_address() + ":" + std::to_string(broker->port())},
          {"keep_alive_s", keep_alive_s},
          {"connect_timeout_s", 2},
          {"reconnect_min_ms", 100},
          {"reconnect_max_ms", 1000},
          {"live_window_s", 1},
          // Slow enough that a live sale visibly overtakes the backlog.
          {"backfill_rate_per_s", 50}}},
        {"sources", {{"pos_tcp", {{"listen", "0.0.0.0"}, {"port", pos_port}, {"idle_timeout_s", 5}}}}},
        // Health every 10 s: on a 64 kbit/s line, a report a second would take most of it.
        {"health", {{"interval_s", 10}}},
        {"dashboard", {{"listen", "0.0.0.0"}, {"port", dashboard_port}}}}.dump(2);
  }

  void start_boxed_agent() {
    agent = std::make_unique<test::process>(ns->inside({KELU_BINARY, "run", "--config", dir.file("kelu.json")}),
                                            dir.file("kelu.log"));
    const auto deadline = clock_type::now() + 15s;
    while (!drivers::pos_tcp_client::connect(box_address, pos_port, 1s)) {
      ASSERT_LT(clock_type::now(), deadline) << "the agent did not listen in its namespace; log:\n" << log();
      std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(logged("mqtt: connected to", 15s)) << log();
  }

  // How often `text` is in the agent's log so far.
  std::size_t times_logged(const std::string& text) const {
    const auto l = log();
    std::size_t n = 0;
    for (auto at = l.find(text); at != std::string::npos; at = l.find(text, at + 1)) ++n;
    return n;
  }
  // Waits until `text` has been logged more than `before` times; false at the deadline.
  bool logged_again(const std::string& text, std::size_t before, std::chrono::milliseconds timeout) const {
    const auto deadline = clock_type::now() + timeout;
    while (times_logged(text) <= before) {
      if (clock_type::now() > deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

  // Every sale from 0 to n - 1 at HQ exactly once, seqs 1..n without a hole.
  static void expect_each_once(const std::vector<test::received>& msgs, int n) {
    const auto v = view_of(msgs);
    EXPECT_EQ(v.by_identity.size(), static_cast<std::size_t>(n));
    EXPECT_EQ(v.seqs_of_txn.size(), static_cast<std::size_t>(n));
    for (const auto& [id, s] : v.seqs_of_txn) EXPECT_EQ(s.size(), 1u) << id << " stored twice";
    if (!v.by_identity.empty()) {
      EXPECT_EQ(v.by_identity.begin()->first.second, 1);
      EXPECT_EQ(v.by_identity.rbegin()->first.second, n);
    }
  }

  test::netns::flow broker_flow() const { return {broker->port(), true}; }

  std::unique_ptr<test::netns> ns;
  std::uint16_t dashboard_port = 0;
  static constexpr const char* link_lost = "will be sent again";  // outbox_pump's line at a link loss
  static constexpr const char* link_up = "mqtt: connected to";
};

// The router stops forwarding without closing anything: the agent's connection to the broker is
// half-open, its writes vanish. Keep-alive must notice, the store keep selling, and when the
// route returns, live sales go before the backlog and nothing is lost or doubled.
TEST_F(network_fault, a_half_open_broker_connection_is_found_by_keep_alive_and_nothing_is_lost) {
  test::mqtt_collector hq{broker->uri(), "hq-halfopen", "kelu/v1/acme/sh-001/#"};
  start_boxed_agent();
  auto c = till();
  ASSERT_EQ(send(c, 0, 100).size(), 100u);
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return view_of(m).by_identity.size() >= 100; }, 30s)) << log();

  const auto losses = times_logged(link_lost);
  const auto connects = times_logged(link_up);
  const auto cut = clock_type::now();
  ns->blackhole(broker_flow());
  const int during = 200 * scale();
  ASSERT_EQ(send(c, 100, 100 + during).size(), static_cast<std::size_t>(during));  // the till is not affected
  // Both ends must notice: the agent (its keep-alive goes unanswered) and the broker, which then
  // tells HQ with the box's Last Will (1.5 keep-alives of silence).
  const auto hq_sees_offline = [&] {
    const auto m = hq.messages();
    return std::any_of(m.begin(), m.end(), [](const auto& r) {
      return r.topic.ends_with("/status") && r.payload.find("\"offline\"") != std::string::npos;
    });
  };
  long detect_ms = -1, hq_knows_ms = -1;
  const auto deadline = cut + std::chrono::seconds(4 * keep_alive_s + 10);
  while ((detect_ms < 0 || hq_knows_ms < 0) && clock_type::now() < deadline) {
    if (detect_ms < 0 && times_logged(link_lost) > losses) detect_ms = ms_since(cut);
    if (hq_knows_ms < 0 && hq_sees_offline()) hq_knows_ms = ms_since(cut);
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GE(detect_ms, 0) << "the agent never noticed; log:\n" << log();
  ASSERT_GE(hq_knows_ms, 0) << "HQ never saw the box offline";
  EXPECT_GT(ns->dropped(), 0);

  const auto healed = clock_type::now();
  ns->heal();
  ASSERT_TRUE(logged_again(link_up, connects, 30s)) << log();
  const auto reconnect_ms = ms_since(healed);
  const int last = 100 + during;
  c = till();  // the till's idle connection was closed meanwhile (sources.pos_tcp.idle_timeout_s)
  ASSERT_EQ(send(c, last, last + 1).size(), 1u);  // a live sale, once the link is back
  const auto live_sent = clock_type::now();
  const auto live_id = "R" + std::to_string(last);
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return view_of(m).seqs_of_txn.count(live_id) > 0; }, 30s)) << log();
  const auto live_ms = ms_since(live_sent);
  const auto all = static_cast<std::size_t>(last + 1);
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return view_of(m).by_identity.size() >= all; }, 120s))
      << "HQ has " << view_of(hq.messages()).by_identity.size() << "\n" << log();
  const auto drained_ms = ms_since(healed);
  const auto msgs = hq.messages();
  expect_each_once(msgs, last + 1);

  // Drain order: the live sale went ahead of the backlog (mqtt.live_window_s), and the backlog
  // itself came oldest first, flagged historical.
  std::vector<std::int64_t> backlog_order;
  std::size_t live_at = 0, last_backlog_at = 0;
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    if (!msgs[i].topic.ends_with("/events/pos")) continue;
    const auto j = json::parse(msgs[i].payload);
    if (j["payload"]["transaction_id"] == live_id) live_at = i;
    if (j.value("historical", false)) {
      backlog_order.push_back(j["seq"].get<std::int64_t>());
      last_backlog_at = i;
    }
  }
  ASSERT_FALSE(backlog_order.empty()) << "nothing was sent as backlog";
  EXPECT_LT(live_at, last_backlog_at) << "the live sale waited behind the backlog";
  EXPECT_TRUE(std::is_sorted(backlog_order.begin(), backlog_order.end()));
  // The window that failed with the connection is one line, not one per message.
  EXPECT_LE(times_logged("resending from there"), times_logged(link_lost)) << log();
  figure("broker_half_open", {{"keep_alive_s", keep_alive_s},
                              {"detect_ms", detect_ms},
                              {"hq_sees_offline_ms", hq_knows_ms},
                              {"reconnect_after_heal_ms", reconnect_ms},
                              {"live_sale_to_hq_ms", live_ms},
                              {"backlog", backlog_order.size()},
                              {"drained_after_heal_ms", drained_ms},
                              {"link_losses", times_logged(link_lost)},
                              {"delivery_failure_lines", times_logged("resending from there")},
                              {"sales", last + 1},
                              {"lost", 0}});
}

// 30 % of packets lost both ways, then a link that goes down and up every few seconds (5 s in
// the soak), while the till sells throughout.
TEST_F(network_fault, a_lossy_then_flapping_uplink_loses_nothing) {
  test::mqtt_collector hq{broker->uri(), "hq-flap", "kelu/v1/acme/sh-001/events/#"};
  start_boxed_agent();
  auto c = till();
  const int lossy = 200 * scale();
  const auto lossy_start = clock_type::now();
  ns->lose(broker_flow(), 30);
  ASSERT_EQ(send(c, 0, lossy).size(), static_cast<std::size_t>(lossy));
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return view_of(m).by_identity.size() >= std::size_t(lossy); }, 180s))
      << "HQ has " << view_of(hq.messages()).by_identity.size() << "\n" << log();
  const auto lossy_ms = ms_since(lossy_start);
  const auto lost_packets = ns->dropped();
  ns->heal();

  const auto connects = times_logged(link_up);
  const auto period = scale() > 1 ? 5s : 2s;
  const int flaps = 3 * scale();
  std::atomic<bool> done{false};
  std::thread router([&] {  // the fault itself runs on a clock: down `period`, up `period`
    for (int i = 0; i < flaps && !done; ++i) {
      ns->blackhole(broker_flow());
      std::this_thread::sleep_for(period);
      ns->heal();
      std::this_thread::sleep_for(period);
    }
    done = true;
  });
  int sold = lossy;
  c = till();  // the till sat idle while HQ caught up: the agent closed it (sources.pos_tcp.idle_timeout_s)
  bool till_ok = true;
  std::size_t answered = 0;
  while (!done) {
    answered = 0;
    if (send(c, sold, sold + 10, &answered).size() != 10u) {
      till_ok = false;  // the router thread must still be joined
      done = true;
      break;
    }
    sold += 10;
    std::this_thread::sleep_for(100ms);  // a till's pace, not a wait for the system
  }
  router.join();
  // The longest analytics tick, and the longest it held the agent's thread (each logged at each new
  // longest, from 1 s; 0: never that long).
  const auto longest_logged = [lines = log()](const std::string& text) {
    const auto at = lines.rfind(text);
    return at == std::string::npos ? 0L : std::stol(lines.substr(at + text.size()));
  };
  const long longest_tick_ms = longest_logged("a tick took ");
  const long longest_hold_ms = longest_logged("held the agent's thread for ");
  ASSERT_TRUE(till_ok) << "the till was " << (answered == 10 ? "refused" : "hung up on or not answered")
                       << " while the uplink flapped (" << answered << " of 10 sales answered; the longest analytics "
                       << "tick took " << longest_tick_ms << " ms and held the agent's thread " << longest_hold_ms
                       << " ms)\n" << log();
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return view_of(m).by_identity.size() >= std::size_t(sold); }, 180s))
      << "HQ has " << view_of(hq.messages()).by_identity.size() << " of " << sold << "\n" << log();
  expect_each_once(hq.messages(), sold);
  figure("uplink_loss_30pct_then_flapping", {{"loss_sales", lossy},
                                             {"loss_drained_ms", lossy_ms},
                                             {"packets_dropped", lost_packets},
                                             {"flaps", flaps},
                                             {"flap_period_ms", std::chrono::milliseconds(period).count()},
                                             {"reconnects", times_logged(link_up) - connects},
                                             {"longest_analytics_tick_ms", longest_tick_ms},
                                             {"longest_analytics_hold_ms", longest_hold_ms},
                                             {"sales", sold},
                                             {"lost", 0}});
}

// A 64 kbit/s uplink (a store on a mobile backup line): the day's sales get through in order, and
// a keep-alive waiting behind them does not make the agent give up a connection that works.
TEST_F(network_fault, a_64_kbit_uplink_carries_every_sale_without_dropping_the_connection) {
  test::mqtt_collector hq{broker->uri(), "hq-slow", "kelu/v1/acme/sh-001/#"};
  start_boxed_agent();
  auto c = till();
  ns->limit_uplink(broker->port(), 64);
  const auto losses = times_logged(link_lost);
  const int n = 100 * scale();
  const auto start = clock_type::now();
  ASSERT_EQ(send(c, 0, n).size(), static_cast<std::size_t>(n));
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return view_of(m).by_identity.size() >= std::size_t(n); }, 300s))
      << "HQ has " << view_of(hq.messages()).by_identity.size() << "\n" << log();
  const auto took_ms = ms_since(start);
  expect_each_once(hq.messages(), n);
  EXPECT_EQ(times_logged(link_lost), losses) << log();
  auto bytes = json::object();  // what crossed the uplink by topic, without its store prefix
  for (const auto& m : hq.messages()) {
    const auto what = m.topic.substr(std::string("kelu/v1/acme/sh-001/").size());
    bytes[what] = bytes.value(what, 0) + static_cast<long>(m.payload.size());
  }
  figure("uplink_64kbit", {{"sales", n}, {"drained_ms", took_ms}, {"sales_per_s", n * 1000.0 / double(took_ms)},
                           {"disconnects", times_logged(link_lost) - losses}, {"payload_bytes", bytes}, {"lost", 0}});
}

// Half a second each way on both links (a satellite or a congested mobile line; the kernel here
// has no netem, so support/delay_proxy.hpp holds the bytes): the till's sales and HQ's copies
// come later, never fewer, and a 1 s round trip under a 5 s keep-alive costs no connection.
TEST_F(network_fault, half_a_second_each_way_delays_every_sale_and_loses_none) {
  constexpr auto one_way = 500ms;
  test::delay_proxy uplink(ns->host_address(), "127.0.0.1", broker->port(), one_way);
  auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
  cfg["mqtt"]["uri"] = "tcp://" + ns->host_address() + ":" + std::to_string(uplink.port());
  cfg["mqtt"]["connect_timeout_s"] = 5;  // a 1 s round trip to CONNACK: the fixture's 2 s leaves no room
  std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  test::mqtt_collector hq{broker->uri(), "hq-delay", "kelu/v1/acme/sh-001/#"};
  start_boxed_agent();
  const auto losses = times_logged(link_lost);
  test::delay_proxy lan("127.0.0.1", box_address, pos_port, one_way);
  auto c = drivers::pos_tcp_client::connect("127.0.0.1", lan.port(), 5s);
  ASSERT_TRUE(c) << c.error_message();

  const int n = 200 * scale();
  const auto start = clock_type::now();
  ASSERT_EQ(send(*c, 0, n).size(), static_cast<std::size_t>(n));  // pipelined 50 a burst, as the fixture's till
  const auto till_ms = ms_since(start);
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return view_of(m).by_identity.size() >= std::size_t(n); }, 120s))
      << "HQ has " << view_of(hq.messages()).by_identity.size() << "\n" << log();
  const auto drained_ms = ms_since(start);
  // One more sale once the backlog is at HQ: till to box, then box to HQ, each behind its delay. On
  // a new connection, as a till would make: at ×10 the drain outlasts the till's idle timeout.
  auto again = drivers::pos_tcp_client::connect("127.0.0.1", lan.port(), 5s);
  ASSERT_TRUE(again) << again.error_message();
  const auto live_sent = clock_type::now();
  ASSERT_EQ(send(*again, n, n + 1).size(), 1u);
  const auto live_id = "R" + std::to_string(n);
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return view_of(m).seqs_of_txn.count(live_id) > 0; }, 30s)) << log();
  const auto live_ms = ms_since(live_sent);
  EXPECT_GE(live_ms, 2 * one_way.count()) << "the sale cannot have crossed both links faster than their delay";
  expect_each_once(hq.messages(), n + 1);
  EXPECT_EQ(times_logged(link_lost), losses) << log();
  EXPECT_EQ(uplink.connections(), 1) << "the agent reconnected to the broker";
  figure("link_delay_500ms", {{"one_way_ms", one_way.count()},
                              {"sales", n + 1},
                              {"till_acknowledged_ms", till_ms},
                              {"drained_ms", drained_ms},
                              {"sales_per_s", n * 1000.0 / double(drained_ms)},
                              {"live_sale_to_hq_ms", live_ms},
                              {"disconnects", times_logged(link_lost) - losses},
                              {"lost", 0}});
}

// A raw connection from this side of the link, where the till and the phone are.
struct peer {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket{io};
  std::string buffered;
  peer(const std::string& address, std::uint16_t port) {
    socket.connect({boost::asio::ip::make_address(address), port});
  }
  std::uint16_t local_port() const { return socket.local_endpoint().port(); }
  void write(const std::string& s) { boost::asio::write(socket, boost::asio::buffer(s)); }
  // Reads up to and including `delim`; empty when it has not come within `timeout`. (poll(), as
  // Asio's blocking reads wait on their own poll() and ignore SO_RCVTIMEO.)
  std::string read_until(const std::string& delim, std::chrono::milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
      if (const auto at = buffered.find(delim); at != std::string::npos) {
        auto out = buffered.substr(0, at + delim.size());
        buffered.erase(0, at + delim.size());
        return out;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
      pollfd p{socket.native_handle(), POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return {};
      char chunk[4096];
      const auto n = ::recv(socket.native_handle(), chunk, sizeof chunk, 0);
      if (n <= 0) return {};
      buffered.append(chunk, static_cast<std::size_t>(n));
    }
  }
};

// Established connections inside the namespace with `port` at the far end, from the kernel's table.
int established_with(test::netns& ns, std::uint16_t port, const test::temp_dir& dir) {
  const auto out = dir.file("ss.out");
  std::filesystem::remove(out);
  test::process p(ns.inside({"/usr/bin/ss", "-Htn", "state", "established", "( dport = :" + std::to_string(port) + " )"}),
                  out);
  EXPECT_EQ(p.wait(10s), 0);
  std::ifstream in(out);
  int n = 0;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) ++n;
  return n;
}

// A till whose network vanishes mid-burst: its lines and the agent's acknowledgements are lost.
// It gives up, reconnects (as a till does after a router reboot) and sends again what was not
// acknowledged; when the old route comes back, what was stuck on the old connection arrives too.
// Every sale once; the dead connection is closed by the agent's idle timeout.
TEST_F(network_fault, a_till_that_vanishes_mid_burst_resends_and_nothing_is_stored_twice) {
  test::mqtt_collector hq{broker->uri(), "hq-till", "kelu/v1/acme/sh-001/events/#"};
  start_boxed_agent();
  peer old_till(box_address, pos_port);
  for (int i = 0; i < 50; ++i) old_till.write(test::txn_line(i));
  for (int i = 0; i < 50; ++i) ASSERT_FALSE(old_till.read_until("\n", 10s).empty());
  const auto cut = clock_type::now();
  ns->blackhole({old_till.local_port(), true});
  std::string burst;
  for (int i = 50; i < 100; ++i) burst += test::txn_line(i);
  old_till.write(burst);  // into the void
  EXPECT_TRUE(old_till.read_until("\n", 2s).empty()) << "an acknowledgement crossed a dead link";
  // The till starts over on a new connection and resends everything unacknowledged.
  auto c = till();
  ASSERT_EQ(send(c, 50, 100).size(), 50u);
  ns->heal();  // the old connection's retransmissions now reach the agent: duplicates, refused
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return view_of(m).by_identity.size() >= 100; }, 60s)) << log();
  // The agent closes the old connection once it is silent for sources.pos_tcp.idle_timeout_s.
  const auto deadline = clock_type::now() + 60s;
  while (established_with(*ns, old_till.local_port(), dir) > 0) {
    ASSERT_LT(clock_type::now(), deadline) << "the dead till's connection is still open";
    std::this_thread::sleep_for(100ms);
  }
  const auto closed_ms = ms_since(cut);
  expect_each_once(hq.messages(), 100);
  figure("till_vanishes", {{"idle_timeout_s", 5}, {"old_connection_closed_ms", closed_ms}, {"sales", 100}, {"lost", 0}});
}

// A phone on the store's Wi-Fi walks out of range with the dashboard open: its event stream is
// half-open. The agent must free the connection (a phone holds one of dashboard.max_connections)
// in seconds, not after the kernel's quarter of an hour of retransmissions.
TEST_F(network_fault, a_phone_gone_from_the_wifi_frees_its_event_stream) {
  start_boxed_agent();
  ASSERT_TRUE(logged("dashboard: http://", 10s)) << log();
  const auto key = dashboard::load_or_create_key(dir.file("dashboard.key"));
  ASSERT_TRUE(key) << key.error_message();
  peer phone(box_address, dashboard_port);
  phone.write("GET /api/v1/stream HTTP/1.1\r\nHost: box\r\nAuthorization: Bearer " +
              dashboard::make_token(*key, "acme", "sh-001") + "\r\n\r\n");
  ASSERT_NE(phone.read_until("event: today", 20s), "") << "no event stream";
  ASSERT_EQ(established_with(*ns, phone.local_port(), dir), 1);
  const auto cut = clock_type::now();
  ns->blackhole({phone.local_port(), true});
  // A quiet evening: no sale, only the stream's 15 s heartbeat goes out, a few bytes that never
  // fill the socket's buffer, so no write ever blocks long enough to time out on its own.
  const auto deadline = clock_type::now() + 120s;
  while (established_with(*ns, phone.local_port(), dir) > 0) {
    ASSERT_LT(clock_type::now(), deadline) << "the dead phone's event stream is still open";
    std::this_thread::sleep_for(100ms);
  }
  const auto freed_ms = ms_since(cut);
  EXPECT_GT(ns->dropped(), 0);
  figure("phone_vanishes", {{"event_stream_freed_ms", freed_ms}, {"heartbeat_s", 15}, {"unacked_timeout_s", 20}});
}

}  // namespace
}  // namespace kelu
