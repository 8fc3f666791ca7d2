// SPDX-License-Identifier: Apache-2.0
#include "alert_outcomes.hpp"

#include <spdlog/spdlog.h>

#include <set>

#include "analytics/service/analytics_service.hpp"
#include "sync/aggregate_store.hpp"
#include "sync/alert_journal.hpp"
#include "sync/run_log.hpp"
#include "sync/topics.hpp"

namespace kelu::analytics {

namespace {

using namespace std::chrono;

// Cooldowns reach back at most a week (alerts[].cooldown_min ≤ 10080): older firings cannot
// silence a rule after a restart.
constexpr days longest_cooldown{7};
// An alert's window is at most a day (alerts[].window_min ≤ 1440): a week's review waits for
// its last outcomes at most that long after the week ends.
constexpr days longest_window{1};

}  // namespace

alert_outcomes::alert_outcomes(sync::alert_journal& journal, sync::aggregate_store& aggregates,
                               sync::event_store& events, sync::run_log& runs, const sync::topics& topics,
                               core::time_zone zone, analytics::store_identity store,
                               std::shared_ptr<spdlog::logger> log)
    : journal_(journal),
      aggregates_(aggregates),
      events_(events),
      runs_(runs),
      topics_(topics),
      zone_(std::move(zone)),
      store_(std::move(store)),
      log_(std::move(log)) {}

std::vector<analytics::alert_entry> alert_outcomes::read(const std::vector<sync::journal_row>& rows) {
  std::vector<analytics::alert_entry> out;
  for (const auto& row : rows) {
    auto e = analytics::entry_from_json(nlohmann::json::parse(row.body, nullptr, false));
    if (!e) {
      ++unreadable_;
      log_->error("analytics: {}", e.error_message());
      continue;
    }
    out.push_back(std::move(e).value());
  }
  return out;
}

const std::vector<analytics::shift>& alert_outcomes::shifts_for(const analytics::alert_entry& e, core::utc_time now,
                                                                const analytics::day_analysis* today,
                                                                const analytics::funnel_rules& rules) {
  static const std::vector<analytics::shift> none;
  const bool waiting = e.fired.staffing && e.fired.staffing->short_handed() && e.staffing != "followed" &&
                       e.staffing != "not_followed";
  if (!waiting) return none;
  const auto day = analytics::local_day(e.fired.since, zone_);
  if (today && today->day == day) return today->shifts;
  // A past day's shifts are analysed once and kept while an alert's window can still reach them.
  auto it = past_shifts_.find(day);
  if (it == past_shifts_.end())
    it = past_shifts_.emplace(day, analyse_stored_day(events_, runs_, day, zone_, rules, now).shifts).first;
  return it->second;
}

void alert_outcomes::record(const std::vector<analytics::alert>& alerts, core::utc_time now,
                            const analytics::day_analysis* today, const analytics::funnel_rules& rules) {
  std::map<std::string, analytics::alert_entry> open;
  for (auto& e : read(journal_.unsettled())) open.emplace(e.fired.id, std::move(e));
  std::set<std::string> changed;
  for (const auto& a : alerts) {
    if (a.state == "firing") {
      auto& e = open[a.id] = analytics::alert_entry{};
      e.fired = a;
      e.fired.trace = {};  // the alerts topic carried it; the journal keeps the outcome
    } else if (auto it = open.find(a.id); it != open.end()) {
      it->second.resolved_at = a.at;
      it->second.resolution = a.resolution;
      it->second.resolved_value = a.value;
    }
    changed.insert(a.id);
  }
  const auto day = analytics::local_day(now, zone_);
  std::erase_if(past_shifts_, [&](const auto& kv) { return kv.first + longest_window < day; });
  for (auto& [id, e] : open)
    if (analytics::judge_outcome(e, now, shifts_for(e, now, today, rules)) || changed.count(id))
      journal_.put({id, e.fired.since, e.settled(), analytics::entry_json(e).dump()});
}

alerts_to_restore alert_outcomes::to_restore(core::utc_time now) {
  alerts_to_restore out;
  for (const auto& e : read(journal_.unsettled()))
    if (!e.resolved_at) out.firing.push_back(e.fired);
  for (const auto& e : read(journal_.fired_between(now - longest_cooldown, now + seconds(1))))
    out.fired.push_back(e.fired);
  return out;
}

analytics::week_review alert_outcomes::review(sys_days monday) {
  const auto from = analytics::local_midnight(monday, zone_);
  const auto to = analytics::local_midnight(monday + days{7}, zone_);
  return analytics::review_week(monday, zone_, read(journal_.fired_between(from, to)));
}

int alert_outcomes::send_reviews(core::utc_time now, seconds close_grace, seconds history_after) {
  // The last four weeks at the first call (a box that was off when a week ended), then each
  // week as it ends.
  const auto this_monday = analytics::week_monday(analytics::local_day(now, zone_));
  int sent = 0;
  for (auto monday = this_monday - days{28}; monday < this_monday; monday += days{7}) {
    if (reviewed_until_ && monday <= *reviewed_until_) continue;
    auto w = review(monday);
    if (now < w.end + close_grace) break;
    if (!w.complete && now < w.end + longest_window) break;  // its last outcomes are still being judged
    if (w.alerts.empty() && runs_.between(w.start, w.end).empty()) {
      reviewed_until_ = monday;  // the box did not run that week: nothing to review
      continue;
    }
    const auto revision =
        aggregates_.upsert("review.week", w.start, w.end, "", analytics::review_json(w, zone_, store_), now,
                           {topics_.metrics("review.week"), sync::history_if(now - w.end > history_after)});
    if (revision) {
      ++sent;
      log_->info("analytics: weekly review {} sent (revision {}): {} alerts", analytics::iso_week_name(monday),
                 *revision, w.alerts.size());
    }
    reviewed_until_ = monday;
  }
  return sent;
}

}  // namespace kelu::analytics
