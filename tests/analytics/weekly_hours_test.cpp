// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "analytics/seq_ranges.hpp"
#include "analytics/shifts.hpp"
#include "analytics/weekly_hours.hpp"
#include "support/events.hpp"

namespace kelu::analytics {
namespace {

using namespace std::chrono;

core::time_zone berlin() { return core::time_zone::load("Europe/Berlin").value(); }
using test::at;
sys_days day(const char* text) { return parse_day(text).value(); }

TEST(weekly_hours, opening_hours_per_weekday_in_local_time) {
  auto w = weekly_hours::parse("mon-fri 09:00-21:00, sat-sun 10:00-18:00", false).value();
  const auto tue = w.on(day("2026-11-24"), berlin());
  ASSERT_EQ(tue.size(), 1u);
  EXPECT_EQ(tue[0].from, at("2026-11-24T08:00:00Z"));
  EXPECT_EQ(tue[0].to, at("2026-11-24T20:00:00Z"));
  const auto sun = w.on(day("2026-11-29"), berlin());
  ASSERT_EQ(sun.size(), 1u);
  EXPECT_EQ(sun[0].from, at("2026-11-29T09:00:00Z"));
}

TEST(weekly_hours, a_range_past_midnight_belongs_to_two_days) {
  auto w = weekly_hours::parse("fri 22:00-02:00", false).value();
  const auto fri = w.on(day("2026-11-27"), berlin());
  ASSERT_EQ(fri.size(), 1u);
  EXPECT_EQ(fri[0].from, at("2026-11-27T21:00:00Z"));
  EXPECT_EQ(fri[0].to, at("2026-11-27T23:00:00Z"));  // local midnight
  const auto sat = w.on(day("2026-11-28"), berlin());
  ASSERT_EQ(sat.size(), 1u);
  EXPECT_EQ(sat[0].from, at("2026-11-27T23:00:00Z"));
  EXPECT_EQ(sat[0].to, at("2026-11-28T01:00:00Z"));
  EXPECT_TRUE(w.on(day("2026-11-26"), berlin()).empty());
}

TEST(weekly_hours, dst_days_are_23_and_25_hours_long) {
  const auto w = weekly_hours::always();
  const auto spring = w.on(day("2026-03-29"), berlin());
  ASSERT_EQ(spring.size(), 1u);
  EXPECT_EQ(spring[0].to - spring[0].from, hours{23});
  const auto autumn = w.on(day("2026-10-25"), berlin());
  EXPECT_EQ(autumn[0].to - autumn[0].from, hours{25});
  // Open 01:00-04:00 on the spring day: 02:00-03:00 does not exist, so two hours.
  auto night = weekly_hours::parse("sun 01:00-04:00", false).value().on(day("2026-03-29"), berlin());
  EXPECT_EQ(night[0].to - night[0].from, hours{2});
}

TEST(weekly_hours, headcounts_weight_staff_time) {
  auto w = weekly_hours::parse("mon-fri 09:00-17:00 x2; sat 10:00-12:00 x3", true).value();
  const auto tue = w.on(day("2026-11-24"), berlin());
  EXPECT_EQ(overlap_ms(tue, at("2026-11-24T00:00:00Z"), at("2026-11-25T00:00:00Z")), 2 * 8 * 3'600'000);
  const auto sat = w.on(day("2026-11-28"), berlin());
  EXPECT_EQ(overlap_ms(sat, at("2026-11-28T00:00:00Z"), at("2026-11-29T00:00:00Z")), 3 * 2 * 3'600'000);
}

TEST(weekly_hours, errors_name_the_entry_and_where_it_starts) {
  auto bad = weekly_hours::parse("mon-fri 09:00-21:00, sun 25:00-26:00", false);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error_message().find("\"sun 25:00-26:00\""), std::string::npos) << bad.error_message();
  EXPECT_NE(bad.error_message().find("character 20"), std::string::npos) << bad.error_message();
  EXPECT_FALSE(weekly_hours::parse("mon-fri 09:00-17:00 x2", false));  // no headcounts in opening hours
  EXPECT_FALSE(weekly_hours::parse("someday 09:00-17:00", false));
  EXPECT_FALSE(weekly_hours::parse("mon 09:00-09:00", false));
  EXPECT_FALSE(weekly_hours::parse("mon 9:00-17:00", false));
  EXPECT_FALSE(weekly_hours::parse("mon 09:00-17:00 x0", true));
  EXPECT_TRUE(weekly_hours::parse("", false).value().empty());
  EXPECT_TRUE(weekly_hours::parse("daily 00:00-24:00", false));
  EXPECT_TRUE(weekly_hours::parse("fri-mon 10:00-18:00", false));  // wraps round the week
}

TEST(weekly_hours, local_formatting_carries_the_offset) {
  EXPECT_EQ(format_local(at("2026-10-25T00:30:00Z"), berlin()), "2026-10-25T02:30:00+02:00");
  EXPECT_EQ(format_local(at("2026-10-25T01:30:00Z"), berlin()), "2026-10-25T02:30:00+01:00");
  auto kolkata = core::time_zone::load("Asia/Kolkata").value();
  EXPECT_EQ(format_local(at("2026-11-27T18:30:00Z"), kolkata), "2026-11-28T00:00:00+05:30");
  EXPECT_EQ(local_midnight(day("2026-11-28"), kolkata), at("2026-11-27T18:30:00Z"));
  EXPECT_FALSE(parse_day("2026-02-30"));
  EXPECT_FALSE(parse_day("2026-2-3"));
  EXPECT_EQ(format_day(parse_day("2026-02-03").value()), "2026-02-03");
}

TEST(seq_ranges, merges_adjacent_and_overlapping_runs) {
  seq_ranges r;
  for (const std::int64_t s : {5, 3, 4, 9, 7, 1, 8}) r.add("pos", s);
  r.add("cam", 2);
  const auto v = r.ranges();
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0], (seq_range{"cam", 2, 2}));
  EXPECT_EQ(v[1], (seq_range{"pos", 1, 1}));
  EXPECT_EQ(v[2], (seq_range{"pos", 3, 5}));
  EXPECT_EQ(v[3], (seq_range{"pos", 7, 9}));
  EXPECT_EQ(r.count(), 8);
  seq_ranges other;
  other.add("pos", 2, 6);
  r.add(other);
  EXPECT_EQ(r.ranges()[1], (seq_range{"pos", 1, 9}));
  EXPECT_TRUE(r.contains("pos", 6));
  EXPECT_FALSE(r.contains("pos", 10));
  EXPECT_FALSE(r.contains("other", 1));
}

}  // namespace
}  // namespace kelu::analytics
