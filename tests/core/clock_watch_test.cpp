// SPDX-License-Identifier: Apache-2.0
// Steps of the wall clock told apart from time passing and from NTP's slewing.
#include <gtest/gtest.h>

#include "core/clock_watch.hpp"

namespace kelu::core {
namespace {

using namespace std::chrono_literals;

struct clocks {
  utc_time wall = from_unix_ms(1'795'000'000'000);
  std::chrono::steady_clock::time_point steady{};
  void pass(std::chrono::milliseconds d) {
    wall += d;
    steady += d;
  }
};

TEST(clock_watch, time_passing_and_a_slewed_clock_are_not_steps) {
  clock_watch w;
  clocks c;
  EXPECT_FALSE(w.observe(c.wall, c.steady));  // the base
  for (int i = 0; i < 360; ++i) {  // an hour in 10 s ticks, NTP slewing 0.5 ms a second all along
    c.pass(10s);
    c.wall += 5ms;
    EXPECT_FALSE(w.observe(c.wall, c.steady));
  }
  c.pass(10s);
  c.wall += 59s;  // just under the tolerance
  EXPECT_FALSE(w.observe(c.wall, c.steady));
  EXPECT_EQ(w.seen().count, 0);
}

TEST(clock_watch, steps_forward_and_back_are_counted_with_their_size_and_time) {
  clock_watch w;
  clocks c;
  w.observe(c.wall, c.steady);
  c.pass(10s);
  c.wall += 3h;  // NTP at boot finds the box three hours behind
  const auto forward = w.observe(c.wall, c.steady);
  ASSERT_TRUE(forward);
  EXPECT_EQ(*forward, 3h);
  EXPECT_EQ(w.seen().count, 1);
  EXPECT_EQ(w.seen().last_step_s, 10800);
  EXPECT_EQ(w.seen().last_at, c.wall);
  c.pass(10s);
  EXPECT_FALSE(w.observe(c.wall, c.steady));  // the new time is the base from then on
  c.pass(10s);
  c.wall -= 3h + 30s;
  const auto back = w.observe(c.wall, c.steady);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, -(3h + 30s));
  EXPECT_EQ(w.seen().count, 2);
  EXPECT_EQ(w.seen().last_step_s, -10830);
}

}  // namespace
}  // namespace kelu::core
