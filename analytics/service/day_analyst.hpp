// SPDX-License-Identifier: Apache-2.0
#pragma once
// The read-and-compute half of an analytics tick for one local day: the day's events (kept
// decoded, sync::event_cache), the agent's runs over it, the analysis, the bodies of the buckets
// past their grace period, and for today the forecast with its history of past weeks. It writes
// nothing: the analytics service runs it on a worker thread, over a SQLite connection of its own
// (WAL: it reads what the agent's connection committed and never blocks it), while the agent's
// thread goes on answering tills, phones and the broker. A busy day's analysis costs about 16 µs
// a sale: 0.4 s for 23,000 sales on an x86 core, several times that on an ARM box.
//
// Threading: one thread at a time; the store and run log it reads through are not used by
// another thread while a call runs (its own connection's, or the caller's thread's).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analytics/forecast.hpp"
#include "analytics/funnel.hpp"
#include "analytics/report_json.hpp"
#include "core/result.hpp"
#include "core/time_zone.hpp"
#include "sync/event_cache.hpp"

namespace kelu::sync {
class run_log;
class topics;
}  // namespace kelu::sync

namespace kelu::analytics {

// One day to analyse, with everything the analysis depends on copied in: the service may change
// its rules or store name while the analysis runs on another thread.
struct day_request {
  std::chrono::sys_days day{};
  core::utc_time now{};
  bool today = false;  // also the forecast
  core::time_zone zone = core::time_zone::utc();
  funnel_rules rules;
  store_identity store;
  forecast_options forecast;
  std::chrono::seconds close_grace{};
};

// A bucket whose grace period has passed, rendered as it is stored and sent.
struct closed_bucket {
  std::string kind;  // funnel.quarter | funnel.hour | funnel.day | report.day
  core::utc_time start{};
  core::utc_time end{};
  std::int64_t traced = 0;  // raw events behind its figures
  nlohmann::json body;
};

struct day_result {
  std::chrono::sys_days day{};
  std::string rule_version;  // the request's rules'
  std::optional<day_analysis> analysis;  // nullopt when `error` says why
  std::vector<closed_bucket> closed;
  std::optional<forecast> ahead;  // today only
  std::int64_t undecodable = 0;   // stored rows skipped, counted once each
  std::string error;              // what failed (SQLite), empty on success
};

class day_analyst {
 public:
  // Reads through `events` and `runs`, which outlive it.
  day_analyst(sync::event_store& events, sync::run_log& runs);
  // Over a connection of its own to the database at `path` (the agent's, already migrated).
  // Fails when SQLite cannot open it.
  static core::result<std::unique_ptr<day_analyst>> open(const std::string& path, const sync::topics& topics);
  ~day_analyst();

  // Never throws: a failure (SQLite) is the result's `error`.
  day_result analyse(const day_request& r);

  // Called on the analysing thread before each day's analysis: tests hold a recompute there.
  void before_analysis(std::function<void()> hook) { before_ = std::move(hook); }

  const sync::event_cache_stats& cache_stats() const { return days_.stats(); }

 private:
  struct connection;
  day_analyst(std::unique_ptr<connection> own);
  void render_closed(const day_request& r, day_result& out) const;
  void refresh_history(const day_request& r, const std::string& rule_version);

  std::unique_ptr<connection> own_;  // when opened over a connection of its own
  sync::event_store& events_;
  sync::run_log& runs_;
  // Today's decoded events and one other day's (late data revising yesterday): a busy day's are
  // ~10 MB (docs/BENCHMARKS.md), so not more.
  sync::event_cache days_;
  std::optional<std::chrono::sys_days> history_day_;  // the day `history_` was gathered for
  std::string history_rules_;
  std::vector<hour_observation> history_;
  std::function<void()> before_;
};

}  // namespace kelu::analytics
