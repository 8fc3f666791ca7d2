// SPDX-License-Identifier: Apache-2.0
#include "weekly_review.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "weekly_hours.hpp"

namespace kelu::analytics {

namespace {

using namespace std::chrono;
using nlohmann::json;

void count(rule_review& r, const alert_entry& e) {
  ++r.fired;
  if (e.outcome == "recovered") ++r.recovered;
  if (e.outcome == "persisted") ++r.persisted;
  if (e.outcome == "unjudged") ++r.unjudged;
  if (e.outcome == "not_applicable") ++r.not_applicable;
  if (e.outcome == "pending") ++r.pending;
  if (e.fired.staffing && e.fired.staffing->short_handed()) {
    ++r.short_handed;
    const bool came = e.staffing == "followed";
    if (came) ++r.staff_came;
    if (e.outcome == "recovered") ++(came ? r.recovered_when_staff_came : r.recovered_without_staff);
  }
}

void finish(rule_review& r, std::vector<double> recovery_min) {
  if (r.recovered + r.persisted > 0)
    r.hit_rate = static_cast<double>(r.recovered) / static_cast<double>(r.recovered + r.persisted);
  if (recovery_min.empty()) return;
  std::sort(recovery_min.begin(), recovery_min.end());
  const auto n = recovery_min.size();
  r.median_recovery_min = n % 2 ? recovery_min[n / 2] : (recovery_min[n / 2 - 1] + recovery_min[n / 2]) / 2.0;
}

json rate(const std::optional<double>& v) { return v ? json(std::round(*v * 10000.0) / 10000.0) : json(); }
json minutes_json(const std::optional<double>& v) { return v ? json(std::round(*v * 10.0) / 10.0) : json(); }

json rule_json(const rule_review& r) {
  json j{{"fired", r.fired},
         {"recovered", r.recovered},
         {"persisted", r.persisted},
         {"unjudged", r.unjudged},
         {"not_applicable", r.not_applicable},
         {"pending", r.pending},
         {"hit_rate", rate(r.hit_rate)},
         {"hit_rate_reason", r.hit_rate ? json() : json("no_judged_alerts")},
         {"median_recovery_min", minutes_json(r.median_recovery_min)},
         {"staffing",
          {{"short_handed", r.short_handed},
           {"staff_came", r.staff_came},
           {"recovered_when_staff_came", r.recovered_when_staff_came},
           {"recovered_without_staff", r.recovered_without_staff}}}};
  if (!r.rule.empty()) {
    j["rule"] = r.rule;
    j["metric"] = r.metric;
  }
  return j;
}

json alert_row(const alert_entry& e, const core::time_zone& zone) {
  const auto& a = e.fired;
  json j{{"id", a.id},
         {"rule", a.rule},
         {"metric", a.metric},
         {"subject", a.subject},
         {"severity", a.severity},
         {"local_fired", format_local(a.since, zone)},
         {"value", a.value},
         {"op", a.op},
         {"threshold", a.threshold},
         {"window_min", a.window_min},
         {"outcome", e.outcome},
         {"recovery_min", e.recovered_after_s ? json(std::round(static_cast<double>(*e.recovered_after_s) / 6.0) / 10.0)
                                              : json()},
         {"resolution", e.resolved_at ? json(e.resolution) : json()},
         {"local_resolved", e.resolved_at ? json(format_local(*e.resolved_at, zone)) : json()},
         {"staffing", e.staffing.empty() ? json() : json(e.staffing)},
         {"message_en", a.message_en},
         {"message_zh", a.message_zh}};
  if (a.staffing)
    j["staffing_hint"] = {{"on_shift", a.staffing->on_shift},
                          {"needed", a.staffing->needed},
                          {"most_after", e.staff_max_after ? json(*e.staff_max_after) : json()}};
  return j;
}

}  // namespace

sys_days week_monday(sys_days day) {
  const weekday wd{day};
  return day - days{(wd.c_encoding() + 6) % 7};
}

std::string iso_week_name(sys_days monday) {
  // The ISO year is the year of the week's Thursday; week 1 holds that year's first Thursday.
  const auto thursday = monday + days{3};
  const year y = year_month_day{thursday}.year();
  const auto first = week_monday(sys_days{y / January / 4});
  const auto week = (thursday - first).count() / 7 + 1;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-W%02d", static_cast<int>(y), static_cast<int>(week));
  return buf;
}

week_review review_week(sys_days monday, const core::time_zone& zone, std::vector<alert_entry> entries) {
  week_review w;
  w.monday = monday;
  w.start = local_midnight(monday, zone);
  w.end = local_midnight(monday + days{7}, zone);
  std::erase_if(entries, [&](const alert_entry& e) { return e.fired.since < w.start || e.fired.since >= w.end; });
  std::sort(entries.begin(), entries.end(), [](const alert_entry& a, const alert_entry& b) {
    return a.fired.since != b.fired.since ? a.fired.since < b.fired.since : a.fired.id < b.fired.id;
  });
  std::map<std::string, std::pair<rule_review, std::vector<double>>> by_rule;
  std::vector<double> all_recovery;
  for (const auto& e : entries) {
    auto& [r, recovery] = by_rule[e.fired.rule];
    r.rule = e.fired.rule;
    r.metric = e.fired.metric;
    count(r, e);
    count(w.all, e);
    if (e.recovered_after_s) {
      recovery.push_back(static_cast<double>(*e.recovered_after_s) / 60.0);
      all_recovery.push_back(recovery.back());
    }
  }
  for (auto& [name, rr] : by_rule) {
    finish(rr.first, std::move(rr.second));
    w.rules.push_back(std::move(rr.first));
  }
  finish(w.all, std::move(all_recovery));
  w.complete = w.all.pending == 0 &&
               std::none_of(entries.begin(), entries.end(), [](const alert_entry& e) { return e.staffing == "pending"; });
  w.alerts = std::move(entries);
  return w;
}

json review_json(const week_review& w, const core::time_zone& zone, const store_identity& store) {
  json rules = json::array();
  for (const auto& r : w.rules) rules.push_back(rule_json(r));
  json alerts = json::array();
  for (const auto& e : w.alerts) alerts.push_back(alert_row(e, zone));
  return {{"kind", "review.week"},
          {"tenant", store.tenant},
          {"store", store.id},
          {"week", iso_week_name(w.monday)},
          {"start", core::format_iso8601(w.start)},
          {"end", core::format_iso8601(w.end)},
          {"local_start", format_local(w.start, zone)},
          {"time_zone", zone.name()},
          {"complete", w.complete},
          {"totals", rule_json(w.all)},
          {"rules", std::move(rules)},
          {"alerts", std::move(alerts)}};
}

}  // namespace kelu::analytics
