// SPDX-License-Identifier: Apache-2.0
#pragma once
// What became of each alert, kept in the alert journal (sync::alert_journal): firings and
// resolutions are recorded as they happen, every unsettled entry is judged again on each call
// (analytics::judge_outcome) until it settles, a restart gets back what was firing, and each
// week's review goes to HQ on metrics/review/week once the week's outcomes are known
// (docs/analytics.md, "What became of an alert"). On the io_context thread; calls throw
// std::runtime_error when SQLite fails, and an entry that does not parse is logged, counted and
// skipped.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analytics/alert_outcome.hpp"
#include "analytics/funnel.hpp"
#include "analytics/weekly_review.hpp"
#include "core/time_zone.hpp"

namespace spdlog {
class logger;
}
namespace kelu::sync {
class aggregate_store;
class alert_journal;
struct journal_row;
class event_store;
class run_log;
class topics;
}  // namespace kelu::sync

namespace kelu::analytics {

// What alert_engine::restore takes after a restart.
struct alerts_to_restore {
  std::vector<analytics::alert> firing;  // unresolved when the agent stopped
  std::vector<analytics::alert> fired;   // every firing within the longest cooldown
};

class alert_outcomes {
 public:
  alert_outcomes(sync::alert_journal& journal, sync::aggregate_store& aggregates, sync::event_store& events,
                 sync::run_log& runs, const sync::topics& topics, core::time_zone zone,
                 analytics::store_identity store, std::shared_ptr<spdlog::logger> log);

  // Records `alerts` (firings and resolutions, as the engine returned them), then judges every
  // unsettled entry as of `now`. `today`: the day's analysis as of now (its shifts judge the
  // staffing of today's alerts); `rules` analyse a past day when an alert of yesterday needs it.
  void record(const std::vector<analytics::alert>& alerts, core::utc_time now, const analytics::day_analysis* today,
              const analytics::funnel_rules& rules);
  alerts_to_restore to_restore(core::utc_time now);
  // The week starting `monday` (local), as far as the journal knows.
  analytics::week_review review(std::chrono::sys_days monday);
  // Stores and queues the review of each week that has ended (`close_grace` ago) with every
  // outcome known, once; weeks the box did not run are skipped. Returns how many were sent.
  int send_reviews(core::utc_time now, std::chrono::seconds close_grace, std::chrono::seconds history_after);
  std::int64_t unreadable() const { return unreadable_; }

 private:
  // The entries of journal rows; one that does not parse is logged, counted and skipped.
  std::vector<analytics::alert_entry> read(const std::vector<sync::journal_row>& rows);
  const std::vector<analytics::shift>& shifts_for(const analytics::alert_entry& e, core::utc_time now,
                                                  const analytics::day_analysis* today,
                                                  const analytics::funnel_rules& rules);

  sync::alert_journal& journal_;
  sync::aggregate_store& aggregates_;
  sync::event_store& events_;
  sync::run_log& runs_;
  const sync::topics& topics_;
  core::time_zone zone_;
  analytics::store_identity store_;
  std::shared_ptr<spdlog::logger> log_;
  std::map<std::chrono::sys_days, std::vector<analytics::shift>> past_shifts_;  // for alerts fired yesterday
  std::optional<std::chrono::sys_days> reviewed_until_;  // the latest Monday whose review is stored
  std::int64_t unreadable_ = 0;
};

}  // namespace kelu::analytics
