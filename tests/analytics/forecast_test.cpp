// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "analytics/forecast.hpp"
#include "golden_day.hpp"

namespace kelu::test {
namespace {

using namespace std::chrono;

// Four past Tuesdays with 10, 20, 30 and 40 visitors at 10:00 and 100 at 15:00.
std::vector<analytics::hour_observation> tuesdays(sys_days today) {
  std::vector<analytics::hour_observation> h;
  for (int w = 1; w <= 4; ++w) {
    h.push_back({today - days{7 * w}, 10, 10 * w, true});
    h.push_back({today - days{7 * w}, 15, 100, true});
    h.push_back({today - days{7 * w + 1}, 15, 9999, true});  // a Monday: ignored
  }
  h.push_back({today - days{35}, 15, 5000, false});  // low coverage: ignored
  return h;
}

TEST(forecast, scales_the_weekday_median_by_how_today_runs) {
  const auto g = golden_day::load("ordinary_day");  // Tuesday 2026-11-24
  // At 12:00 local: visitors so far 6 (09:00) + 20 (10:00) + 10 (11:00) = 36.
  const auto a = analytics::analyse_day(g.day(), g.zone, g.rules, g.events, core::parse_iso8601("2026-11-24T11:00:00Z").value());
  const auto f = analytics::forecast_today(a, tuesdays(g.day()), g.zone, g.rules, {6, 20});
  EXPECT_EQ(f.weeks_used, 4);
  EXPECT_DOUBLE_EQ(f.expected_so_far, 25);  // median of 10, 20, 30, 40 at 10:00; nothing known at 9 or 11
  EXPECT_DOUBLE_EQ(f.visitors_so_far, 36);
  // 36 / 25 = 1.44, trusted for 25 of the usual 125 visitors: 1 + 0.44 * 0.2.
  EXPECT_NEAR(f.scale, 1.088, 1e-9);
  ASSERT_EQ(f.hours.size(), 12u);  // 12:00 .. 23:00
  EXPECT_EQ(f.hours[0].hour, 12);
  const auto three = f.hours[3];
  EXPECT_EQ(three.hour, 15);
  EXPECT_NEAR(three.visitors, 108.8, 1e-9);
  EXPECT_EQ(three.staff_needed, 6);  // ceil(108.8 / 20)
  EXPECT_EQ(f.hours[0].staff_needed, 1);  // open, nobody expected: still one person
  EXPECT_EQ(f.hours[9].staff_needed, 0);  // 21:00: closed
}

TEST(forecast, no_history_for_the_weekday_gives_no_hours) {
  const auto g = golden_day::load("ordinary_day");
  const auto a = g.analyse();
  auto history = tuesdays(g.day());
  for (auto& h : history) h.day -= days{2};  // all Sundays and Saturdays now
  const auto f = analytics::forecast_today(a, history, g.zone, g.rules, {6, 20});
  EXPECT_EQ(f.weeks_used, 0);
  EXPECT_TRUE(f.hours.empty());
}

TEST(forecast, observe_hours_leaves_out_what_the_cameras_missed) {
  const auto g = golden_day::load("camera_gap");
  const auto obs = analytics::observe_hours(g.analyse(), g.zone, g.rules);
  ASSERT_EQ(obs.size(), 24u);
  EXPECT_FALSE(obs[0].usable);   // 00:00, down till 00:30
  EXPECT_FALSE(obs[14].usable);  // 14:00, down 40 minutes
  EXPECT_TRUE(obs[10].usable);
  EXPECT_EQ(obs[10].visitors, 10);
}

}  // namespace
}  // namespace kelu::test
