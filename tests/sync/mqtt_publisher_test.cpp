// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <set>
#include <sstream>

#include "config/schema.hpp"
#include "core/clock.hpp"
#include "support/events.hpp"
#include "support/io_helpers.hpp"
#include "support/broker.hpp"
#include "support/mqtt_collector.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"
#include "support/v311_only_proxy.hpp"
#include "sync/batch_codec.hpp"
#include "sync/database.hpp"
#include "sync/event_store.hpp"
#include "sync/mqtt_publisher.hpp"
#include "sync/outbox.hpp"

namespace kelu::sync {
namespace {

using namespace std::chrono_literals;

// A real outbox in a real SQLite file, and an io_context the test runs by hand.
struct outbox_fixture : testing::Test {
  test::temp_dir dir;
  std::unique_ptr<database> db = database::open({dir.file("kelu.db"), true}).value();
  outbox out{*db};
  event_store store{*db, out, topics("acme", "s1")};
  boost::asio::io_context io;
  std::ostringstream log_text;
  std::shared_ptr<spdlog::logger> log =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text));
};

// Every delivery case runs against mosquitto and against RabbitMQ's MQTT plugin.
struct publisher_fixture : outbox_fixture, testing::WithParamInterface<std::string> {
  void SetUp() override {
    std::string why;
    broker = test::make_broker(GetParam(), nullptr, &why);
    if (!broker) GTEST_SKIP() << why;
  }

  void add_events(int from, int to) {
    std::vector<core::event> batch;
    for (int i = from; i < to; ++i) batch.push_back(test::sale("T1", std::to_string(i), i));
    ASSERT_TRUE(store.append(batch, core::from_unix_ms(0)));
  }

  publisher_options options() {
    auto o = publisher_options_for(config::defaults());  // the key table's defaults, then the test's
    o.link.uri = broker->uri();
    o.link.client_id = "kelu-test-publisher";
    o.pump.max_inflight = 16;
    o.link.reconnect_min = 50ms;
    o.link.reconnect_max = 400ms;
    o.link.connect_timeout = 2s;
    o.link.status_topic = "kelu/v1/acme/s1/status";
    o.link.birth_payload = R"({"state":"online"})";
    o.link.will_payload = R"({"state":"offline","reason":"connection lost"})";
    o.link.goodbye_payload = R"({"state":"offline","reason":"shutdown"})";
    o.pump.backfill_root = topics("acme", "s1").backfill_root();
    o.pump.backfill_rate_per_s = 0;  // no cap, unless a test is about the cap
    return o;
  }

  static std::set<std::int64_t> seqs(const std::vector<test::received>& msgs) {
    std::set<std::int64_t> out;
    for (const auto& m : msgs)
      if (m.topic == "kelu/v1/acme/s1/events/pos") out.insert(core::decode(m.payload)->seq);
    return out;
  }

  std::unique_ptr<test::broker> broker;
};

TEST_P(publisher_fixture, publishes_every_row_in_order_and_deletes_only_after_puback) {
  broker->start();
  test::mqtt_collector hq{broker->uri(), "hq", "kelu/v1/acme/s1/#"};
  add_events(0, 300);
  mqtt_publisher pub{io.get_executor(), out, options(), log};
  pub.start();
  ASSERT_TRUE(test::run_until(io, [&] { return out.stats().rows == 0; }, 20s)) << log_text.str();
  EXPECT_LE(pub.stats().inflight, 16);
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return seqs(m).size() == 300; }, 10s));
  std::vector<std::int64_t> order;
  for (const auto& m : hq.messages())
    if (m.topic.ends_with("events/pos")) order.push_back(core::decode(m.payload)->seq);
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));  // one connection, in outbox order
  EXPECT_EQ(pub.stats().acknowledged, 300);

  // New rows are picked up on wake().
  add_events(300, 310);
  pub.wake();
  ASSERT_TRUE(test::run_until(io, [&] { return out.stats().rows == 0; }, 10s));
  bool stopped = false;
  pub.stop(2s, [&] { stopped = true; });
  ASSERT_TRUE(test::run_until(io, [&] { return stopped; }, 10s));
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return seqs(m).size() == 310; }, 10s));
}

// After an outage: the backlog drains oldest first, flagged historical, at the capped rate,
// while sales made now overtake it.
TEST_P(publisher_fixture, live_events_overtake_a_rate_capped_historical_backlog) {
  broker->start();
  test::mqtt_collector hq{broker->uri(), "hq-lanes", "kelu/v1/acme/s1/events/#"};
  add_events(0, 300);  // created at the epoch: long past the live window
  auto o = options();
  o.pump.backfill_rate_per_s = 100;
  mqtt_publisher pub{io.get_executor(), out, o, log};
  pub.start();
  ASSERT_TRUE(test::run_until(io, [&] { return pub.stats().historical >= 20; }, 10s)) << log_text.str();
  // Sales made now, while the backlog drains.
  std::vector<core::event> live;
  for (int i = 0; i < 20; ++i) live.push_back(test::sale("T2", "live-" + std::to_string(i)));
  ASSERT_TRUE(store.append(live, core::system_clock{}.now_utc()));
  pub.wake();
  ASSERT_TRUE(test::run_until(io, [&] { return out.stats().rows == 0; }, 30s)) << log_text.str();
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return m.size() == 320; }, 10s));

  std::vector<std::int64_t> backlog_order;
  std::size_t last_live = 0, last_historical = 0, n = 0;
  for (const auto& m : hq.messages()) {
    ++n;
    const auto j = nlohmann::json::parse(m.payload);
    const bool historical = j.value("historical", false);
    const bool is_live = j["payload"]["transaction_id"].get<std::string>().starts_with("live-");
    EXPECT_NE(historical, is_live) << m.payload;  // flagged exactly when it waited
    if (historical) {
      backlog_order.push_back(j["seq"].get<std::int64_t>());
      last_historical = n;
    } else {
      last_live = n;
    }
  }
  EXPECT_TRUE(std::is_sorted(backlog_order.begin(), backlog_order.end()));  // oldest first
  EXPECT_EQ(backlog_order.size(), 300u);
  EXPECT_LT(last_live, last_historical);  // live data did not wait for the backlog
  EXPECT_EQ(pub.stats().historical, 300);
  bool stopped = false;
  pub.stop(2s, [&] { stopped = true; });
  ASSERT_TRUE(test::run_until(io, [&] { return stopped; }, 10s));
}

// mqtt.backfill_batch: the backlog goes as zlib batches on backfill/pos, each inflating to the very
// events (flagged historical, in seq order) that would have gone one by one; a row of another kind
// in the middle goes on its own topic, as written; one PUBACK deletes a batch's rows; and it pays.
TEST_P(publisher_fixture, the_backlog_goes_in_compressed_batches_when_asked) {
  broker->start();
  test::mqtt_collector hq{broker->uri(), "hq-batch", "kelu/v1/acme/s1/#"};
  add_events(0, 500);  // created at the epoch: the backlog
  {
    transaction tx{*db};
    out.insert({"kelu/v1/acme/s1/metrics/funnel/hour", 1, false, aggregate_priority}, R"({"bucket":"10:00"})",
               core::from_unix_ms(0));
    tx.commit();
  }
  add_events(500, 1000);
  auto o = options();
  o.pump.backfill_batch = 100;
  mqtt_publisher pub{io.get_executor(), out, o, log};
  pub.start();
  ASSERT_TRUE(test::run_until(io, [&] { return out.stats().rows == 0; }, 20s)) << log_text.str();
  ASSERT_TRUE(hq.wait_until(
      [](const auto& m) {
        return std::any_of(m.begin(), m.end(), [](const auto& r) { return r.topic.ends_with("/metrics/funnel/hour"); });
      },
      10s));
  const auto batches = static_cast<std::size_t>(pub.stats().batches);
  ASSERT_TRUE(hq.wait_until(
      [&](const auto& m) {
        return static_cast<std::size_t>(std::count_if(m.begin(), m.end(), [](const auto& r) {
                 return r.topic == "kelu/v1/acme/s1/backfill/pos";
               })) == batches;
      },
      10s));
  std::vector<std::int64_t> order;
  std::size_t compressed = 0, plain = 0, singles = 0;
  for (const auto& m : hq.messages()) {
    if (m.topic == "kelu/v1/acme/s1/events/pos") ++singles;
    // Not an event (its row says so): it goes as written, in the backlog or not.
    if (m.topic.ends_with("/metrics/funnel/hour")) {
      EXPECT_EQ(m.payload, R"({"bucket":"10:00"})");
    }
    if (m.topic != "kelu/v1/acme/s1/backfill/pos") continue;
    auto lines = inflate_batch(m.payload, 1 << 24);
    ASSERT_TRUE(lines) << lines.error_message();
    EXPECT_LE(lines->size(), 100u);
    compressed += m.payload.size();
    for (const auto& line : *lines) {
      plain += line.size() + 1;
      const auto j = nlohmann::json::parse(line);
      EXPECT_TRUE(j["historical"].get<bool>());
      order.push_back(j["seq"].get<std::int64_t>());
    }
  }
  EXPECT_EQ(singles, 0u);
  ASSERT_EQ(order.size(), 1000u);
  for (std::size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], static_cast<std::int64_t>(i + 1));
  EXPECT_GE(batches, 10u);
  EXPECT_LE(batches, 12u);
  EXPECT_EQ(pub.stats().acknowledged, 1001);
  EXPECT_EQ(pub.stats().historical, 1001);
  EXPECT_LT(compressed * 4, plain) << compressed << " compressed bytes for " << plain;
  bool stopped = false;
  pub.stop(2s, [&] { stopped = true; });
  ASSERT_TRUE(test::run_until(io, [&] { return stopped; }, 10s));
}

// On a 64 kbit/s line 64 messages in flight overflowed the modem's queue and TCP carried a quarter of
// the line's rate (docs/RELIABILITY.md): the byte bound holds what is unacknowledged to it plus one
// message, in both lanes, and a message larger than the bound still goes, alone.
TEST_P(publisher_fixture, the_byte_bound_holds_unacknowledged_payload_and_a_larger_message_still_goes) {
  broker->start();
  test::mqtt_collector hq{broker->uri(), "hq-bytes", "kelu/v1/acme/s1/events/#"};
  add_events(0, 200);  // created at the epoch: the backlog
  const auto one = static_cast<std::int64_t>(out.peek(0, 1).front().payload.size());
  // Flagged historical, and a transaction id up to a few characters longer than the first one's.
  const auto largest = one + static_cast<std::int64_t>(core::historical_mark_size()) + 16;
  {
    auto o = options();
    o.pump.max_inflight_bytes = static_cast<std::size_t>(3 * one);  // 16 messages would fit the window
    mqtt_publisher pub{io.get_executor(), out, o, log};
    pub.start();
    ASSERT_TRUE(test::run_until(io, [&] { return pub.stats().historical >= 50; }, 10s)) << log_text.str();
    std::vector<core::event> live;
    for (int i = 0; i < 100; ++i) live.push_back(test::sale("T2", "live-" + std::to_string(i)));
    ASSERT_TRUE(store.append(live, core::system_clock{}.now_utc()));
    pub.wake();
    ASSERT_TRUE(test::run_until(io, [&] { return out.stats().rows == 0; }, 20s)) << log_text.str();
    const auto peak = pub.stats().inflight_bytes_peak;
    EXPECT_LE(peak, 3 * one + largest);
    EXPECT_GT(peak, largest);  // the window is used, not one message at a time
    bool stopped = false;
    pub.stop(2s, [&] { stopped = true; });
    ASSERT_TRUE(test::run_until(io, [&] { return stopped; }, 10s));
  }
  add_events(200, 220);
  auto o = options();
  o.pump.max_inflight_bytes = 1;
  mqtt_publisher pub{io.get_executor(), out, o, log};
  pub.start();
  ASSERT_TRUE(test::run_until(io, [&] { return out.stats().rows == 0; }, 20s)) << log_text.str();
  EXPECT_LE(pub.stats().inflight_bytes_peak, largest);  // one at a time
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return seqs(m).size() == 320; }, 10s));
}

// The cap holds: 300 backlog messages at 100/s, the first second's worth at once, take at
// least two seconds. Timed from before the start, so a lower bound only: a slow machine makes it
// longer, never shorter. (Timed from the moment the test saw the connection, it once measured
// 1.86 s under ThreadSanitizer: the pump had sent before the test's poll noticed.)
TEST_P(publisher_fixture, the_backfill_rate_cap_bounds_how_fast_hq_gets_the_backlog) {
  broker->start();
  add_events(0, 300);
  auto o = options();
  o.pump.backfill_rate_per_s = 100;
  mqtt_publisher pub{io.get_executor(), out, o, log};
  const auto t0 = std::chrono::steady_clock::now();
  pub.start();
  ASSERT_TRUE(test::run_until(io, [&] { return pub.stats().connected; }, 10s));
  ASSERT_TRUE(test::run_until(io, [&] { return out.stats().rows == 0; }, 30s)) << log_text.str();
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 1900ms);
  bool stopped = false;
  pub.stop(2s, [&] { stopped = true; });
  ASSERT_TRUE(test::run_until(io, [&] { return stopped; }, 10s));
}

// A message no broker would take is dropped and counted, and does not hold up the rest.
TEST_P(publisher_fixture, an_oversized_message_is_dropped_counted_and_the_rest_flows) {
  broker->start();
  test::mqtt_collector hq{broker->uri(), "hq-size", "kelu/v1/acme/s1/events/#"};
  add_events(0, 5);
  {
    transaction tx{*db};
    out.insert({"kelu/v1/acme/s1/events/pos", 1, false, raw_priority, message_kind::event, "pos"},
               "{\"x\":\"" + std::string(3000, 'a') + "\"}", core::from_unix_ms(0));
    tx.commit();
  }
  add_events(5, 10);
  auto o = options();
  o.pump.max_payload_bytes = 2048;
  mqtt_publisher pub{io.get_executor(), out, o, log};
  pub.start();
  ASSERT_TRUE(test::run_until(io, [&] { return out.stats().rows == 0; }, 20s)) << log_text.str();
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return seqs(m).size() == 10; }, 10s));
  EXPECT_EQ(hq.messages().size(), 10u);
  EXPECT_EQ(out.stats().dropped_oversize, 1);
  EXPECT_NE(log_text.str().find("over mqtt.max_payload_bytes (2048)"), std::string::npos);
  bool stopped = false;
  pub.stop(2s, [&] { stopped = true; });
  ASSERT_TRUE(test::run_until(io, [&] { return stopped; }, 10s));
}

// Configured for MQTT 5, facing a broker that speaks 3.1.1 only: the box falls back and delivers.
// RabbitMQ 3.10 is such a broker; in front of mosquitto a proxy drops MQTT 5 CONNECTs as it does.
TEST_P(publisher_fixture, falls_back_to_3_1_1_when_the_broker_refuses_mqtt_5) {
  broker->start();
  std::unique_ptr<test::v311_only_proxy> proxy;
  if (broker->name() == "mosquitto") proxy = std::make_unique<test::v311_only_proxy>(broker->port());
  test::mqtt_collector hq{broker->uri(), "hq-v311", "kelu/v1/acme/s1/events/#"};
  add_events(0, 20);
  auto o = options();
  if (proxy) o.link.uri = "tcp://127.0.0.1:" + std::to_string(proxy->port());
  o.link.mqtt_version = 5;
  mqtt_publisher pub{io.get_executor(), out, o, log};
  pub.start();
  ASSERT_TRUE(test::run_until(io, [&] { return out.stats().rows == 0; }, 30s)) << log_text.str();
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return seqs(m).size() == 20; }, 10s));
  // The publisher gives MQTT 5 two failed attempts. The proxy need not have seen both: under a
  // loaded machine an attempt can time out before the proxy's single thread reads it, which made
  // counting them at the proxy flaky. That it refused one shows the refusal was the cause.
  EXPECT_GE(pub.stats().connection_failures, 2) << log_text.str();
  if (proxy) {
    EXPECT_GE(proxy->refused_v5(), 1) << log_text.str();
  }
  EXPECT_EQ(pub.stats().protocol, 4);
  EXPECT_NE(log_text.str().find("refused MQTT 5 and took 3.1.1"), std::string::npos) << log_text.str();
  bool stopped = false;
  pub.stop(2s, [&] { stopped = true; });
  ASSERT_TRUE(test::run_until(io, [&] { return stopped; }, 10s));
}

TEST_P(publisher_fixture, announces_birth_and_goodbye_on_the_retained_status_topic) {
  broker->start();
  mqtt_publisher pub{io.get_executor(), out, options(), log};
  pub.start();
  ASSERT_TRUE(test::run_until(io, [&] { return pub.stats().connected; }, 10s));
  {
    test::mqtt_collector late{broker->uri(), "late-1", "kelu/v1/acme/s1/status"};
    ASSERT_TRUE(late.wait_until([](const auto& m) { return !m.empty(); }, 10s));
    EXPECT_EQ(late.messages()[0].payload, R"({"state":"online"})");
    EXPECT_TRUE(late.messages()[0].retained);
  }
  bool stopped = false;
  pub.stop(1s, [&] { stopped = true; });
  ASSERT_TRUE(test::run_until(io, [&] { return stopped; }, 10s));
  test::mqtt_collector late{broker->uri(), "late-2", "kelu/v1/acme/s1/status"};
  ASSERT_TRUE(late.wait_until([](const auto& m) { return !m.empty(); }, 10s));
  EXPECT_EQ(late.messages()[0].payload, R"({"state":"offline","reason":"shutdown"})");
}

TEST_P(publisher_fixture, keeps_rows_while_the_broker_is_down_and_delivers_after_it_returns) {
  add_events(0, 50);
  mqtt_publisher pub{io.get_executor(), out, options(), log};
  pub.start();  // nobody listens on the port yet
  ASSERT_TRUE(test::run_until(io, [&] { return pub.stats().connection_failures >= 2; }, 10s));
  EXPECT_EQ(out.stats().rows, 50);
  broker->start();
  test::mqtt_collector hq{broker->uri(), "hq", "kelu/v1/acme/s1/events/#"};
  ASSERT_TRUE(test::run_until(io, [&] { return out.stats().rows == 0; }, 20s)) << log_text.str();
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return seqs(m).size() == 50; }, 10s));

  // Broker goes away mid-stream and comes back: nothing is lost.
  add_events(50, 2050);
  pub.wake();
  ASSERT_TRUE(test::run_until(io, [&] { return out.stats().rows < 1900; }, 20s));
  broker->stop();
  ASSERT_TRUE(test::run_until(io, [&] { return !pub.stats().connected; }, 10s));
  EXPECT_GT(out.stats().rows, 0);
  broker->start();
  ASSERT_TRUE(test::run_until(io, [&] { return out.stats().rows == 0; }, 30s)) << log_text.str();
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return seqs(m).size() == 2050; }, 20s))
      << "received " << seqs(hq.messages()).size();
  EXPECT_GE(pub.stats().connects, 2);
}

// The same delivery over TLS, with the broker requiring a client certificate.
struct tls_fixture : outbox_fixture, testing::WithParamInterface<std::string> {
  void SetUp() override {
    if (!test::test_pki::available()) GTEST_SKIP() << "openssl is not installed (scripts/setup installs it)";
    pki = std::make_unique<test::test_pki>();
    const test::broker_tls tls{pki->ca(), pki->server_cert(), pki->server_key(), /*require_client_certificate=*/true};
    std::string why;
    broker = test::make_broker(GetParam(), &tls, &why);
    if (!broker) GTEST_SKIP() << why;
    broker->start();
    std::vector<core::event> batch;
    for (int i = 0; i < 20; ++i) batch.push_back(test::sale("T1", std::to_string(i), i));
    ASSERT_TRUE(store.append(batch, core::from_unix_ms(0)));
  }

  publisher_options options(const std::string& ca, bool client_cert) {
    auto o = publisher_options_for(config::defaults());  // the key table's defaults, then the test's
    o.link.uri = broker->uri();
    o.link.client_id = "kelu-tls-test";
    o.link.reconnect_min = 50ms;
    o.link.reconnect_max = 200ms;
    o.link.connect_timeout = 2s;
    o.link.status_topic = "kelu/v1/acme/s1/status";
    o.link.tls_ca_file = ca;
    if (client_cert) {
      o.link.tls_cert_file = pki->client_cert();
      o.link.tls_key_file = pki->client_key();
    }
    return o;
  }

  std::unique_ptr<test::test_pki> pki;
  std::unique_ptr<test::broker> broker;
};

TEST_P(tls_fixture, delivers_with_the_right_ca_and_a_client_certificate) {
  mqtt_publisher pub{io.get_executor(), out, options(pki->ca(), true), log};
  pub.start();
  ASSERT_TRUE(test::run_until(io, [&] { return out.stats().rows == 0; }, 20s)) << log_text.str();
  EXPECT_EQ(pub.stats().acknowledged, 20);
}

TEST_P(tls_fixture, refuses_a_broker_signed_by_another_ca) {
  mqtt_publisher pub{io.get_executor(), out, options(pki->other_ca(), true), log};
  pub.start();
  ASSERT_TRUE(test::run_until(io, [&] { return pub.stats().connection_failures >= 3; }, 20s)) << log_text.str();
  EXPECT_FALSE(pub.stats().connected);
  EXPECT_EQ(out.stats().rows, 20);  // nothing left the box
}

TEST_P(tls_fixture, is_refused_without_a_client_certificate) {
  mqtt_publisher pub{io.get_executor(), out, options(pki->ca(), false), log};
  pub.start();
  ASSERT_TRUE(test::run_until(io, [&] { return pub.stats().connection_failures >= 3; }, 20s)) << log_text.str();
  EXPECT_FALSE(pub.stats().connected);
  EXPECT_EQ(out.stats().rows, 20);
}

// A broker whose certificate HQ's CA signed for another host (another of HQ's services, or a
// spoofed broker on the store's LAN with a certificate for a name it owns): refused by name. With
// mqtt.tls.verify_hostname off the same broker is accepted, so the refusal is the name's alone.
TEST_P(tls_fixture, refuses_a_broker_whose_certificate_names_another_host) {
  broker.reset();
  pki = std::make_unique<test::test_pki>("DNS:hq-broker.example.com");
  const test::broker_tls tls{pki->ca(), pki->server_cert(), pki->server_key(), /*require_client_certificate=*/true};
  std::string why;
  broker = test::make_broker(GetParam(), &tls, &why);
  ASSERT_TRUE(broker) << why;
  broker->start();
  {
    mqtt_publisher pub{io.get_executor(), out, options(pki->ca(), true), log};
    pub.start();
    ASSERT_TRUE(test::run_until(io, [&] { return pub.stats().connection_failures >= 3; }, 20s)) << log_text.str();
    EXPECT_FALSE(pub.stats().connected);
    EXPECT_EQ(out.stats().rows, 20);
  }
  auto trusting = options(pki->ca(), true);
  trusting.link.tls_verify_hostname = false;
  mqtt_publisher pub{io.get_executor(), out, trusting, log};
  pub.start();
  ASSERT_TRUE(test::run_until(io, [&] { return out.stats().rows == 0; }, 20s)) << log_text.str();
}

const auto broker_name = [](const testing::TestParamInfo<std::string>& p) { return p.param; };
INSTANTIATE_TEST_SUITE_P(brokers, publisher_fixture, testing::ValuesIn(test::broker_kinds()), broker_name);
INSTANTIATE_TEST_SUITE_P(brokers, tls_fixture, testing::ValuesIn(test::broker_kinds()), broker_name);

}  // namespace
}  // namespace kelu::sync
