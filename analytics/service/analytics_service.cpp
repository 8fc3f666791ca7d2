// SPDX-License-Identifier: Apache-2.0
#include "analytics_service.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <cmath>
#include <future>
#include <span>
#include <utility>

#include "sync/aggregate_store.hpp"
#include "sync/event_store.hpp"
#include "sync/outbox.hpp"
#include "sync/run_log.hpp"
#include "sync/topics.hpp"

namespace kelu::analytics {

analytics_service_options analytics_service_options_for(const config::config& c) {
  analytics_service_options o;
  o.close_grace = std::chrono::seconds(c.analytics.close_grace_s);
  o.live_interval = std::chrono::seconds(c.analytics.live_interval_s);
  o.forecast.weeks = static_cast<int>(c.analytics.forecast_weeks);
  o.forecast.target_star = static_cast<double>(c.analytics.target_star);
  return o;
}

namespace {

using namespace std::chrono;

// The kinds of raw events the funnel reads by the time they happened; camera gaps, stored when
// they end, are read by overlap.
const std::vector<std::string> day_types{"pos.transaction", "pos.operator", "traffic.line_cross",
                                         "traffic.zone_dwell", "traffic.occupancy", "traffic.count"};
const std::vector<std::string> counted_types = [] {
  auto v = day_types;
  v.push_back("camera.gap");
  return v;
}();

// Events whose receipt may not be visible yet when a tick scans: commits lag receipt by a
// group-commit turn and camera events by their post; rescanning a little is harmless.
constexpr seconds rescan_margin{10};

// A tick taking, or holding the agent's thread, at least this long is logged (at each new longest).
constexpr milliseconds slow_compute{1000};

}  // namespace

std::optional<std::vector<core::event>> events_behind_hour(sync::event_store& store, const analytics::day_analysis& day,
                                                           const core::time_zone& zone, std::string_view hhmm) {
  std::optional<std::vector<core::event>> found;
  for (const auto& h : day.hours) {
    if (analytics::local_hhmm(h.start, zone) != hhmm) continue;
    if (!found) found.emplace();
    for (const auto& r : h.trace.ranges())
      for (auto seq = r.first; seq <= r.last; ++seq)
        if (auto e = store.find(r.source, seq)) found->push_back(std::move(*e));
  }
  return found;
}

namespace {

// What a local day's analysis reads: its events, and every gap that ended after the day began (a
// gap is stored when it ends, which may be days after it began; the analysis clips them).
std::vector<sync::event_span> day_spans(sys_days day, const core::time_zone& zone) {
  const auto from = analytics::local_midnight(day, zone);
  const auto to = analytics::local_midnight(day + days{1}, zone);
  return {{day_types, from, to}, {{"camera.gap"}, from, core::utc_time::max()}};
}

analytics::day_analysis analyse_events(sync::run_log& runs, sys_days day, const core::time_zone& zone,
                                       const analytics::funnel_rules& rules, std::span<const core::event> events,
                                       core::utc_time now) {
  std::vector<analytics::utc_interval> running;
  const auto from = analytics::local_midnight(day, zone);
  const auto to = analytics::local_midnight(day + days{1}, zone);
  for (const auto& [started, alive] : runs.between(from, to)) running.push_back({started, alive, 1});
  return analytics::analyse_day(day, zone, rules, events, now, running);
}

}  // namespace

analytics::day_analysis analyse_stored_day(sync::event_store& store, sync::run_log& runs, sys_days day,
                                           const core::time_zone& zone, const analytics::funnel_rules& rules,
                                           core::utc_time now, std::int64_t* undecodable) {
  const auto events = store.observed_in(day_spans(day, zone), {}, store.last_seqs(), undecodable);
  return analyse_events(runs, day, zone, rules, events, now);
}

analytics::day_analysis analyse_cached_day(sync::event_cache& cache, sync::run_log& runs, sys_days day,
                                           const core::time_zone& zone, const analytics::funnel_rules& rules,
                                           core::utc_time now, std::int64_t* undecodable) {
  return analyse_events(runs, day, zone, rules, cache.observed(day_spans(day, zone), undecodable), now);
}

std::vector<analytics::hour_observation> forecast_history(sync::event_store& store, sync::run_log& runs, sys_days day,
                                                          const core::time_zone& zone,
                                                          const analytics::funnel_rules& rules, int weeks) {
  std::vector<analytics::hour_observation> out;
  for (int w = 1; w <= weeks; ++w) {
    const auto past = day - days{7 * w};
    const auto a = analyse_stored_day(store, runs, past, zone, rules, analytics::local_midnight(past + days{1}, zone));
    if (a.whole.store.entries == 0 && a.whole.store.transactions == 0) continue;  // nothing stored that day
    for (const auto& o : analytics::observe_hours(a, zone, rules)) out.push_back(o);
  }
  return out;
}

analytics_service::analytics_service(boost::asio::any_io_executor ex, sync::event_store& events,
                                     sync::aggregate_store& aggregates, sync::run_log& runs,
                                     sync::alert_journal& journal, std::string boot_id,
                                     core::utc_time started_at, sync::outbox& out, const sync::topics& topics,
                                     const core::clock& clock, core::time_zone zone, analytics::funnel_rules rules,
                                     std::vector<config::alert_rule_config> alert_rules,
                                     analytics::store_identity store, analytics_service_options options,
                                     std::shared_ptr<spdlog::logger> log)
    : timer_(ex),
      ex_(ex),
      events_(events),
      aggregates_(aggregates),
      runs_(runs),
      boot_id_(std::move(boot_id)),
      started_at_(started_at),
      outbox_(out),
      topics_(topics),
      clock_(clock),
      zone_(std::move(zone)),
      rules_(std::move(rules)),
      store_(std::move(store)),
      options_(options),
      log_(std::move(log)),
      alerts_(std::move(alert_rules), rules_, zone_, store_.name.empty() ? store_.id : store_.name),
      outcomes_(journal, aggregates, events, runs, topics, zone_, store_, log_),
      analyst_(std::make_unique<day_analyst>(events, runs)) {}

analytics_service::~analytics_service() {
  if (worker_) worker_->join();  // its last reply finds alive_ gone and does nothing
}

core::status analytics_service::analyse_apart(const std::string& path) {
  auto apart = day_analyst::open(path, topics_);
  if (!apart) return core::error{apart.error_message()};
  analyst_ = std::move(apart).value();
  worker_.emplace(1);
  return core::ok();
}

void analytics_service::start() {
  stopped_ = false;
  running_.reset();
  soon_.reset();
  ++generation_;
  arm(steady_clock::now());  // the first tick, as soon as the io_context runs (header)
}

void analytics_service::stop() {
  stopped_ = true;
  timer_.cancel();
}

void analytics_service::update(analytics::funnel_rules rules, std::vector<config::alert_rule_config> alert_rules,
                               analytics_service_options options) {
  const auto now = clock_.now_utc();
  try {
    if (announce(alerts_.update(std::move(alert_rules), rules, now), now) && on_sent_) on_sent_();
  } catch (const std::exception& ex) {
    log_->error("analytics: alerts of changed rules: {}", ex.what());
  }
  const bool changed = rules.version() != rules_.version();
  rules_ = std::move(rules);
  options_ = options;
  if (changed) {
    // Recompute today under the new rule version; closed buckets get a new revision. An analysis
    // running under the old version is dropped when it returns (apply_day).
    pending_.insert(analytics::local_day(clock_.now_utc(), zone_));
    log_->info("analytics: rules changed (version {}): today is recomputed", rules_.version());
  }
}

// The next tick after one ended: an interval on, or sooner if tick_soon() asked while it ran.
void analytics_service::schedule() {
  const auto soon = std::exchange(soon_, std::nullopt);
  arm(std::min(steady_clock::now() + options_.live_interval, soon.value_or(steady_clock::time_point::max())));
}

void analytics_service::tick_soon(std::chrono::milliseconds within) {
  if (stopped_) return;
  const auto at = steady_clock::now() + within;
  if (running_) {
    // While a tick analyses, the next is armed when it ends (end_run): no later than this.
    soon_ = std::min(at, soon_.value_or(at));
    return;
  }
  if (at < next_tick_) arm(at);
}

void analytics_service::arm(steady_clock::time_point at) {
  next_tick_ = at;
  // Re-arming cancels the pending wait: its handler sees operation_aborted and does nothing.
  timer_.expires_at(at);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_ || running_) return;  // a running tick arms the next when it ends
    do_tick();
  });
}

void analytics_service::tick() {
  ++generation_;  // a timer's tick still analysing: its results are dropped, its days are done here
  const bool interrupted = running_.has_value();
  running_.reset();
  const auto started = steady_clock::now();
  const auto now = clock_.now_utc();
  bool sent = false;
  try {
    for (const auto day : begin_tick(now)) sent = apply_day(analyse_and_wait(request_for(day, now)), now) || sent;
    sent = end_tick(now) || sent;
  } catch (const std::exception& ex) {
    log_->error("analytics: {}", ex.what());
  }
  held_since(started);
  finish(started, sent);
  if (interrupted && !stopped_) schedule();
}

// The timer's tick: the scan here, each day's analysis on the worker (do_day → on_day), the
// sending in end_run. The io_context runs other handlers between the steps.
void analytics_service::do_tick() {
  const auto started = steady_clock::now();
  running_ = tick_run{started, clock_.now_utc(), {}, false};
  try {
    const auto days = begin_tick(running_->now);
    running_->todo.assign(days.begin(), days.end());
  } catch (const std::exception& ex) {
    log_->error("analytics: {}", ex.what());
  }
  held_since(started);
  do_day();
}

void analytics_service::do_day() {
  if (running_->todo.empty()) return end_run();
  auto request = request_for(running_->todo.front(), running_->now);
  if (!worker_) return on_day(generation_, analyst_->analyse(request));
  boost::asio::post(*worker_, [this, request = std::move(request), generation = generation_,
                               alive = std::weak_ptr<int>(alive_)]() mutable {
    // The analyst outlives this handler: the destructor joins the worker first.
    auto result = analyst_->analyse(request);
    boost::asio::post(ex_, [this, generation, alive = std::move(alive), result = std::move(result)]() mutable {
      if (alive.expired()) return;
      on_day(generation, std::move(result));
    });
  });
}

void analytics_service::on_day(std::uint64_t generation, day_result r) {
  if (generation != generation_ || !running_ || stopped_) return;
  const auto started = steady_clock::now();
  try {
    running_->sent = apply_day(std::move(r), running_->now) || running_->sent;
  } catch (const std::exception& ex) {
    log_->error("analytics: {}", ex.what());
  }
  running_->todo.pop_front();
  held_since(started);
  do_day();
}

void analytics_service::end_run() {
  const auto held = steady_clock::now();
  bool sent = running_->sent;
  try {
    sent = end_tick(running_->now) || sent;
  } catch (const std::exception& ex) {
    log_->error("analytics: {}", ex.what());
  }
  const auto started = running_->started;
  running_.reset();
  held_since(held);
  finish(started, sent);
  if (!stopped_) schedule();
}

// What the tick will analyse: today, and the days that received data since the last scan or
// whose buckets have passed their grace period (at most options_.max_days_per_tick of those).
std::vector<sys_days> analytics_service::begin_tick(core::utc_time now) {
  const auto today = analytics::local_day(now, zone_);
  if (!initialised_) {
    stats_.closed_until = aggregates_.last_end("funnel.quarter");
    initialised_ = true;
  }
  if (!restored_) {
    restore_alerts(now);
    restored_ = true;
  }
  runs_.touch(boot_id_, started_at_, now);
  // Days that received data since the last scan (the first scan starts an hour before the
  // closing horizon, or at the beginning when nothing was ever closed).
  // A wall clock stepped back since the last scan (NTP, a hand-set time) stamps what arrived
  // since with times before that scan's: the scan reaches back as far as the monotonic clock
  // says the last one was, or late data for a closed day would never revise it.
  const auto since =
      watermark_ ? std::min(watermark_->wall,
                            now - std::chrono::duration_cast<milliseconds>(clock_.now_steady() - watermark_->steady)) -
                       rescan_margin
      : stats_.closed_until ? *stats_.closed_until - hours{1}
                            : core::utc_time{};
  for (const auto t : events_.observed_times_received_since(counted_types, since)) {
    const auto d = analytics::local_day(t, zone_);
    if (d <= today) pending_.insert(d);
  }
  watermark_ = scan_mark{now, clock_.now_steady()};
  // Days with buckets that have passed their grace period and are not closed yet.
  const auto closable = analytics::local_day(now - options_.close_grace, zone_);
  if (stats_.closed_until) {
    for (auto d = analytics::local_day(*stats_.closed_until, zone_); d <= closable; d += days{1}) pending_.insert(d);
  }
  pending_.insert(today);
  std::vector<sys_days> todo;
  int budget = options_.max_days_per_tick;
  for (const auto d : pending_)
    if (d == today || budget-- > 0) todo.push_back(d);
  return todo;
}

day_request analytics_service::request_for(sys_days day, core::utc_time now) const {
  return {day, now, day == analytics::local_day(now, zone_), zone_, rules_, store_, options_.forecast,
          options_.close_grace};
}

day_result analytics_service::analyse_and_wait(const day_request& r) {
  if (!worker_) return analyst_->analyse(r);
  // The worker runs one thing at a time: this waits for a timer's analysis still running, if any.
  std::packaged_task<day_result()> task([this, &r] { return analyst_->analyse(r); });
  auto result = task.get_future();
  boost::asio::post(*worker_, std::move(task));
  return result.get();
}

// Stores and sends what a day's analysis closed; today's also becomes the live figures.
bool analytics_service::apply_day(day_result r, core::utc_time now) {
  stats_.undecodable_events += r.undecodable;
  if (!r.error.empty()) {
    log_->error("analytics: {}: {}", analytics::format_day(r.day), r.error);
    return false;  // still pending: again at the next tick
  }
  // Analysed under rules replaced meanwhile: the day stays pending, for the new ones.
  if (r.rule_version != rules_.version()) return false;
  pending_.erase(r.day);
  auto& a = *r.analysis;
  bool sent = false;
  // A box that replaced another knows nothing of the time before its database existed (it neither
  // ran nor holds an event behind a figure of it), and HQ ranks its newer epoch's figures above the
  // old box's: an empty bucket for those hours would erase the old box's real ones. History ingested
  // from files is behind figures, and is sent.
  const auto& id = events_.identity();
  const auto unknown = [&](const closed_bucket& b) {
    return id.origin == "created" && b.end <= id.created_at && b.traced == 0 && runs_.between(b.start, b.end).empty();
  };
  for (const auto& b : r.closed) {
    if (unknown(b)) continue;
    const auto revision = aggregates_.upsert(b.kind, b.start, b.end, a.rule_version, b.body, now,
                                             {topics_.metrics(b.kind), sync::history_if(now - b.end > options_.history_after)});
    if (revision) {
      sent = true;
      ++(*revision == 1 ? stats_.buckets_sent : stats_.revisions_sent);
      if (*revision > 1)
        log_->info("analytics: {} {} revised to revision {}", b.kind, core::format_iso8601(b.start), *revision);
    }
    if (b.kind == "funnel.quarter" && (!stats_.closed_until || b.end > *stats_.closed_until)) stats_.closed_until = b.end;
  }
  if (r.day == analytics::local_day(now, zone_)) {
    forecast_ = std::move(r.ahead);
    publish_live(a, now);
    today_ = std::move(a);
  }
  return sent;
}

bool analytics_service::end_tick(core::utc_time now) {
  bool sent = judge_alerts(now);
  if (const int reviews = outcomes_.send_reviews(now, options_.close_grace, options_.history_after); reviews > 0) {
    stats_.reviews_sent += reviews;
    sent = true;
  }
  stats_.unreadable_journal = outcomes_.unreadable();
  return sent;
}

void analytics_service::held_since(steady_clock::time_point since) {
  const auto held = duration_cast<milliseconds>(steady_clock::now() - since).count();
  if (held <= stats_.longest_hold_ms) return;
  stats_.longest_hold_ms = held;
  // Logged at each new longest only, so a slow box does not log every tick.
  if (held >= slow_compute.count())
    log_->warn("analytics: a tick held the agent's thread for {} ms, the longest yet; tills, the dashboard and "
               "HQ's link waited meanwhile", held);
}

void analytics_service::finish(steady_clock::time_point started, bool sent) {
  stats_.last_compute_ms = duration_cast<milliseconds>(steady_clock::now() - started).count();
  if (stats_.last_compute_ms > stats_.longest_compute_ms) {
    stats_.longest_compute_ms = stats_.last_compute_ms;
    if (stats_.last_compute_ms >= slow_compute.count())
      log_->info("analytics: a tick took {} ms, the longest yet", stats_.last_compute_ms);
  }
  if (sent && on_sent_) on_sent_();
  if (on_tick_) on_tick_();
}

bool analytics_service::judge_alerts(core::utc_time now) {
  analytics::alert_inputs in;
  in.now = now;
  in.today = today_ ? &*today_ : nullptr;
  in.staffing = staffing_now(now);
  if (context_) {
    auto c = context_();
    in.cameras = std::move(c.cameras);
    in.outbox_oldest_age_s = c.outbox_oldest_age_s;
  }
  const auto fired = alerts_.evaluate(in);
  const bool sent = announce(fired, now);
  if (fired.empty()) outcomes_.record({}, now, today_ ? &*today_ : nullptr, rules_);  // windows pass
  return sent;
}

bool analytics_service::announce(const std::vector<analytics::alert>& alerts, core::utc_time now) {
  if (alerts.empty()) return false;
  outcomes_.record(alerts, now, today_ ? &*today_ : nullptr, rules_);
  for (const auto& a : alerts) {
    outbox_.insert({topics_.alerts(), 1, false, sync::aggregate_priority}, analytics::alert_json(a, store_).dump(), now);
    if (a.state == "firing") ++stats_.alerts_fired;
    log_->warn("alert {}: {}", a.state, a.message_en);
    if (on_alert_) on_alert_(a);
  }
  return true;
}

void analytics_service::restore_alerts(core::utc_time now) {
  const auto saved = outcomes_.to_restore(now);
  announce(alerts_.restore(saved.firing, saved.fired, now), now);
  if (!saved.firing.empty()) log_->info("analytics: {} alert(s) still firing after the restart", alerts_.active().size());
}

analytics::week_review analytics_service::review(sys_days monday) { return outcomes_.review(monday); }

std::optional<analytics::staffing_hint> analytics_service::staffing_now(core::utc_time now) const {
  // Without sign-ons or a schedule the box does not know who is on the floor: no hint.
  if (!today_ || today_->staff_basis == "none") return std::nullopt;
  analytics::staffing_hint h;
  // Today's open shifts end at the tick's time: "now" is the moment just before it.
  h.on_shift = analytics::on_shift_at(today_->shifts, now - milliseconds(1));
  if (forecast_)
    for (const auto& f : forecast_->hours)
      if (f.start <= now && now < f.start + hours{1}) h.needed = f.staff_needed;
  if (h.needed == 0) {
    // No forecast for this hour: the last hour's visitors at the target STAR.
    std::int64_t visitors = 0;
    for (const auto& q : today_->quarters)
      if (q.end > now - hours{1} && q.start < now) visitors += q.store.entries;
    h.needed = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::ceil(static_cast<double>(visitors) / options_.forecast.target_star)));
  }
  return h;
}

void analytics_service::publish_live(const analytics::day_analysis& a, core::utc_time now) {
  // Small and retained: what a phone or HQ's wallboard shows for today. Sent when a count
  // changes, not on every tick (the bucket lengths grow with the clock; the counts do not).
  auto j = analytics::live_json(a, forecast_, rules_, zone_, store_);
  auto text = j.dump();
  if (text == last_live_) return;
  last_live_ = text;
  j["as_of"] = core::format_iso8601(now);
  outbox_.replace({topics_.live(), 1, true, sync::aggregate_priority}, j.dump(), now);
  ++stats_.live_updates;
  if (on_sent_) on_sent_();
}

}  // namespace kelu::analytics
