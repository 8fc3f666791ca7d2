// SPDX-License-Identifier: Apache-2.0
#pragma once
// Runs kelu::analytics live in the agent: closes funnel buckets after their grace period and
// sends them to HQ (metrics/funnel/{quarter,hour,day}, metrics/report/day), sends revisions
// when late data or new rules change a closed bucket, and keeps the retained `live` topic
// (today so far) current. Everything is recomputed from the stored raw events, so the box,
// `kelu report` and a recompute after a rule change give the same figures; the service keeps the
// recent days' events decoded (sync::event_cache) and reads only what was committed since.
//
// Which days need work is found from the store, not from the committer: events received since
// the last tick (by received_at) name the days they touch, so a late POS file and a
// `kelu ingest` run from another process revise the right buckets the same way live data does.
// Every alert goes into the alert journal with what became of it (analytics::judge_outcome),
// judged each tick until settled; a week's review goes out on metrics/review/week once the
// week has ended and its outcomes are known. A restart restores the alerts still firing.
//
// A tick is three steps: what to do (a scan of the store), each day's analysis (day_analyst),
// and what to send (buckets, live, alerts). With analyse_apart() the analyses run on a worker
// thread over a SQLite connection of their own, one day at a time, and the agent's thread only
// scans and writes: a busy day's recompute (0.4 s at 23,000 sales on x86, seconds on ARM) no
// longer holds the thread that answers tills, phones and the broker.
// All calls on the io_context thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/service/alert_outcomes.hpp"
#include "analytics/service/day_analyst.hpp"
#include "analytics/alert_engine.hpp"
#include "analytics/funnel.hpp"
#include "analytics/report_json.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/time_zone.hpp"
#include "sync/event_cache.hpp"

namespace spdlog {
class logger;
}
namespace kelu::sync {
class aggregate_store;
class outbox;
class topics;
class run_log;
class alert_journal;
}  // namespace kelu::sync

namespace kelu::analytics {

// The day's analysis from the events and agent runs stored for it; `undecodable` counts rows skipped.
analytics::day_analysis analyse_stored_day(sync::event_store& store, sync::run_log& runs, std::chrono::sys_days day,
                                           const core::time_zone& zone, const analytics::funnel_rules& rules,
                                           core::utc_time now, std::int64_t* undecodable = nullptr);

// The same analysis from events kept decoded (sync::event_cache), reading only the rows committed
// since the cache last read the day: what every analytics tick runs.
analytics::day_analysis analyse_cached_day(sync::event_cache& cache, sync::run_log& runs, std::chrono::sys_days day,
                                           const core::time_zone& zone, const analytics::funnel_rules& rules,
                                           core::utc_time now, std::int64_t* undecodable = nullptr);

// Hourly observations of the `weeks` same weekdays before `day`, for the forecast.
std::vector<analytics::hour_observation> forecast_history(sync::event_store& store, sync::run_log& runs,
                                                          std::chrono::sys_days day, const core::time_zone& zone,
                                                          const analytics::funnel_rules& rules, int weeks);

// The raw events behind a local hour ("HH:MM") of an analysed day: every event in its trace
// (both hours on the day clocks go back), in (source, seq) order. nullopt: the day has no such hour.
std::optional<std::vector<core::event>> events_behind_hour(sync::event_store& store, const analytics::day_analysis& day,
                                                           const core::time_zone& zone, std::string_view hhmm);

// Built by analytics_service_options_for(): the analytics.* keys' values, defaults included, are
// the key table's (config/schema.cpp), never this struct's own.
struct analytics_service_options {
  std::chrono::seconds close_grace{};
  std::chrono::seconds live_interval{};
  // Buckets that ended longer ago than this go out in the backlog lane, behind live data.
  std::chrono::seconds history_after{3600};
  int max_days_per_tick = 7;  // after a long outage, catch up a week per tick
  analytics::forecast_options forecast;
};

analytics_service_options analytics_service_options_for(const config::config& c);

// What alerts need from outside analytics, asked for on every tick.
struct alert_context {
  std::vector<std::pair<std::string, std::optional<core::utc_time>>> cameras;  // id, offline since
  std::int64_t outbox_oldest_age_s = 0;
};

struct analytics_stats {
  std::int64_t buckets_sent = 0;    // first revisions
  std::int64_t revisions_sent = 0;  // later revisions
  std::int64_t live_updates = 0;
  std::int64_t alerts_fired = 0;
  std::int64_t reviews_sent = 0;         // weekly reviews, every revision
  std::int64_t unreadable_journal = 0;   // journal entries that did not parse (skipped)
  std::int64_t undecodable_events = 0;
  std::int64_t last_compute_ms = 0;     // the last tick, from its scan to its last write
  std::int64_t longest_compute_ms = 0;  // since start
  // Since start, the longest one step of a tick held the io_context thread (the whole tick
  // without analyse_apart()): what tills, phones and the broker link waited.
  std::int64_t longest_hold_ms = 0;
  std::optional<core::utc_time> closed_until;
};

class analytics_service {
 public:
  // `boot_id`/`started_at` identify this run in the run log, touched every tick.
  analytics_service(boost::asio::any_io_executor ex, sync::event_store& events, sync::aggregate_store& aggregates,
                    sync::run_log& runs, sync::alert_journal& journal, std::string boot_id, core::utc_time started_at,
                    sync::outbox& out, const sync::topics& topics, const core::clock& clock, core::time_zone zone,
                    analytics::funnel_rules rules, std::vector<config::alert_rule_config> alert_rules,
                    analytics::store_identity store, analytics_service_options options,
                    std::shared_ptr<spdlog::logger> log);
  // Waits for an analysis running on the worker thread, if any.
  ~analytics_service();

  // From now on, days are analysed on a worker thread over a connection of its own to the
  // database at `path` (the agent's, already open and migrated). Call before start(). Fails when
  // SQLite cannot open it; the service then goes on analysing on the io_context thread.
  core::status analyse_apart(const std::string& path);
  // Called on the analysing thread before each day's analysis: tests hold a recompute there.
  void before_analysis(std::function<void()> hook) { analyst_->before_analysis(std::move(hook)); }

  // The first tick runs once the io_context does (not within start(): the agent reports itself
  // started right after, and recomputing a busy day would delay every start-up by it); then one
  // every analytics.live_interval_s.
  void start();
  void stop();
  // New rules (a reload): today is recomputed under the new rule version at the next tick.
  void update(analytics::funnel_rules rules, std::vector<config::alert_rule_config> alert_rules,
              analytics_service_options options);
  // store.name or store.currency changed: reports from the next tick on carry them.
  void set_store(analytics::store_identity store) { store_ = std::move(store); }
  // The week starting `monday` (local) as far as the journal knows, outcomes judged as of the
  // last tick. Throws std::runtime_error when SQLite fails.
  analytics::week_review review(std::chrono::sys_days monday);
  // Runs one tick now, waiting for its analyses (tests, and the agent's stop so the last figures
  // are sent). A tick of the timer's still analysing is dropped, its days done by this one.
  void tick();
  // Brings the next tick forward to within `within` (a dashboard is watching and new events
  // came): at most one tick per `within`, since the scheduled one moves only earlier.
  void tick_soon(std::chrono::milliseconds within);
  // After every tick (the dashboard pushes today's figures when they changed).
  void on_tick(std::function<void()> listener) { on_tick_ = std::move(listener); }
  // Today so far, as of the last tick.
  const std::optional<analytics::day_analysis>& today() const { return today_; }
  const analytics::funnel_rules& rules() const { return rules_; }
  const analytics_stats& stats() const { return stats_; }
  // Called after a tick sent something (the publisher's wake-up).
  void on_sent(std::function<void()> listener) { on_sent_ = std::move(listener); }
  void alert_context_from(std::function<alert_context()> f) { context_ = std::move(f); }
  // Every firing and resolution, after it is queued for MQTT (the chat notifier listens).
  void on_alert(std::function<void(const analytics::alert&)> listener) { on_alert_ = std::move(listener); }
  std::vector<analytics::alert> active_alerts() const { return alerts_.active(); }
  // The rest of today, as of the last tick.
  const std::optional<analytics::forecast>& today_forecast() const { return forecast_; }

 private:
  // A tick of the timer's, between its steps.
  struct tick_run {
    std::chrono::steady_clock::time_point started;
    core::utc_time now;
    std::deque<std::chrono::sys_days> todo;
    bool sent = false;
  };
  void schedule();
  void arm(std::chrono::steady_clock::time_point at);
  void do_tick();
  void do_day();
  void on_day(std::uint64_t generation, day_result r);
  void end_run();
  std::vector<std::chrono::sys_days> begin_tick(core::utc_time now);
  day_request request_for(std::chrono::sys_days day, core::utc_time now) const;
  day_result analyse_and_wait(const day_request& r);
  bool apply_day(day_result r, core::utc_time now);
  bool end_tick(core::utc_time now);
  void finish(std::chrono::steady_clock::time_point started, bool sent);
  void held_since(std::chrono::steady_clock::time_point since);
  void publish_live(const analytics::day_analysis& today, core::utc_time now);
  bool judge_alerts(core::utc_time now);
  void restore_alerts(core::utc_time now);
  std::optional<analytics::staffing_hint> staffing_now(core::utc_time now) const;
  bool announce(const std::vector<analytics::alert>& alerts, core::utc_time now);

  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point next_tick_{};
  std::function<void()> on_tick_;
  boost::asio::any_io_executor ex_;
  sync::event_store& events_;
  sync::aggregate_store& aggregates_;
  sync::run_log& runs_;
  std::string boot_id_;
  core::utc_time started_at_;
  sync::outbox& outbox_;
  const sync::topics& topics_;
  const core::clock& clock_;
  core::time_zone zone_;
  analytics::funnel_rules rules_;
  analytics::store_identity store_;
  analytics_service_options options_;
  std::shared_ptr<spdlog::logger> log_;
  // When the last scan ran, by both clocks: received_at was scanned up to `wall`.
  struct scan_mark {
    core::utc_time wall;
    std::chrono::steady_clock::time_point steady;
  };
  std::optional<scan_mark> watermark_;
  std::set<std::chrono::sys_days> pending_;  // days touched and not yet recomputed
  std::optional<analytics::day_analysis> today_;
  std::optional<analytics::forecast> forecast_;
  std::string last_live_;
  bool stopped_ = false;
  bool initialised_ = false;
  std::function<void()> on_sent_;
  std::function<alert_context()> context_;
  std::function<void(const analytics::alert&)> on_alert_;
  analytics::alert_engine alerts_;
  alert_outcomes outcomes_;
  bool restored_ = false;
  analytics_stats stats_;
  std::unique_ptr<day_analyst> analyst_;
  std::optional<tick_run> running_;
  std::optional<std::chrono::steady_clock::time_point> soon_;  // tick_soon() while running_
  std::uint64_t generation_ = 0;  // a result of an older generation is dropped
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // what the worker's replies check
  // Last: destroyed (joined) first, while the analyst it runs is still there.
  std::optional<boost::asio::thread_pool> worker_;
};

}  // namespace kelu::analytics
