// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <set>

#include "core/backoff.hpp"
#include "core/event.hpp"
#include "core/money.hpp"
#include "core/time.hpp"

namespace kelu::core {
namespace {

event sample_sale() {
  pos_transaction t;
  t.terminal = "T1";
  t.transaction_id = "0001";
  t.operator_id = "E7";
  t.currency = "CNY";
  t.total_minor = 2350;
  t.tax_minor = 270;
  t.business_day = "2026-11-18";
  t.operator_name = "Li Na";
  // The second line was sold by a salesperson (导购) other than the cashier.
  t.items = {{"6901234567892", "Oolong tea 500ml", "drinks", 2000, 450, 900, 0, "", "", ""},
             {"W-APPLE", "Apples, loose", "fruit", 375, 1200, 400, 50, R"({"lot":"L-7"})", "S12", "王芳"}};
  t.extra = R"({"loyalty":{"card":"0042"}})";
  t.tenders = {{"mobile", 2350, R"({"card":"**** 4242"})"}};
  event e;
  e.id = new_event_id();
  e.store = "sh-001";
  e.source = "pos-tcp";
  e.stream = "pos";
  e.seq = 42;
  e.observed_at = from_unix_ms(1'795'000'000'123);
  e.received_at = from_unix_ms(1'795'000'000'456);
  e.body = t;
  return e;
}

TEST(event, encode_decode_round_trip_for_every_kind) {
  auto sale = sample_sale();
  auto d = decode(encode(sale));
  ASSERT_TRUE(d) << d.error_message();
  EXPECT_EQ(*d, sale);

  event health = sale;
  health.stream = "health";
  agent_health ah{120, 10, 1, 2, 0, 3, 4096, 7, 9, {6, 2, 1}, true, {}, {}, {}};
  ah.sources.push_back({"poslog", "poslog", 5, 1, 2, from_unix_ms(1'795'000'000'000), "x.xml: bad", std::nullopt, 3, {}});
  ah.cameras.push_back({"door", "offline", 1000, 400, 600, 120, 9'950, 1, "rtsp: timeout", from_unix_ms(1'795'000'000'000)});
  health.body = ah;
  auto h = decode(encode(health));
  ASSERT_TRUE(h) << h.error_message();
  EXPECT_EQ(*h, health);
  EXPECT_EQ(encode(health).find("clock_steps"), std::string::npos);  // not there until a step
  EXPECT_EQ(encode(health).find("clock_offsets"), std::string::npos);  // nor until a till is off
  ah.sources.back().clock_offsets = {{"T2", -10800}, {"T4", 420}};
  health.body = ah;
  h = decode(encode(health));
  ASSERT_TRUE(h) << h.error_message();
  EXPECT_EQ(*h, health);
  ah.clock = {2, -10800, from_unix_ms(1'795'000'000'000)};
  health.body = ah;
  h = decode(encode(health));
  ASSERT_TRUE(h) << h.error_message();
  EXPECT_EQ(*h, health);

  event op = sale;
  op.body = pos_operator{"T1", "160", "2026-11-18", "94", "FL 34", pos_operator_action::sign_off, ""};
  auto o = decode(encode(op));
  ASSERT_TRUE(o) << o.error_message();
  EXPECT_EQ(*o, op);
  EXPECT_EQ(type_name(op.body), "pos.operator");
  for (auto kind : {pos_transaction_kind::return_, pos_transaction_kind::void_}) {
    event r = sale;
    std::get<pos_transaction>(r.body).kind = kind;
    auto back = decode(encode(r));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, r);
  }
  EXPECT_EQ(type_name(health.body), "agent.health");
  EXPECT_EQ(type_name(sale.body), "pos.transaction");
}

TEST(event, camera_payloads_round_trip) {
  const auto t0 = from_unix_ms(1'795'000'000'000);
  const std::vector<payload> bodies{
      traffic_line_cross{"door", "entrance", crossing_direction::out, 17},
      traffic_zone_dwell{"door", "promo", 17, t0, 42'500, true},
      traffic_occupancy{"door", {{"promo", 3}, {"till", 0}}},
      heatmap_tile{"door", "hour", t0, t0 + std::chrono::hours(1), 2, 2, 768, 576, {0, 15, 3, 0}},
      camera_gap{"door", t0, t0 + std::chrono::seconds(75), "no frame within 5000 ms"}};
  const std::vector<std::string_view> names{"traffic.line_cross", "traffic.zone_dwell", "traffic.occupancy",
                                            "heatmap.tile", "camera.gap"};
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    event e = sample_sale();
    e.source = "camera-door";
    e.stream = "traffic";
    e.body = bodies[i];
    EXPECT_EQ(type_name(e.body), names[i]);
    auto back = decode(encode(e));
    ASSERT_TRUE(back) << back.error_message();
    EXPECT_EQ(*back, e) << names[i];
  }
  // A tile whose cells do not fill cols × rows is refused, not half-read.
  event bad = sample_sale();
  bad.body = heatmap_tile{"door", "hour", t0, t0, 3, 2, 768, 576, {1, 2}};
  EXPECT_FALSE(decode(encode(bad)));
  // Closed tiles are identified by (store, camera, period, start): a re-emission is a duplicate.
  event tile = sample_sale();
  tile.body = bodies[3];
  EXPECT_EQ(dedupe_key(tile), "heatmap:" + std::string("6:sh-001:4:door:4:hour:24:") +
                                  format_iso8601(t0) + ":");
}

TEST(event, wire_form_carries_identity_and_utc_times) {
  const auto text = encode(sample_sale());
  EXPECT_NE(text.find(R"("source":"pos-tcp")"), std::string::npos);
  EXPECT_NE(text.find(R"("seq":42)"), std::string::npos);
  EXPECT_NE(text.find(R"("type":"pos.transaction")"), std::string::npos);
  EXPECT_NE(text.find(R"("observed_at":"2026-11-18T)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(.123Z")"), std::string::npos);
}

TEST(event, decode_rejects_unknown_types_and_garbage) {
  auto text = encode(sample_sale());
  text.replace(text.find("pos.transaction"), 15, "pos.teleport");
  const auto r = decode(text);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error_message().find("pos.teleport"), std::string::npos);
  EXPECT_FALSE(decode("{"));
  EXPECT_FALSE(decode(R"({"id":1})"));
}

TEST(event, dedupe_key_separates_terminal_and_transaction_unambiguously) {
  auto a = sample_sale();
  auto b = sample_sale();
  std::get<pos_transaction>(a.body).terminal = "a:b";
  std::get<pos_transaction>(a.body).transaction_id = "c";
  std::get<pos_transaction>(b.body).terminal = "a";
  std::get<pos_transaction>(b.body).transaction_id = "b:c";
  EXPECT_NE(dedupe_key(a), dedupe_key(b));
  // The same transaction number on another business day or in another store is another sale.
  auto c = sample_sale();
  auto d = sample_sale();
  std::get<pos_transaction>(c.body).business_day = "2026-11-27";
  std::get<pos_transaction>(d.body).business_day = "2026-11-28";
  EXPECT_NE(dedupe_key(c), dedupe_key(d));
  d = c;
  d.store = "other";
  EXPECT_NE(dedupe_key(c), dedupe_key(d));
  d = c;
  d.id = new_event_id();
  d.received_at += std::chrono::hours(1);
  EXPECT_EQ(dedupe_key(c), dedupe_key(d));
  event h = a;
  h.body = agent_health{};
  EXPECT_EQ(dedupe_key(h), "");
}

TEST(event, ids_are_unique_hex) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(new_event_id());
  EXPECT_EQ(ids.size(), 10000u);
  EXPECT_EQ(ids.begin()->size(), 32u);
  EXPECT_EQ(ids.begin()->find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(time, parses_offsets_into_utc) {
  const auto a = parse_iso8601("2026-11-27T18:03:11+08:00");
  const auto b = parse_iso8601("2026-11-27T10:03:11Z");
  const auto c = parse_iso8601("2026-11-27 05:03:11.5-0500");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(to_unix_ms(*c) - to_unix_ms(*b), 500);
  EXPECT_EQ(format_iso8601(*a), "2026-11-27T10:03:11.000Z");
}

TEST(time, rejects_times_without_zone_and_impossible_dates) {
  for (const char* bad : {"2026-11-27T10:03:11", "2026-02-30T10:00:00Z", "2026-11-27T25:00:00Z", "yesterday",
                          "2026-11-27T10:03:11Zjunk", "2026-11-27T10:03:11+19:00", ""}) {
    const auto r = parse_iso8601(bad);
    EXPECT_FALSE(r) << bad;
  }
  const auto r = parse_iso8601("2026-11-27T10:03:11");
  EXPECT_NE(r.error_message().find("zone designator"), std::string::npos);
}

TEST(time, refuses_years_an_event_could_not_be_stored_with) {
  // Found by fuzz_csv: year 0 at +01:00 is year -1 in UTC, which the event encoding cannot carry.
  const auto r = parse_iso8601("0000-01-01T00:30:00+01:00");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error_message().find("year outside 1900..2199"), std::string::npos) << r.error_message();
  EXPECT_FALSE(parse_iso8601("2200-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_iso8601("1900-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_iso8601("2199-12-31T23:59:59Z"));
}

TEST(money, parses_decimal_text_exactly) {
  EXPECT_EQ(*parse_decimal("12.50", 2), 1250);
  EXPECT_EQ(*parse_decimal("12.5", 2), 1250);
  EXPECT_EQ(*parse_decimal("-0.01", 2), -1);
  EXPECT_EQ(*parse_decimal("7", 2), 700);
  EXPECT_EQ(*parse_decimal("1500", 0), 1500);
  EXPECT_EQ(*parse_decimal("1.234", 3), 1234);
  EXPECT_EQ(*parse_decimal("2.500", 2), 250);  // trailing zeros are exact
  EXPECT_EQ(*parse_decimal("0.1", 2) + *parse_decimal("0.2", 2), 30);
}

TEST(money, refuses_rounding_and_junk) {
  for (const char* bad : {"12.345", "1e3", "12,50", "", ".", "-", "1.2.3", "99999999999999999999"}) {
    EXPECT_FALSE(parse_decimal(bad, 2)) << bad;
  }
  EXPECT_NE(parse_decimal("12.345", 2).error_message().find("decimal places"), std::string::npos);
}

TEST(money, currency_exponents) {
  EXPECT_EQ(minor_digits("CNY"), 2);
  EXPECT_EQ(minor_digits("JPY"), 0);
  EXPECT_EQ(minor_digits("KWD"), 3);
}

TEST(backoff, grows_to_the_cap_with_jitter_and_resets) {
  backoff b{std::chrono::milliseconds(100), std::chrono::milliseconds(1000), 7};
  std::vector<std::int64_t> delays;
  for (int i = 0; i < 8; ++i) delays.push_back(b.next().count());
  EXPECT_GE(delays[0], 50);
  EXPECT_LE(delays[0], 100);
  EXPECT_GE(delays[3], 400);
  EXPECT_LE(delays[3], 800);
  for (int i = 4; i < 8; ++i) {
    EXPECT_GE(delays[static_cast<std::size_t>(i)], 500);
    EXPECT_LE(delays[static_cast<std::size_t>(i)], 1000);
  }
  b.reset();
  EXPECT_LE(b.next().count(), 100);
  // Two boxes with different seeds do not retry in lockstep.
  backoff x{std::chrono::milliseconds(1000), std::chrono::milliseconds(60000), 1};
  backoff y{std::chrono::milliseconds(1000), std::chrono::milliseconds(60000), 2};
  int same = 0;
  for (int i = 0; i < 10; ++i) same += x.next() == y.next();
  EXPECT_LT(same, 3);
}

}  // namespace
}  // namespace kelu::core
