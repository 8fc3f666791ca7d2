// SPDX-License-Identifier: Apache-2.0
#include "analytics_service.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <span>

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

// A recompute at least this long is logged (at each new longest).
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
      events_(events),
      days_(events, 2),
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
      outcomes_(journal, aggregates, events, runs, topics, zone_, store_, log_) {}

analytics_service::~analytics_service() = default;

void analytics_service::start() {
  stopped_ = false;
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
    // Recompute today under the new rule version; closed buckets get a new revision.
    pending_.insert(analytics::local_day(clock_.now_utc(), zone_));
    log_->info("analytics: rules changed (version {}): today is recomputed", rules_.version());
  }
}

void analytics_service::schedule() { arm(steady_clock::now() + options_.live_interval); }

void analytics_service::tick_soon(std::chrono::milliseconds within) {
  if (stopped_) return;
  const auto at = steady_clock::now() + within;
  if (at < next_tick_) arm(at);
}

void analytics_service::arm(steady_clock::time_point at) {
  next_tick_ = at;
  // Re-arming cancels the pending wait: its handler sees operation_aborted and does nothing.
  timer_.expires_at(at);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    tick();
    schedule();
  });
}

void analytics_service::tick() {
  const auto started = steady_clock::now();
  const auto now = clock_.now_utc();
  const auto today = analytics::local_day(now, zone_);
  bool sent = false;
  try {
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
    int budget = options_.max_days_per_tick;
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (*it != today && budget-- <= 0) {
        ++it;
        continue;
      }
      sent = process_day(*it, now) || sent;
      it = pending_.erase(it);
    }
    sent = judge_alerts(now) || sent;
    if (const int reviews = outcomes_.send_reviews(now, options_.close_grace, options_.history_after); reviews > 0) {
      stats_.reviews_sent += reviews;
      sent = true;
    }
    stats_.unreadable_journal = outcomes_.unreadable();
  } catch (const std::exception& ex) {
    log_->error("analytics: {}", ex.what());
  }
  stats_.last_compute_ms = duration_cast<milliseconds>(steady_clock::now() - started).count();
  if (stats_.last_compute_ms > stats_.longest_compute_ms) {
    stats_.longest_compute_ms = stats_.last_compute_ms;
    // A tick runs on the thread that answers tills and phones: one that takes seconds is seen there.
    // Logged at each new longest only, so a slow box does not log every tick.
    if (stats_.last_compute_ms >= slow_compute.count())
      log_->warn("analytics: recomputing took {} ms, the longest yet; tills, the dashboard and HQ's link waited "
                 "meanwhile", stats_.last_compute_ms);
  }
  if (sent && on_sent_) on_sent_();
  if (on_tick_) on_tick_();
}

bool analytics_service::process_day(sys_days day, core::utc_time now) {
  auto a = analyse_cached_day(days_, runs_, day, zone_, rules_, now, &stats_.undecodable_events);
  bool sent = false;
  // A box that replaced another knows nothing of the time before its database existed (it neither
  // ran nor holds an event behind a figure of it), and HQ ranks its newer epoch's figures above the
  // old box's: an empty bucket for those hours would erase the old box's real ones. History ingested
  // from files is behind figures, and is sent.
  const auto& id = events_.identity();
  const auto unknown = [&](const analytics::bucket& b) {
    return id.origin == "created" && b.end <= id.created_at && b.trace.count() == 0 &&
           runs_.between(b.start, b.end).empty();
  };
  const auto close = [&](const std::string& kind, const analytics::bucket& period, const nlohmann::json& body) {
    const auto start = period.start, end = period.end;
    if (end + options_.close_grace > now || unknown(period)) return;
    const auto revision = aggregates_.upsert(kind, start, end, a.rule_version, body, now,
                                             {topics_.metrics(kind), sync::history_if(now - end > options_.history_after)});
    if (revision) {
      sent = true;
      ++(*revision == 1 ? stats_.buckets_sent : stats_.revisions_sent);
      if (*revision > 1)
        log_->info("analytics: {} {} revised to revision {}", kind, core::format_iso8601(start), *revision);
    }
    if (kind == "funnel.quarter" && (!stats_.closed_until || end > *stats_.closed_until)) stats_.closed_until = end;
  };
  for (const auto* period : {&a.quarters, &a.hours})
    for (const auto& b : *period) close("funnel." + b.period, b, analytics::bucket_json(b, a, rules_, zone_, store_));
  if (a.until >= a.end) {
    close("funnel.day", a.whole, analytics::bucket_json(a.whole, a, rules_, zone_, store_));
    close("report.day", a.whole, analytics::day_report_json(a, rules_, zone_, store_));
  }
  if (day == analytics::local_day(now, zone_)) {
    // History for the forecast: gathered once a day (and again when the rules change).
    if (history_day_ != day || history_rules_ != a.rule_version) {
      history_ = forecast_history(events_, runs_, day, zone_, rules_, options_.forecast.weeks);
      history_day_ = day;
      history_rules_ = a.rule_version;
    }
    forecast_ = analytics::forecast_today(a, history_, zone_, rules_, options_.forecast);
    publish_live(a, now);
    today_ = std::move(a);
  }
  return sent;
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
