// SPDX-License-Identifier: Apache-2.0
// What became of each alert and the week's review, against a week worked out by hand (the
// figures in the comments), plus bounds for any week.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "analytics/alert_outcome.hpp"
#include "analytics/weekly_review.hpp"
#include "support/events.hpp"

namespace kelu::test {
namespace {

using namespace std::chrono;
using analytics::alert_entry;

const core::time_zone berlin = core::time_zone::load("Europe/Berlin").value();

// An alert as the engine fires it: window 60 min.
alert_entry fired(const std::string& rule, const std::string& metric, const char* when,
                  std::optional<analytics::staffing_hint> staffing = std::nullopt) {
  alert_entry e;
  char id[33];
  std::snprintf(id, sizeof id, "%016zx%016zx", std::hash<std::string>{}(rule), std::hash<std::string>{}(when));
  e.fired.id = id;
  e.fired.rule = rule;
  e.fired.metric = metric;
  e.fired.subject = metric == "camera_offline_min" ? "door" : "store";
  e.fired.severity = "warning";
  e.fired.op = "<";
  e.fired.window_min = 60;
  e.fired.since = e.fired.at = at(when);
  e.fired.state = "firing";
  e.fired.staffing = staffing;
  return e;
}

void resolve(alert_entry& e, const char* when, const char* resolution) {
  e.resolved_at = at(when);
  e.resolution = resolution;
}

analytics::shift shift_of(const char* id, const char* from, const char* to) {
  analytics::shift s;
  s.operator_id = id;
  s.on = {{at(from), at(to), 1}};
  s.basis = "sign-on";
  return s;
}

TEST(alert_outcome, staff_on_shift_counts_half_open_intervals) {
  const std::vector shifts{shift_of("A", "2026-11-23T08:00:00Z", "2026-11-23T16:00:00Z"),
                           shift_of("B", "2026-11-23T09:20:00Z", "2026-11-23T12:00:00Z"),
                           shift_of("C", "2026-11-23T12:00:00Z", "2026-11-23T18:00:00Z")};
  EXPECT_EQ(analytics::on_shift_at(shifts, at("2026-11-23T09:00:00Z")), 1);
  EXPECT_EQ(analytics::on_shift_at(shifts, at("2026-11-23T12:00:00Z")), 2);  // B has left as C arrives
  EXPECT_EQ(analytics::max_on_shift(shifts, at("2026-11-23T09:00:00Z"), at("2026-11-23T10:00:00Z")), 2);
  EXPECT_EQ(analytics::max_on_shift(shifts, at("2026-11-23T11:00:00Z"), at("2026-11-23T13:00:00Z")), 2);
  EXPECT_EQ(analytics::max_on_shift(shifts, at("2026-11-23T16:30:00Z"), at("2026-11-23T17:00:00Z")), 1);
  EXPECT_EQ(analytics::max_on_shift(shifts, at("2026-11-23T19:00:00Z"), at("2026-11-23T20:00:00Z")), 0);
}

TEST(alert_outcome, each_outcome_as_its_window_passes) {
  const std::vector<analytics::shift> none;
  // Fired 10:00, cleared 10:40: recovered after 40 min, settled.
  auto a = fired("low_conversion", "conversion", "2026-11-23T09:00:00Z");
  EXPECT_FALSE(analytics::judge_outcome(a, at("2026-11-23T09:10:00Z"), none));  // pending, as it was
  EXPECT_EQ(a.outcome, "pending");
  resolve(a, "2026-11-23T09:40:00Z", "cleared");
  EXPECT_TRUE(analytics::judge_outcome(a, at("2026-11-23T09:40:00Z"), none));
  EXPECT_EQ(a.outcome, "recovered");
  EXPECT_EQ(a.recovered_after_s, 2400);
  EXPECT_TRUE(a.settled());
  // Cleared 70 min after firing: it was still breached when its window ended.
  auto b = fired("low_conversion", "conversion", "2026-11-23T09:00:00Z");
  analytics::judge_outcome(b, at("2026-11-23T10:00:00Z"), none);
  EXPECT_EQ(b.outcome, "persisted");
  EXPECT_FALSE(b.settled());  // still firing: its resolution is still to be recorded
  resolve(b, "2026-11-23T10:10:00Z", "cleared");
  analytics::judge_outcome(b, at("2026-11-23T10:10:00Z"), none);
  EXPECT_EQ(b.outcome, "persisted");
  EXPECT_FALSE(b.recovered_after_s);
  EXPECT_TRUE(b.settled());
  // No longer judged exactly as its window ends: it was still breached then.
  auto p = fired("low_conversion", "conversion", "2026-11-23T09:00:00Z");
  resolve(p, "2026-11-23T10:00:00Z", "unobserved");
  analytics::judge_outcome(p, at("2026-11-23T10:00:00Z"), none);
  EXPECT_EQ(p.outcome, "persisted");
  // The store closed 20 min after it fired: nobody can say.
  auto c = fired("low_conversion", "conversion", "2026-11-23T16:40:00Z");
  resolve(c, "2026-11-23T17:00:00Z", "unobserved");
  analytics::judge_outcome(c, at("2026-11-23T17:00:00Z"), none);
  EXPECT_EQ(c.outcome, "unjudged");
  // A large return has nothing to recover.
  auto d = fired("big_return", "return_minor", "2026-11-23T12:00:00Z");
  resolve(d, "2026-11-23T12:00:00Z", "unobserved");
  analytics::judge_outcome(d, at("2026-11-23T12:00:00Z"), none);
  EXPECT_EQ(d.outcome, "not_applicable");
  EXPECT_TRUE(d.settled());
}

TEST(alert_outcome, a_staffing_hint_is_followed_when_more_staff_come_within_the_window) {
  const std::vector shifts{shift_of("A", "2026-11-23T08:00:00Z", "2026-11-23T16:00:00Z"),
                           shift_of("B", "2026-11-23T08:00:00Z", "2026-11-23T16:00:00Z"),
                           shift_of("C", "2026-11-23T09:20:00Z", "2026-11-23T16:00:00Z")};
  // 2 on shift, 3 needed; C signs on 20 min later.
  auto a = fired("low_conversion", "conversion", "2026-11-23T09:00:00Z", analytics::staffing_hint{2, 3});
  analytics::judge_outcome(a, at("2026-11-23T09:10:00Z"), shifts);
  EXPECT_EQ(a.staffing, "pending");
  analytics::judge_outcome(a, at("2026-11-23T09:30:00Z"), shifts);
  EXPECT_EQ(a.staffing, "followed");
  EXPECT_EQ(a.staff_max_after, 3);
  // Nobody came: not followed once the window is over, and only then.
  auto b = fired("low_conversion", "conversion", "2026-11-23T13:00:00Z", analytics::staffing_hint{3, 4});
  resolve(b, "2026-11-23T13:20:00Z", "cleared");
  analytics::judge_outcome(b, at("2026-11-23T13:30:00Z"), shifts);
  EXPECT_EQ(b.outcome, "recovered");
  EXPECT_EQ(b.staffing, "pending");
  EXPECT_FALSE(b.settled());
  analytics::judge_outcome(b, at("2026-11-23T14:00:00Z"), shifts);
  EXPECT_EQ(b.staffing, "not_followed");
  EXPECT_TRUE(b.settled());
  // Enough staff when it fired: no hint to follow.
  auto c = fired("low_conversion", "conversion", "2026-11-23T13:00:00Z", analytics::staffing_hint{3, 3});
  analytics::judge_outcome(c, at("2026-11-23T13:05:00Z"), shifts);
  EXPECT_EQ(c.staffing, "not_needed");
}

TEST(alert_outcome, the_journal_form_reads_back_and_a_bad_one_names_its_key) {
  auto a = fired("low_conversion", "conversion", "2026-11-23T09:00:00Z", analytics::staffing_hint{2, 3});
  a.fired.value = 0.25;
  a.fired.threshold = 0.3;
  a.fired.message_en = "[warning] Berlin: conversion 25.0% < 30.0%";
  a.fired.message_zh = "【警告】转化率";
  resolve(a, "2026-11-23T09:40:00Z", "cleared");
  a.resolved_value = 0.31;
  analytics::judge_outcome(a, at("2026-11-23T10:00:00Z"), {});
  const auto back = analytics::entry_from_json(analytics::entry_json(a));
  ASSERT_TRUE(back) << back.error_message();
  EXPECT_EQ(analytics::entry_json(*back), analytics::entry_json(a));
  EXPECT_EQ(back->fired.staffing, a.fired.staffing);
  auto j = analytics::entry_json(a);
  j["fired_at"] = "yesterday";
  const auto bad = analytics::entry_from_json(j);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error_message().find("key fired_at"), std::string::npos) << bad.error_message();
  j = analytics::entry_json(a);
  j["staffing_hint"]["needed"] = "three";
  EXPECT_NE(analytics::entry_from_json(j).error_message().find("staffing_hint.needed"), std::string::npos);
  EXPECT_FALSE(analytics::entry_from_json(nlohmann::json::array()));
}

TEST(weekly_review, iso_weeks) {
  EXPECT_EQ(analytics::week_monday(sys_days{2026y / 11 / 26}), sys_days{2026y / 11 / 23});
  EXPECT_EQ(analytics::week_monday(sys_days{2026y / 11 / 23}), sys_days{2026y / 11 / 23});
  EXPECT_EQ(analytics::week_monday(sys_days{2026y / 11 / 29}), sys_days{2026y / 11 / 23});  // a Sunday
  EXPECT_EQ(analytics::iso_week_name(sys_days{2026y / 11 / 23}), "2026-W48");
  EXPECT_EQ(analytics::iso_week_name(analytics::week_monday(sys_days{2027y / 1 / 1})), "2026-W53");
  EXPECT_EQ(analytics::iso_week_name(sys_days{2024y / 12 / 30}), "2025-W01");
}

// The week of Monday 2026-11-23 in Berlin (UTC+1), worked by hand:
//   low_conversion  Mon 10:00 cleared 10:40  recovered 40 min; 2 on shift of 3 needed, C came 10:20
//                   Tue 15:00 cleared 16:30  persisted;        2 of 3, nobody came
//                   Wed 11:00 cleared 11:20  recovered 20 min; 3 of 3 (not needed)
//                   Sun 17:00 still firing   pending at Sun 17:30; 1 of 2
//   camera_down     Thu 09:00 unobserved 09:30 (closed)  unjudged
//                   Fri 12:00 cleared 12:05  recovered 5 min
//   big_return      Sat 14:00                not applicable
//   and one alert of the week before, which is not this week's.
std::vector<alert_entry> the_week(core::utc_time now, const std::vector<analytics::shift>& shifts) {
  std::vector<alert_entry> v;
  v.push_back(fired("low_conversion", "conversion", "2026-11-23T09:00:00Z", analytics::staffing_hint{2, 3}));
  resolve(v.back(), "2026-11-23T09:40:00Z", "cleared");
  v.push_back(fired("low_conversion", "conversion", "2026-11-24T14:00:00Z", analytics::staffing_hint{2, 3}));
  resolve(v.back(), "2026-11-24T15:30:00Z", "cleared");
  v.push_back(fired("low_conversion", "conversion", "2026-11-25T10:00:00Z", analytics::staffing_hint{3, 3}));
  resolve(v.back(), "2026-11-25T10:20:00Z", "cleared");
  v.push_back(fired("low_conversion", "conversion", "2026-11-29T16:00:00Z", analytics::staffing_hint{1, 2}));
  v.push_back(fired("camera_down", "camera_offline_min", "2026-11-26T08:00:00Z"));
  resolve(v.back(), "2026-11-26T08:30:00Z", "unobserved");
  v.push_back(fired("camera_down", "camera_offline_min", "2026-11-27T11:00:00Z"));
  resolve(v.back(), "2026-11-27T11:05:00Z", "cleared");
  v.push_back(fired("big_return", "return_minor", "2026-11-28T13:00:00Z"));
  resolve(v.back(), "2026-11-28T13:00:00Z", "unobserved");
  v.push_back(fired("low_conversion", "conversion", "2026-11-22T22:59:00Z"));  // Sun 23:59 the week before
  for (auto& e : v) {
    // Each is judged with its day's shifts; only Monday's has C signing on.
    const auto monday = analytics::local_day(e.fired.since, berlin) == sys_days{2026y / 11 / 23};
    analytics::judge_outcome(e, now, monday ? shifts : std::vector<analytics::shift>{});
  }
  return v;
}

TEST(weekly_review, a_week_by_hand) {
  const std::vector shifts{shift_of("A", "2026-11-23T08:00:00Z", "2026-11-23T16:00:00Z"),
                           shift_of("B", "2026-11-23T08:00:00Z", "2026-11-23T16:00:00Z"),
                           shift_of("C", "2026-11-23T09:20:00Z", "2026-11-23T16:00:00Z")};
  const analytics::store_identity store{"acme", "berlin-01", "Berlin Mitte", "EUR"};
  auto w = analytics::review_week(sys_days{2026y / 11 / 23}, berlin, the_week(at("2026-11-29T16:30:00Z"), shifts));
  EXPECT_EQ(w.start, at("2026-11-22T23:00:00Z"));
  EXPECT_EQ(w.end, at("2026-11-29T23:00:00Z"));
  ASSERT_EQ(w.alerts.size(), 7u);
  EXPECT_FALSE(w.complete);  // Sunday's is pending
  ASSERT_EQ(w.rules.size(), 3u);
  const auto& [ret, cam, conv] = std::tie(w.rules[0], w.rules[1], w.rules[2]);  // by name
  EXPECT_EQ(conv.rule, "low_conversion");
  EXPECT_EQ(conv.fired, 4);
  EXPECT_EQ(conv.recovered, 2);
  EXPECT_EQ(conv.persisted, 1);
  EXPECT_EQ(conv.pending, 1);
  EXPECT_DOUBLE_EQ(*conv.hit_rate, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(*conv.median_recovery_min, 30.0);  // 40 and 20
  EXPECT_EQ(conv.short_handed, 3);                    // Mon, Tue, Sun
  EXPECT_EQ(conv.staff_came, 1);                      // Mon
  EXPECT_EQ(conv.recovered_when_staff_came, 1);
  EXPECT_EQ(conv.recovered_without_staff, 0);         // Wed recovered, but was not short-handed
  EXPECT_EQ(cam.rule, "camera_down");
  EXPECT_EQ(cam.unjudged, 1);
  EXPECT_EQ(cam.recovered, 1);
  EXPECT_DOUBLE_EQ(*cam.hit_rate, 1.0);
  EXPECT_DOUBLE_EQ(*cam.median_recovery_min, 5.0);
  EXPECT_EQ(ret.not_applicable, 1);
  EXPECT_FALSE(ret.hit_rate);  // nothing judged
  EXPECT_EQ(w.all.fired, 7);
  EXPECT_DOUBLE_EQ(*w.all.hit_rate, 3.0 / 4.0);
  EXPECT_DOUBLE_EQ(*w.all.median_recovery_min, 20.0);  // 5, 20, 40
  // Sunday's window ends unrecovered and nobody came: the review is complete.
  w = analytics::review_week(sys_days{2026y / 11 / 23}, berlin, the_week(at("2026-11-29T17:00:00Z"), shifts));
  EXPECT_TRUE(w.complete);
  EXPECT_DOUBLE_EQ(*w.rules[2].hit_rate, 0.5);
  const auto j = analytics::review_json(w, berlin, store);
  EXPECT_EQ(j["week"], "2026-W48");
  EXPECT_EQ(j["local_start"], "2026-11-23T00:00:00+01:00");
  EXPECT_EQ(j["totals"]["hit_rate"], 0.6);  // 3 of 5
  EXPECT_EQ(j["rules"][0]["hit_rate"], nullptr);
  EXPECT_EQ(j["rules"][0]["hit_rate_reason"], "no_judged_alerts");
  EXPECT_EQ(j["alerts"][0]["local_fired"], "2026-11-23T10:00:00+01:00");
  EXPECT_EQ(j["alerts"][0]["recovery_min"], 40.0);
  EXPECT_EQ(j["alerts"][0]["staffing"], "followed");
  EXPECT_EQ(j["alerts"][0]["staffing_hint"]["most_after"], 3);
  EXPECT_EQ(j["alerts"][1]["outcome"], "persisted");
  EXPECT_EQ(j["alerts"][1]["staffing"], "not_followed");
}

// Any week: counts add up to what fired and rates stay in [0, 1].
TEST(weekly_review, counts_add_up_and_rates_stay_in_bounds_for_any_week) {
  std::mt19937 rng(20261203);
  const char* rules[] = {"a", "b", "c"};
  const char* metrics[] = {"conversion", "camera_offline_min", "return_minor"};
  const char* resolutions[] = {"cleared", "unobserved", "rule_changed"};
  const auto monday = at("2026-11-22T23:00:00Z");
  for (int round = 0; round < 300; ++round) {
    std::vector<alert_entry> v;
    const auto now = monday + minutes(rng() % (8 * 24 * 60));
    std::vector shifts{shift_of("A", "2026-11-23T08:00:00Z", "2026-11-29T20:00:00Z")};
    for (int i = 0, n = static_cast<int>(rng() % 20); i < n; ++i) {
      const auto k = rng() % 3;
      auto e = fired(rules[k], metrics[k], "2026-11-23T00:00:00Z");
      e.fired.id = std::to_string(round * 100 + i);
      e.fired.id.resize(32, 'f');
      e.fired.since = monday + minutes(rng() % (7 * 24 * 60));
      e.fired.window_min = 15 + static_cast<std::int64_t>(rng() % 1426);
      if (rng() % 2) e.fired.staffing = analytics::staffing_hint{static_cast<std::int64_t>(rng() % 4),
                                                                 static_cast<std::int64_t>(rng() % 4)};
      if (e.fired.since > now) continue;
      if (rng() % 3) resolve(e, "2026-11-23T00:00:00Z", resolutions[rng() % 3]);
      if (e.resolved_at) e.resolved_at = e.fired.since + minutes(rng() % 2000);
      if (e.resolved_at && *e.resolved_at > now) e.resolved_at.reset();
      analytics::judge_outcome(e, now, shifts);
      v.push_back(e);
    }
    const auto w = analytics::review_week(sys_days{2026y / 11 / 23}, berlin, v);
    for (const auto& r : w.rules) {
      EXPECT_EQ(r.recovered + r.persisted + r.unjudged + r.not_applicable + r.pending, r.fired);
      if (r.hit_rate) {
        EXPECT_TRUE(*r.hit_rate >= 0 && *r.hit_rate <= 1);
      }
      EXPECT_LE(r.staff_came, r.short_handed);
      EXPECT_LE(r.recovered_when_staff_came + r.recovered_without_staff, r.recovered);
      if (r.median_recovery_min) {
        EXPECT_LE(*r.median_recovery_min, 1440.0);
      }
    }
    EXPECT_EQ(w.all.fired, static_cast<std::int64_t>(w.alerts.size()));
  }
}

}  // namespace
}  // namespace kelu::test
