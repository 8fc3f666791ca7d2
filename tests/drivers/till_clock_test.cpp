// SPDX-License-Identifier: Apache-2.0
#include "drivers/till_clock.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/time.hpp"

namespace kelu::drivers {
namespace {

using namespace std::chrono_literals;

const core::utc_time noon = core::from_unix_ms(1'795'000'000'000);

// Sale i of a till selling one a minute from noon (box time), stamped `off` from the box's clock.
int sell(till_clock& tills, const std::string& terminal, int from, int to, std::chrono::milliseconds off) {
  int changes = 0;
  for (int i = from; i < to; ++i) {
    const auto received = noon + std::chrono::minutes(i);
    changes += tills.observe(terminal, received + off, received).has_value();
  }
  return changes;
}

TEST(till_clock, a_till_hours_ahead_is_found_once_with_its_offset_after_ten_minutes) {
  till_clock tills;
  EXPECT_EQ(sell(tills, "T1", 0, 10, 3h + 2s), 0);  // 2 s on the wire; ten minutes not yet covered
  sell(tills, "T2", 0, 30, -1s);                      // a till that is right
  EXPECT_EQ(sell(tills, "T1", 10, 30, 3h + 2s), 1);
  const auto off = tills.offsets();
  ASSERT_EQ(off.size(), 1u);
  EXPECT_EQ(off[0].terminal, "T1");
  EXPECT_EQ(off[0].offset_s, 10802);
}

TEST(till_clock, a_backlog_resent_after_an_outage_is_late_not_off) {
  till_clock tills;
  // Two hours of sales, resent oldest first within seconds once the till is back, then selling on.
  for (int i = 0; i < 120; ++i)
    EXPECT_FALSE(tills.observe("T1", noon - 2h + std::chrono::minutes(i) + 30s, noon + std::chrono::milliseconds(i * 50))
                     .has_value());
  EXPECT_EQ(sell(tills, "T1", 1, 40, 1s), 0);
  EXPECT_TRUE(tills.offsets().empty());
}

TEST(till_clock, a_clock_set_right_is_cleared_at_its_first_sale_on_time) {
  till_clock tills;
  EXPECT_EQ(sell(tills, "T1", 0, 15, -4h), 1);
  ASSERT_EQ(tills.offsets().size(), 1u);
  EXPECT_EQ(tills.offsets()[0].offset_s, -14400);
  EXPECT_EQ(sell(tills, "T1", 15, 16, 1s), 1);
  EXPECT_TRUE(tills.offsets().empty());
  EXPECT_EQ(sell(tills, "T1", 16, 17, -4h), 0);  // one stale resend does not bring it back
}

TEST(till_clock, minutes_off_are_within_the_threshold) {
  till_clock tills;
  EXPECT_EQ(sell(tills, "T1", 0, 60, 4min + 50s), 0);
  EXPECT_EQ(sell(tills, "T2", 0, 60, -5min - 10s), 1);
  ASSERT_EQ(tills.offsets().size(), 1u);
  EXPECT_EQ(tills.offsets()[0].terminal, "T2");
}

TEST(till_clock, terminals_are_bounded_forgetting_the_least_recently_heard) {
  till_clock tills;
  for (int t = 0; t < 100; ++t) sell(tills, "T" + std::to_string(t), 0, 11, 1h);
  const auto off = tills.offsets();
  EXPECT_EQ(off.size(), till_clock::max_terminals);
  EXPECT_EQ(std::count_if(off.begin(), off.end(), [](const auto& o) { return o.terminal == "T0"; }), 0);
  EXPECT_EQ(std::count_if(off.begin(), off.end(), [](const auto& o) { return o.terminal == "T99"; }), 1);
}

TEST(till_clock, the_log_line_says_which_way_and_what_to_do) {
  EXPECT_EQ(till_clock_change("T3", -10860),
            "terminal T3's clock is 3 h 1 min behind the box's; its sales keep the till's time, so set the till's clock");
  EXPECT_EQ(till_clock_change("T3", 0), "terminal T3's clock is within 5 min of the box's again");
}

}  // namespace
}  // namespace kelu::drivers
