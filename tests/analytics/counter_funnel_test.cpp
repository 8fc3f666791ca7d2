// SPDX-License-Identifier: Apache-2.0
// A store whose door is a people counter already on the ceiling: its periods reach the funnel
// as visitors, shared among quarters, and the periods it did not report are coverage gaps.
// Every figure below is worked out by hand in the comments.
#include <gtest/gtest.h>

#include "analytics/counter_periods.hpp"
#include "analytics/funnel.hpp"
#include "analytics/report_json.hpp"
#include "config/loader.hpp"
#include "support/events.hpp"

namespace kelu::test {
namespace {

using namespace std::chrono;
using nlohmann::json;

const char* config_text = R"({
  "store": {"tenant": "acme", "id": "s1", "time_zone": "UTC", "currency": "CNY"},
  "counters": [
    {"id": "door", "vendor": "hikvision", "line": "main", "username": "hik", "password": "pa55-word"},
    {"id": "street", "vendor": "dahua", "url": "http://192.168.1.108", "role": "passby"}
  ]
})";

core::event count(const char* sensor, const char* from, const char* to, std::int64_t in, std::int64_t out,
                  std::int64_t pass = 0) {
  core::event e;
  e.store = "s1";
  e.source = std::string("counter-") + sensor;
  e.stream = "traffic";
  e.observed_at = at(from);
  e.received_at = at(to);
  e.body = core::traffic_count{sensor, std::string(sensor) == "door" ? "main" : "door", at(from), at(to), in, out, pass,
                               "period"};
  return e;
}

core::event sale_at(const char* when, const char* txn) {
  core::event e;
  e.store = "s1";
  e.source = "pos";
  e.stream = "pos";
  e.observed_at = e.received_at = at(when);
  core::pos_transaction t;
  t.terminal = "T1";
  t.transaction_id = txn;
  t.business_day = "2026-12-01";
  t.currency = "CNY";
  t.total_minor = 5000;
  e.body = t;
  return e;
}

struct counter_day : testing::Test {
  void SetUp() override {
    auto loaded = config::load_text(config_text);
    for (const auto& err : loaded.errors) ADD_FAILURE() << err.to_string();
    rules = analytics::rules_for(loaded.value).value();
    // The door counter reports quarters 09:00-12:00, except 10:30-10:45, and one half hour.
    events.push_back(count("door", "2026-12-01T09:00:00Z", "2026-12-01T09:15:00Z", 10, 2, 30));
    for (const char* q : {"09:15", "09:30", "09:45", "10:00", "10:15", "10:45", "11:30", "11:45"}) {
      const auto from = "2026-12-01T" + std::string(q) + ":00Z";
      const auto to = analytics::format_local(at(from.c_str()) + minutes{15}, core::time_zone::utc());
      events.push_back(count("door", from.c_str(), to.c_str(), 4, 4));
    }
    events.push_back(count("door", "2026-12-01T11:00:00Z", "2026-12-01T11:30:00Z", 7, 3));
    // The street counter (passby) reports one hour, and is no door: its silence is no gap.
    events.push_back(count("street", "2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z", 50, 40));
    events.push_back(sale_at("2026-12-01T09:10:00Z", "1"));
    events.push_back(sale_at("2026-12-01T09:40:00Z", "2"));
    events.push_back(sale_at("2026-12-01T10:35:00Z", "3"));  // during the door's gap
  }
  analytics::day_analysis analyse(const std::optional<std::vector<analytics::utc_interval>>& running = std::nullopt) {
    return analytics::analyse_day(sys_days{year{2026} / 12 / 1}, core::time_zone::utc(), rules, events,
                                  at("2026-12-01T12:00:00Z"), running);
  }
  const analytics::bucket& hour(const analytics::day_analysis& a, int h) { return a.hours.at(static_cast<std::size_t>(h)); }

  analytics::funnel_rules rules;
  std::vector<core::event> events;
};

TEST_F(counter_day, its_periods_are_visitors_shared_among_quarters_and_hours_add_up) {
  const auto a = analyse();
  EXPECT_TRUE(a.has_door_camera);
  // 09: 10 + 4 + 4 + 4; 10: 4 + 4 + (gap) + 4; 11: the half hour's 7 split 4 + 3, then 4 + 4.
  EXPECT_EQ(hour(a, 9).store.entries, 22);
  EXPECT_EQ(hour(a, 10).store.entries, 12);
  EXPECT_EQ(hour(a, 11).store.entries, 15);
  EXPECT_EQ(a.whole.store.entries, 49);
  // Exits: 2 + 12; 12; the half hour's 3 split 2 + 1, then 8.
  EXPECT_EQ(a.whole.store.exits, 14 + 12 + 11);
  const auto q = [&](const char* iso) -> const analytics::bucket& {
    return a.quarters.at(static_cast<std::size_t>((at(iso) - a.start) / minutes{15}));
  };
  EXPECT_EQ(q("2026-12-01T11:00:00Z").store.entries, 4);
  EXPECT_EQ(q("2026-12-01T11:15:00Z").store.entries, 3);
  EXPECT_EQ(q("2026-12-01T11:00:00Z").store.exits, 2);
  EXPECT_EQ(q("2026-12-01T11:15:00Z").store.exits, 1);
  // Passers-by: the door's own 30, and the street counter's 50 + 40 over its hour.
  EXPECT_EQ(a.whole.store.passersby, 30 + 90);
  EXPECT_EQ(hour(a, 9).cameras.at("door").entries, 22);
  // End-of-period occupancy: 8 after 09:00-09:15, the highest level of the day (then +0, +0, ...,
  // 11:00-11:30 adds 4 → 12).
  EXPECT_EQ(a.whole.store.occupancy_peak, 12);
}

TEST_F(counter_day, the_periods_it_did_not_report_are_gaps_and_rates_leave_those_hours_out) {
  const auto a = analyse();
  EXPECT_EQ(hour(a, 9).store.covered_ms, 60 * 60'000);
  EXPECT_EQ(hour(a, 10).store.covered_ms, 45 * 60'000);
  EXPECT_EQ(hour(a, 8).store.covered_ms, 0);
  // 00:00-09:00 and 10:30-10:45; the street counter is no door and has none.
  ASSERT_EQ(a.gaps.size(), 2u);
  EXPECT_EQ(a.gaps[0].camera, "door");
  EXPECT_EQ(a.gaps[0].from, at("2026-12-01T00:00:00Z"));
  EXPECT_EQ(a.gaps[0].to, at("2026-12-01T09:00:00Z"));
  EXPECT_EQ(a.gaps[1].from, at("2026-12-01T10:30:00Z"));
  EXPECT_EQ(a.gaps[1].reason, "not reported");
  const auto r = analytics::day_report_json(a, rules, core::time_zone::utc(), {"acme", "s1", "", "CNY"});
  // Covered open hours: 09 and 11 (10 saw 75 %, under the 90 % floor). Buyers 2 of 22 + 15.
  EXPECT_EQ(r["totals"]["rate_basis"]["covered_periods"], 2);
  EXPECT_EQ(r["totals"]["conversion"], 0.0541);
  EXPECT_EQ(r["totals"]["visitors"], 49);
  // The day so far (12 h): 2 h 45 min seen.
  EXPECT_EQ(r["totals"]["coverage"], 0.2292);
}

TEST_F(counter_day, the_agent_being_down_is_no_gap_when_the_counter_reported_the_time) {
  // The box was down 10:00-10:30; the counter kept counting and sent those quarters later.
  const std::vector<analytics::utc_interval> running{{at("2026-12-01T00:00:00Z"), at("2026-12-01T10:00:00Z"), 1},
                                                     {at("2026-12-01T10:30:00Z"), at("2026-12-01T12:00:00Z"), 1}};
  const auto a = analyse(running);
  EXPECT_EQ(hour(a, 10).store.covered_ms, 45 * 60'000);
  EXPECT_EQ(hour(a, 10).store.entries, 12);
}

TEST_F(counter_day, an_associate_signing_on_takes_their_entry_out_of_the_counter_s_visitors) {
  core::event e;
  e.store = "s1";
  e.source = "pos";
  e.stream = "pos";
  e.observed_at = e.received_at = at("2026-12-01T09:20:00Z");
  core::pos_operator o;
  o.terminal = "T1";
  o.transaction_id = "90";
  o.business_day = "2026-12-01";
  o.operator_id = "E1";
  e.body = o;
  events.push_back(e);
  const auto a = analyse();
  // The last entry in the 30 minutes before 09:20 is the 09:15 quarter's: 4 becomes 3.
  EXPECT_EQ(hour(a, 9).store.entries, 21);
  EXPECT_EQ(hour(a, 9).store.staff.sign_on, 1);
  EXPECT_EQ(a.quarters.at(37).store.entries, 3);  // 09:15 is the 37th quarter of the day
  EXPECT_EQ(a.whole.store.entries, 48);
}

TEST(counter_periods, spread_shares_exactly_by_overlap) {
  const auto origin = at("2026-12-01T00:00:00Z");
  const auto s = analytics::spread(10, at("2026-12-01T00:10:00Z"), at("2026-12-01T00:40:00Z"), origin, minutes{15});
  // 5, 15 and 10 minutes of 30: 1.67, 5 and 3.33 → 2, 5, 3 (the largest remainder takes the rest).
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].bucket, 0u);
  EXPECT_EQ(s[0].count, 2);
  EXPECT_EQ(s[1].count, 5);
  EXPECT_EQ(s[2].count, 3);
  // A period starting the day before keeps yesterday's share out: 30 of 60 minutes are today's.
  const auto t = analytics::spread(9, origin - minutes{30}, origin + minutes{30}, origin, minutes{15});
  std::int64_t today = 0;
  for (const auto& x : t) today += x.count;
  EXPECT_EQ(today, 4);  // 4.5 today: the half that rounds goes to yesterday's share
  EXPECT_TRUE(analytics::spread(0, origin, origin + minutes{15}, origin, minutes{15}).empty());
  const auto big = analytics::spread(std::int64_t{1} << 40, origin, origin + hours{24}, origin, minutes{15});
  std::int64_t sum = 0;
  for (const auto& x : big) sum += x.count;
  EXPECT_EQ(sum, std::int64_t{1} << 40);
}

}  // namespace
}  // namespace kelu::test
