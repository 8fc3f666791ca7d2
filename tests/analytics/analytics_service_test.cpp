// SPDX-License-Identifier: Apache-2.0
// The live side of analytics against a real SQLite store: buckets close after their grace
// period, late data and new rules send revisions (and only then), `live` keeps one row.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "analytics/service/analytics_service.hpp"
#include "config/schema.hpp"
#include "golden_day.hpp"

#include <future>
#include <map>
#include <thread>
#include "support/schema_check.hpp"
#include "support/temp_dir.hpp"
#include "sync/aggregate_store.hpp"
#include "sync/alert_journal.hpp"
#include "sync/database.hpp"
#include "sync/event_store.hpp"
#include "sync/outbox.hpp"
#include "sync/run_log.hpp"
#include "sync/topics.hpp"
#include "support/events.hpp"

namespace kelu::test {
namespace {

using analytics::alert_context;
using analytics::analytics_service;
using analytics::analytics_service_options;
using analytics::analytics_service_options_for;

using nlohmann::json;

struct manual_clock final : core::clock {
  core::utc_time now{};
  std::chrono::milliseconds steady_ahead{0};  // the monotonic clock moved on this much more than real time
  core::utc_time now_utc() const override { return now; }
  std::chrono::steady_clock::time_point now_steady() const override {
    return std::chrono::steady_clock::now() + steady_ahead;
  }
  // Both clocks move on together, as time passes.
  void pass(std::chrono::milliseconds d) {
    now += d;
    steady_ahead += d;
  }
};


struct outbox_message {
  std::string topic;
  json payload;
  bool retain = false;
  bool backlog = false;
};

class analytics_service_test : public testing::Test {
 protected:
  void SetUp() override {
    clock.now = at("2026-11-24T10:59:30Z");  // 11:59:30 in Berlin
    service = std::make_unique<analytics_service>(
        io.get_executor(), store, aggregates, runs, journal, "boot-1", at("2026-11-23T23:00:00Z"), out, topics, clock, g.zone,
        g.rules, g.cfg.alerts, g.store, analytics_service_options_for(config::defaults()), std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>()));
  }

  // Stores the events as the committer would; returns them with their seqs.
  std::vector<core::event> append(std::vector<core::event> events) {
    EXPECT_TRUE(store.append(events, clock.now).ok());
    return events;
  }

  // A till's sale of 9.99 EUR on the 24th made at `made`, received now: late data for a closed hour.
  core::event late_sale(const std::string& id, core::utc_time made) {
    auto late = g.events.front();
    core::pos_transaction tx;
    tx.terminal = "till9";
    tx.transaction_id = id;
    tx.business_day = "2026-11-24";
    tx.operator_id = "B2";
    tx.currency = "EUR";
    tx.total_minor = 999;
    late.body = tx;
    late.id = core::new_event_id();
    late.observed_at = made;
    late.received_at = clock.now;
    return late;
  }

  // Every message queued so far, in order, then forgotten (as if sent and acknowledged).
  std::vector<outbox_message> drain() {
    std::vector<outbox_message> v;
    std::vector<std::int64_t> ids;
    sync::statement st{db->handle(), "SELECT id, topic, payload, retain, backlog FROM outbox ORDER BY id"};
    while (st.step()) {
      ids.push_back(st.column_int(0));
      v.push_back({st.column_text(1), json::parse(st.column_text(2)), st.column_int(3) != 0, st.column_int(4) != 0});
      if (v.back().topic.find("/events/") == std::string::npos)
        captured.push_back({v.back().topic, st.column_text(2), v.back().retain});
    }
    out.remove(ids);
    return v;
  }

  void TearDown() override {
    // Whatever analytics sent in the test is what the contract in docs/schemas/ says.
    if (captured.empty()) return;
    const auto checked = check_against_schemas(captured, KELU_SOURCE_DIR, dir.path().string());
    if (!checked.available) return;
    EXPECT_EQ(checked.status, 0) << checked.text;
    // And an HQ consumer written for release 0.1.0, ignoring what it does not know (docs/mqtt.md,
    // "Versions"), still reads it: fields were only added.
    const auto old = check_against_schemas(captured, KELU_SOURCE_DIR, dir.path().string(),
                                           "tests/data/contract/schemas-0.1.0", true);
    EXPECT_EQ(old.status, 0) << old.text;
  }

  std::vector<received> captured;

  static std::vector<outbox_message> on(const std::vector<outbox_message>& v, const std::string& suffix) {
    std::vector<outbox_message> r;
    for (const auto& m : v)
      if (m.topic.size() >= suffix.size() && m.topic.compare(m.topic.size() - suffix.size(), suffix.size(), suffix) == 0)
        r.push_back(m);
    return r;
  }

  golden_day g = golden_day::load("ordinary_day");
  temp_dir dir;
  std::unique_ptr<sync::database> db = sync::database::open({dir.file("k.db"), false}).value();
  sync::outbox out{*db};
  sync::topics topics{"acme", "berlin-01"};
  sync::event_store store{*db, out, topics};
  sync::aggregate_store aggregates{*db, out};
  sync::run_log runs{*db};
  sync::alert_journal journal{*db};
  boost::asio::io_context io;
  manual_clock clock;
  std::unique_ptr<analytics_service> service;
};

TEST_F(analytics_service_test, closes_buckets_after_grace_and_revises_them_on_late_data) {
  // Everything the day will see, as it arrives: events up to now.
  std::vector<core::event> so_far;
  for (auto e : g.events)
    if (e.observed_at < clock.now) so_far.push_back(e);
  append(so_far);
  drain();  // the raw events themselves

  service->tick();
  auto sent = drain();
  const auto hours = on(sent, "/metrics/funnel/hour");
  // 11:00 local ended at 10:00Z, its grace (5 min) passed; 11:00-12:00 only just ended.
  ASSERT_EQ(hours.size(), 11u);
  EXPECT_EQ(hours.back().payload["local_start"], "2026-11-24T10:00:00+01:00");
  EXPECT_EQ(hours.back().payload["revision"], 1);
  EXPECT_EQ(hours.back().payload["figures"]["transactions"], 4);
  EXPECT_EQ(hours.back().payload["figures"]["visitors"], 20);
  EXPECT_EQ(hours.back().topic, "kelu/v1/acme/berlin-01/metrics/funnel/hour");
  EXPECT_FALSE(hours.back().retain);
  EXPECT_EQ(on(sent, "/metrics/funnel/quarter").size(), 47u);  // up to 11:30-11:45
  EXPECT_TRUE(on(sent, "/metrics/funnel/day").empty());
  const auto live = on(sent, "/live");
  ASSERT_EQ(live.size(), 1u);
  EXPECT_TRUE(live[0].retain);
  EXPECT_EQ(live[0].payload["visitors"], 36);  // 6 + 20 + 10 before 12:00
  EXPECT_EQ(live[0].payload["transactions"], 9);

  // Nothing new: recomputing sends nothing.
  clock.now += std::chrono::seconds(15);
  service->tick();
  for (const auto& m : drain()) ADD_FAILURE() << m.topic << " " << m.payload.dump();

  // A till's file arrives an hour late with a sale at 10:20 local.
  clock.now = at("2026-11-24T11:30:00Z");
  auto late = append({late_sale("late-1", at("2026-11-24T09:20:00Z"))}).front();
  drain();
  service->tick();
  sent = drain();
  const auto revised = on(sent, "/metrics/funnel/hour");
  ASSERT_EQ(revised.size(), 2u);  // 10:00 revised; 11:00 closes now for the first time
  EXPECT_EQ(revised[0].payload["local_start"], "2026-11-24T10:00:00+01:00");
  EXPECT_EQ(revised[0].payload["revision"], 2);
  EXPECT_EQ(revised[0].payload["figures"]["transactions"], 5);
  EXPECT_EQ(revised[0].payload["figures"]["sales_minor"], 13750 + 999);
  EXPECT_EQ(revised[1].payload["revision"], 1);
  const auto quarters = on(sent, "/metrics/funnel/quarter");
  ASSERT_GE(quarters.size(), 1u);
  EXPECT_EQ(quarters[0].payload["local_start"], "2026-11-24T10:15:00+01:00");
  EXPECT_EQ(quarters[0].payload["revision"], 2);
  // The raw event behind the revision is traced from it.
  bool traced = false;
  for (const auto& r : revised[0].payload["trace"])
    traced = traced || (r["source"] == late.source && r["first"] <= late.seq && r["last"] >= late.seq);
  EXPECT_TRUE(traced) << revised[0].payload["trace"];
  EXPECT_EQ(aggregates.find("funnel.hour", at("2026-11-24T09:00:00Z"))->revision, 2);
}

// The agent's thread running a service whose days are analysed apart (analyse_apart()), the first
// day's analysis held on the worker until release(); the service stops after `ticks` timer ticks.
class apart_run {
 public:
  apart_run(analytics_service& service, boost::asio::io_context& io, int ticks)
      : service_(service), io_(io), guard_(boost::asio::make_work_guard(io)), go_(release_.get_future()) {
    service_.before_analysis([this] {
      if (std::exchange(held_, true)) return;
      inside_.set_value();
      go_.wait();
    });
    service_.on_tick([this, ticks] {
      if (++ticks_ < ticks) return;
      service_.stop();
      ended_.set_value();
    });
    service_.start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~apart_run() {
    if (!released_) release();
    guard_.reset();
    io_.stop();
    thread_.join();
    service_.on_tick(nullptr);
    service_.before_analysis(nullptr);
  }
  bool analysing() { return inside_.get_future().wait_for(std::chrono::seconds(60)) == std::future_status::ready; }
  // Runs `f` on the agent's thread; false when it did not run there within 30 s.
  bool on_agent_thread(std::function<void()> f) {
    auto ran = std::make_shared<std::promise<void>>();
    boost::asio::post(io_, [f = std::move(f), ran] {
      f();
      ran->set_value();
    });
    return ran->get_future().wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  }
  void release() {
    released_ = true;
    release_.set_value();
  }
  bool ended() { return ended_.get_future().wait_for(std::chrono::seconds(60)) == std::future_status::ready; }

 private:
  analytics_service& service_;
  boost::asio::io_context& io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::promise<void> inside_, release_, ended_;
  std::future<void> go_;
  bool held_ = false;  // the worker's thread only
  bool released_ = false;
  int ticks_ = 0;
  std::thread thread_;
};

// With analyse_apart(), a timer's tick analyses each day on a worker thread over its own SQLite
// connection: while a day is being analysed the agent's thread answers others, and what the tick
// sends is what the same tick on one thread sends (the test above).
TEST_F(analytics_service_test, a_day_analysed_apart_leaves_the_agents_thread_free_and_sends_the_same_figures) {
  std::vector<core::event> so_far;
  for (auto e : g.events)
    if (e.observed_at < clock.now) so_far.push_back(e);
  append(so_far);
  drain();
  ASSERT_TRUE(service->analyse_apart(dir.file("k.db")).ok());
  {
    apart_run run(*service, io, 1);
    ASSERT_TRUE(run.analysing()) << "the tick never analysed a day";
    EXPECT_TRUE(run.on_agent_thread([] {})) << "the agent's thread was held by the analysis";
    run.release();
    ASSERT_TRUE(run.ended()) << "the tick never ended";
  }
  const auto sent = drain();
  const auto hours = on(sent, "/metrics/funnel/hour");
  ASSERT_EQ(hours.size(), 11u);
  EXPECT_EQ(hours.back().payload["local_start"], "2026-11-24T10:00:00+01:00");
  EXPECT_EQ(hours.back().payload["figures"]["transactions"], 4);
  EXPECT_EQ(hours.back().payload["figures"]["visitors"], 20);
  EXPECT_EQ(on(sent, "/metrics/funnel/quarter").size(), 47u);
  const auto live = on(sent, "/live");
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].payload["visitors"], 36);
  EXPECT_EQ(live[0].payload["transactions"], 9);
  ASSERT_TRUE(service->today());
  EXPECT_EQ(service->today()->whole.store.transactions, 9);
}

// The agent's stop runs a tick of its own while the timer's may be analysing: it waits for the
// worker (the analyst is never used by two threads at once: TSan runs this) and ends the run, and
// each bucket goes out once. The dropped timer result would carry the same bodies, so this does
// not tell the generation check apart; the rules test below does (a stale result there differs).
TEST_F(analytics_service_test, a_tick_asked_for_while_a_day_is_analysed_apart_sends_each_bucket_once) {
  append(g.events);
  drain();
  ASSERT_TRUE(service->analyse_apart(dir.file("k.db")).ok());
  {
    apart_run run(*service, io, 1);
    ASSERT_TRUE(run.analysing());
    // Not waited on: tick() blocks the agent's thread until the held analysis is released.
    boost::asio::post(io, [this] { service->tick(); });
    run.release();
    // The timer's tick is superseded (its result dropped when it returns); the stop's runs whole
    // and ends the run.
    ASSERT_TRUE(run.ended());
  }
  const auto hours = on(drain(), "/metrics/funnel/hour");
  ASSERT_EQ(hours.size(), 11u);
  for (const auto& h : hours) EXPECT_EQ(h.payload["revision"], 1) << h.payload["local_start"];
}

// Rules replaced while a day is analysed under the old ones: that analysis is not sent, and the
// day is analysed again under the new rules.
TEST_F(analytics_service_test, rules_replaced_during_an_analysis_apart_drop_its_result) {
  append(g.events);
  drain();
  ASSERT_TRUE(service->analyse_apart(dir.file("k.db")).ok());
  auto rules = g.rules;
  rules.engaged_dwell_ms["door"] = 40'000;
  {
    apart_run run(*service, io, 1);
    ASSERT_TRUE(run.analysing());
    ASSERT_TRUE(run.on_agent_thread(
        [&] { service->update(rules, g.cfg.alerts, analytics_service_options_for(config::defaults())); }));
    run.release();
    ASSERT_TRUE(run.ended());
  }
  EXPECT_TRUE(on(drain(), "/metrics/funnel/hour").empty()) << "sent what the replaced rules computed";
  service->tick();
  const auto hours = on(drain(), "/metrics/funnel/hour");
  ASSERT_EQ(hours.size(), 11u);
  EXPECT_EQ(hours[0].payload["rule_version"], rules.version());
  EXPECT_EQ(hours[0].payload["revision"], 1);
  EXPECT_EQ(hours[10].payload["figures"]["engaged"], 2);  // the new threshold's (test above)
}

// Each tick reads only what was committed since the last (sync::event_cache); fed the day in
// pieces, tick by tick, today is what analysing the whole stored day at once gives.
TEST_F(analytics_service_test, today_fed_tick_by_tick_is_the_day_analysed_at_once) {
  auto events = g.events;
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.observed_at < b.observed_at; });
  const auto end = at("2026-11-24T22:00:00Z");
  std::size_t next = 0;
  for (clock.now = at("2026-11-24T07:00:00Z"); clock.now <= end; clock.now += std::chrono::minutes(45)) {
    std::vector<core::event> arrived;
    for (; next < events.size() && events[next].observed_at < clock.now; ++next) arrived.push_back(events[next]);
    if (!arrived.empty()) append(arrived);
    service->tick();
    drain();
  }
  ASSERT_TRUE(service->today());
  const auto whole =
      analyse_stored_day(store, runs, service->today()->day, g.zone, service->rules(), service->today()->until);
  EXPECT_GT(whole.whole.store.entries, 0);
  EXPECT_EQ(analytics::day_report_json(*service->today(), service->rules(), g.zone, g.store),
            analytics::day_report_json(whole, service->rules(), g.zone, g.store));
}

TEST_F(analytics_service_test, new_rules_recompute_today_under_a_new_version) {
  append(g.events);
  clock.now = at("2026-11-24T15:00:00Z");
  service->tick();
  const auto before = on(drain(), "/metrics/funnel/hour");
  ASSERT_FALSE(before.empty());
  const auto old_version = before[0].payload["rule_version"];
  EXPECT_EQ(before[10].payload["figures"]["engaged"], 4);

  auto rules = g.rules;
  rules.engaged_dwell_ms["door"] = 40'000;  // the technician raises the engaged threshold
  service->update(rules, g.cfg.alerts, analytics_service_options_for(config::defaults()));
  service->tick();
  const auto after = on(drain(), "/metrics/funnel/hour");
  ASSERT_EQ(after.size(), before.size());  // every closed hour of today, once more
  EXPECT_NE(after[0].payload["rule_version"], old_version);
  EXPECT_EQ(after[0].payload["revision"], 2);
  EXPECT_EQ(after[10].payload["figures"]["engaged"], 2);  // 35 s and 31 s no longer count
  // Deterministic: the same rules again change nothing.
  service->update(rules, g.cfg.alerts, analytics_service_options_for(config::defaults()));
  service->tick();
  EXPECT_TRUE(on(drain(), "/metrics/funnel/hour").empty());
}

TEST_F(analytics_service_test, a_closed_day_sends_its_day_bucket_and_report_and_live_keeps_one_row) {
  append(g.events);
  for (int i = 0; i < 4; ++i) {
    clock.now = at("2026-11-24T08:00:00Z") + std::chrono::hours(3 * i);
    service->tick();
  }
  // Unsent live rows are superseded: only the newest waits.
  sync::statement st{db->handle(), "SELECT count(*) FROM outbox WHERE topic LIKE '%/live'"};
  st.step();
  EXPECT_EQ(st.column_int(0), 1);

  clock.now = at("2026-11-25T02:00:00Z");  // 03:00 the next day: the 24th has closed
  service->tick();
  const auto sent = drain();
  const auto day = on(sent, "/metrics/funnel/day");
  ASSERT_EQ(day.size(), 1u);
  EXPECT_EQ(day[0].payload["figures"]["visitors"], 40);
  EXPECT_EQ(day[0].payload["complete"], true);
  const auto report = on(sent, "/metrics/report/day");
  ASSERT_EQ(report.size(), 1u);
  EXPECT_EQ(report[0].payload["totals"]["net_sales_minor"], 24200);
  EXPECT_EQ(report[0].payload["associates"][0]["operator_id"], "A1");
  // The box ran all day (the run log says so): full coverage.
  EXPECT_EQ(report[0].payload["totals"]["coverage"], 1.0);
  // Closed three hours after it ended: history, in the backlog lane behind live data.
  EXPECT_TRUE(report[0].backlog);
  const auto live = on(sent, "/live");
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].payload["day"], "2026-11-25");
  EXPECT_EQ(live[0].payload["visitors"], 0);
}

// NTP steps the box's clock back three hours, then a till's late file brings a sale for the day
// before: its day's buckets are revised. (Scanning by received_at from the last scan's wall time
// missed it: the sale was received "before" that scan.)
TEST_F(analytics_service_test, late_data_after_the_wall_clock_was_stepped_back_still_revises_its_day) {
  append(g.events);
  clock.now = at("2026-11-25T09:00:00Z");  // the next day: the 24th has closed
  service->tick();
  drain();
  clock.pass(std::chrono::seconds(15));
  service->tick();
  drain();

  clock.pass(std::chrono::seconds(5));
  clock.now -= std::chrono::hours(3);  // the wall clock alone goes back
  append({late_sale("late-after-step", at("2026-11-24T09:20:00Z"))});  // 10:20 in Berlin, the day before
  drain();
  clock.pass(std::chrono::seconds(15));
  service->tick();
  const auto sent = drain();
  const auto hours = on(sent, "/metrics/funnel/hour");
  ASSERT_EQ(hours.size(), 1u) << "the late sale's day was not revised";
  EXPECT_EQ(hours[0].payload["local_start"], "2026-11-24T10:00:00+01:00");
  EXPECT_EQ(hours[0].payload["revision"], 2);
  EXPECT_EQ(hours[0].payload["figures"]["transactions"], 5);
  EXPECT_EQ(on(sent, "/metrics/funnel/day").size(), 1u);
}

TEST_F(analytics_service_test, retention_prunes_aggregates_and_runs_with_the_events) {
  append(g.events);
  clock.now = at("2026-11-25T02:00:00Z");
  service->tick();
  ASSERT_FALSE(aggregates.between("funnel.hour", at("2026-11-23T00:00:00Z"), at("2026-11-26T00:00:00Z")).empty());
  // Everything that ended before 13:00 local: 51 quarters (starting 00:00-12:30) and 12 hours (00:00-11:00).
  EXPECT_EQ(aggregates.prune(at("2026-11-24T12:00:00Z")), 51 + 12);
  const auto left = aggregates.between("funnel.hour", at("2026-11-23T00:00:00Z"), at("2026-11-24T12:00:00Z"));
  ASSERT_EQ(left.size(), 1u);  // 12:00-13:00 local ends at the cutoff: kept
  EXPECT_EQ(left[0].start, at("2026-11-24T11:00:00Z"));
  EXPECT_EQ(aggregates.find("funnel.day", at("2026-11-23T23:00:00Z"))->revision, 1);  // ends later: kept
  EXPECT_EQ(runs.prune(at("2026-11-25T03:00:00Z")), 1);
  EXPECT_TRUE(runs.between(at("2026-11-24T00:00:00Z"), at("2026-11-26T00:00:00Z")).empty());
}

TEST_F(analytics_service_test, time_the_box_was_off_is_missing_coverage) {
  append(g.events);
  clock.now = at("2026-11-24T10:00:00Z");
  service->tick();  // this run: since midnight, alive until 10:00Z
  // Switched off for three hours; a new run starts.
  analytics_service second{io.get_executor(), store, aggregates, runs, journal, "boot-2", at("2026-11-24T13:00:00Z"),
                           out, topics, clock, g.zone, g.rules, g.cfg.alerts, g.store, analytics_service_options_for(config::defaults()),
                           std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>())};
  clock.now = at("2026-11-25T02:00:00Z");
  second.tick();
  const auto report = on(drain(), "/metrics/report/day");
  ASSERT_EQ(report.size(), 1u);
  EXPECT_EQ(report[0].payload["totals"]["coverage"], 0.875);  // 21 of 24 hours
  for (const auto& h : report[0].payload["hours"])
    if (h["local_start"] == "2026-11-24T12:00:00+01:00") {
      EXPECT_EQ(h["coverage"], 0.0);
      EXPECT_TRUE(h["conversion"].is_null());
    }
}

config::alert_rule_config low_conversion_rule() {
  config::alert_rule_config r;
  r.name = "low_conversion";
  r.metric = "conversion";
  r.op = "<";
  r.threshold = 0.5;
  r.window_min = 60;
  r.min_visitors = 5;
  r.active = "open";
  r.cooldown_min = 60;
  r.severity = "warning";
  return r;
}

config::alert_rule_config camera_rule(double threshold = 5) {
  auto r = low_conversion_rule();
  r.name = "camera_down";
  r.metric = "camera_offline_min";
  r.op = ">";
  r.threshold = threshold;
  r.active = "always";
  return r;
}

TEST_F(analytics_service_test, alerts_go_to_mqtt_and_the_listener_with_their_trace) {
  append(g.events);
  auto r = low_conversion_rule();
  r.severity = "critical";
  r.notify = {"wecom"};
  service->update(g.rules, {r, camera_rule()}, analytics_service_options_for(config::defaults()));
  std::vector<analytics::alert> heard;
  service->on_alert([&](const analytics::alert& a) { heard.push_back(a); });
  service->alert_context_from([&] { return alert_context{{{"door", clock.now - std::chrono::minutes(7)}}, 0}; });
  clock.now = at("2026-11-24T11:00:00Z");
  service->tick();
  const auto alerts = on(drain(), "/alerts");
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].payload["rule"], "low_conversion");
  EXPECT_EQ(alerts[0].payload["state"], "firing");
  EXPECT_EQ(alerts[0].payload["severity"], "critical");
  EXPECT_FALSE(alerts[0].payload["trace"].empty());
  EXPECT_EQ(alerts[1].payload["subject"], "door");
  ASSERT_EQ(heard.size(), 2u);
  EXPECT_EQ(heard[0].notify, std::vector<std::string>{"wecom"});
  EXPECT_EQ(service->active_alerts().size(), 2u);
  // The camera comes back: the alert resolves on the next tick.
  service->alert_context_from([] { return alert_context{{{"door", std::nullopt}}, 0}; });
  clock.now += std::chrono::seconds(15);
  service->tick();
  const auto later = on(drain(), "/alerts");
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].payload["state"], "resolved");
  EXPECT_EQ(later[0].payload["id"], alerts[1].payload["id"]);
}

// The journal's entries, as analytics reads them back.
std::map<std::string, analytics::alert_entry> journaled(sync::alert_journal& journal) {
  std::map<std::string, analytics::alert_entry> out;
  for (const auto& row : journal.fired_between(core::utc_time{}, at("2030-01-01T00:00:00Z"))) {
    auto e = analytics::entry_from_json(json::parse(row.body));
    EXPECT_TRUE(e) << e.error_message();
    if (!e) continue;
    EXPECT_EQ(row.settled, e->settled());
    out.emplace(e->fired.rule, std::move(e).value());
  }
  return out;
}

TEST_F(analytics_service_test, each_alert_s_outcome_is_journaled_and_the_week_is_reviewed_when_it_ends) {
  append(g.events);
  // Bob signs off at 12:00 local as the conversion alert asks for a third associate; Carol and
  // Dave sign on at 12:10 and 12:20: three on the floor at once, more than the two it fired with.
  std::vector<core::event> more;
  for (const auto& [id, name, terminal, when] :
       {std::tuple{"C3", "Carol", "till3", "2026-11-24T11:10:00Z"}, {"D4", "Dave", "till4", "2026-11-24T11:20:00Z"}}) {
    auto e = g.events.front();  // Alice's sign-on
    e.id = core::new_event_id();
    e.observed_at = at(when);
    auto& op = std::get<core::pos_operator>(e.body);
    op.operator_id = id;
    op.operator_name = name;
    op.terminal = terminal;
    more.push_back(e);
  }
  append(more);
  auto options = analytics_service_options_for(config::defaults());
  options.forecast.target_star = 4;  // the last hour's 10 visitors need 3 associates; Alice and Bob are on
  service->update(g.rules, {low_conversion_rule(), camera_rule()}, options);
  std::optional<core::utc_time> offline_since = at("2026-11-24T10:53:00Z");
  service->alert_context_from([&] { return alert_context{{{"door", offline_since}}, 0}; });
  clock.now = at("2026-11-24T11:00:00Z");
  service->tick();
  const auto fired = on(drain(), "/alerts");
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[0].payload["staffing"], (json{{"on_shift", 2}, {"needed", 3}}));
  EXPECT_NE(fired[0].payload["message_en"].get<std::string>().find("2 on shift, 3 needed"), std::string::npos);
  EXPECT_FALSE(fired[1].payload.contains("staffing"));  // a camera is not a matter of staff
  // The camera is back 15 s later: recovered.
  offline_since.reset();
  clock.now += std::chrono::seconds(15);
  service->tick();
  const auto cleared = on(drain(), "/alerts");
  ASSERT_EQ(cleared.size(), 1u);
  EXPECT_EQ(cleared[0].payload["resolution"], "cleared");
  auto j = journaled(journal);
  EXPECT_EQ(j["camera_down"].outcome, "recovered");
  EXPECT_EQ(j["camera_down"].recovered_after_s, 15);
  EXPECT_TRUE(j["camera_down"].settled());
  EXPECT_EQ(j["low_conversion"].staffing, "pending");
  EXPECT_EQ(journal.unsettled().size(), 1u);
  // Carol came within the window: the hint was followed.
  clock.now = at("2026-11-24T11:30:00Z");
  service->tick();
  EXPECT_EQ(journaled(journal)["low_conversion"].staffing, "followed");
  EXPECT_EQ(journaled(journal)["low_conversion"].staff_max_after, 3);
  clock.now = at("2026-11-24T12:00:00Z");
  service->tick();
  // At 13:00 local the last hour had too few visitors to judge: the rule stops at its window's
  // end with the figure still below, so the alert persisted (and did not "recover").
  j = journaled(journal);
  EXPECT_EQ(j["low_conversion"].resolution, "unobserved");
  EXPECT_EQ(j["low_conversion"].outcome, "persisted");
  EXPECT_TRUE(j["low_conversion"].settled());
  EXPECT_TRUE(journal.unsettled().empty());
  drain();
  // The week ends on Sunday at midnight local; its review goes out once the grace has passed.
  clock.now = at("2026-11-29T23:04:00Z");
  service->tick();
  EXPECT_TRUE(on(drain(), "/metrics/review/week").empty());
  clock.now = at("2026-11-29T23:06:00Z");
  service->tick();
  const auto review = on(drain(), "/metrics/review/week");
  ASSERT_EQ(review.size(), 1u);
  const auto& r = review[0].payload;
  EXPECT_EQ(r["week"], "2026-W48");
  EXPECT_EQ(r["revision"], 1);
  EXPECT_EQ(r["totals"]["fired"], 2);
  ASSERT_EQ(r["rules"].size(), 2u);
  EXPECT_EQ(r["rules"][0]["rule"], "camera_down");
  EXPECT_EQ(r["rules"][0]["recovered"], 1);
  EXPECT_EQ(r["rules"][0]["hit_rate"], 1.0);
  EXPECT_EQ(r["rules"][0]["median_recovery_min"], 0.3);  // 15 s
  EXPECT_EQ(r["rules"][1]["staffing"]["short_handed"], 1);
  EXPECT_EQ(r["rules"][1]["staffing"]["staff_came"], 1);
  EXPECT_EQ(r["rules"][1]["persisted"], 1);
  EXPECT_EQ(r["rules"][1]["hit_rate"], 0.0);
  EXPECT_EQ(r["totals"]["hit_rate"], 0.5);
  EXPECT_EQ(service->stats().reviews_sent, 1);
  // Nothing changed: the next tick sends no second revision.
  clock.now += std::chrono::minutes(1);
  service->tick();
  EXPECT_TRUE(on(drain(), "/metrics/review/week").empty());
}

TEST_F(analytics_service_test, a_restart_resumes_a_firing_alert_and_a_changed_rule_ends_it) {
  append(g.events);
  service->update(g.rules, {camera_rule()}, analytics_service_options_for(config::defaults()));
  std::optional<core::utc_time> offline_since = at("2026-11-24T10:50:00Z");
  service->alert_context_from([&] { return alert_context{{{"door", offline_since}}, 0}; });
  clock.now = at("2026-11-24T11:00:00Z");
  service->tick();
  const auto fired = on(drain(), "/alerts");
  ASSERT_EQ(fired.size(), 1u);
  const auto id = fired[0].payload["id"];
  service.reset();  // the agent restarts, the camera still down
  const auto log = std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
  const auto restart = [&](std::vector<config::alert_rule_config> rules, const char* boot) {
    auto s = std::make_unique<analytics_service>(io.get_executor(), store, aggregates, runs, journal, boot, clock.now,
                                                 out, topics, clock, g.zone, g.rules, rules, g.store,
                                                 analytics_service_options_for(config::defaults()), log);
    s->alert_context_from([&] { return alert_context{{{"door", offline_since}}, 0}; });
    return s;
  };
  clock.now = at("2026-11-24T11:05:00Z");
  auto second = restart({camera_rule()}, "boot-2");
  second->tick();
  EXPECT_TRUE(on(drain(), "/alerts").empty());  // still firing: not announced again
  ASSERT_EQ(second->active_alerts().size(), 1u);
  EXPECT_EQ(second->active_alerts()[0].id, id.get<std::string>());
  // The technician raises the threshold while the box is off: the old alert ends as such.
  second.reset();
  clock.now = at("2026-11-24T11:10:00Z");
  auto third = restart({camera_rule(30)}, "boot-3");
  third->tick();
  const auto ended = on(drain(), "/alerts");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].payload["id"], id);
  EXPECT_EQ(ended[0].payload["state"], "resolved");
  EXPECT_EQ(ended[0].payload["resolution"], "rule_changed");
  const auto j = journaled(journal);
  EXPECT_EQ(j.at("camera_down").outcome, "unjudged");
  EXPECT_TRUE(j.at("camera_down").settled());
  // Changed live (a reload) it ends the same way: the new rule fires afresh first.
  clock.now = at("2026-11-24T11:25:00Z");
  third->tick();
  const auto refired = on(drain(), "/alerts");
  ASSERT_EQ(refired.size(), 1u);
  EXPECT_NE(refired[0].payload["id"], id);
  third->update(g.rules, {camera_rule(10)}, analytics_service_options_for(config::defaults()));
  const auto reloaded = on(drain(), "/alerts");
  ASSERT_EQ(reloaded.size(), 1u);
  EXPECT_EQ(reloaded[0].payload["id"], refired[0].payload["id"]);
  EXPECT_EQ(reloaded[0].payload["resolution"], "rule_changed");
}

TEST_F(analytics_service_test, live_carries_the_forecast_from_past_weeks) {
  // Two earlier Tuesdays with the same door traffic; today so far up to 12:00.
  std::vector<core::event> past;
  for (const int weeks : {1, 2})
    for (auto e : g.events)
      if (std::holds_alternative<core::traffic_line_cross>(e.body)) {
        e.id = core::new_event_id();
        e.observed_at -= std::chrono::days(7 * weeks);
        past.push_back(e);
      }
  append(past);
  // The box ran on those days (history the cameras did not see would not be learned from).
  for (const int weeks : {1, 2})
    runs.touch("old-" + std::to_string(weeks), at("2026-11-23T23:00:00Z") - std::chrono::days(7 * weeks),
               at("2026-11-24T23:00:00Z") - std::chrono::days(7 * weeks));
  std::vector<core::event> so_far;
  for (const auto& e : g.events)
    if (e.observed_at < at("2026-11-24T11:00:00Z")) so_far.push_back(e);
  append(so_far);
  clock.now = at("2026-11-24T11:00:00Z");
  service->tick();
  const auto live = on(drain(), "/live");
  ASSERT_EQ(live.size(), 1u);
  const auto& f = live[0].payload["forecast"];
  EXPECT_EQ(f["weeks_used"], 2);
  EXPECT_EQ(f["hours"][0][0], "12:00");
  EXPECT_EQ(f["hours"][0][1], 4.0);  // the past Tuesdays had 4 visitors at 12:00, and today runs as usual
  ASSERT_TRUE(service->today_forecast());
  EXPECT_DOUBLE_EQ(service->today_forecast()->scale, 1.0);
}

// `kelu report --json` prints the same document HQ receives on metrics/report/day.
TEST(analytics_schema, golden_reports_follow_the_contract) {
  std::vector<received> reports;
  for (const char* name : {"ordinary_day", "dst_spring", "dst_autumn", "camera_gap", "zero_traffic", "returns_exceed",
                           "double_signon"}) {
    const auto g = golden_day::load(name);
    reports.push_back({"kelu/v1/acme/berlin-01/metrics/report/day",
                       analytics::day_report_json(g.analyse(), g.rules, g.zone, g.store).dump(), false});
  }
  temp_dir dir;
  const auto checked = check_against_schemas(reports, KELU_SOURCE_DIR, dir.path().string());
  if (!checked.available) GTEST_SKIP() << "python3-jsonschema is not installed (scripts/setup installs it)";
  EXPECT_EQ(checked.status, 0) << checked.text;
  EXPECT_NE(checked.text.find("validated 7 analytics"), std::string::npos) << checked.text;
}

// A box that replaced another at 09:00 local (08:00Z): its database is new, so HQ ranks its figures
// above the old box's. It must not send buckets for the hours it knows nothing of (it neither ran
// nor holds an event of them), or HQ would swap the old box's morning for empty hours. A sale it
// was given from the old box's export (kelu ingest) is knowledge: that quarter and hour are sent.
TEST(analytics_replacement_box, sends_nothing_for_the_hours_before_its_database_existed) {
  const auto g = golden_day::load("ordinary_day");
  temp_dir dir;
  {
    auto fresh = sync::database::open({dir.file("k.db"), false}).value();
    ASSERT_EQ(fresh->identity().origin, "created");
    // As a database made at 08:00Z holds it (this machine's clock is not the test's).
    fresh->exec("UPDATE store_identity SET created_at = " +
                std::to_string(core::to_unix_ms(at("2026-11-24T08:00:00Z"))));
  }
  auto db = sync::database::open({dir.file("k.db"), false}).value();
  sync::outbox out{*db};
  sync::topics topics{"acme", "berlin-01"};
  sync::event_store store{*db, out, topics};
  sync::aggregate_store aggregates{*db, out};
  sync::run_log runs{*db};
  sync::alert_journal journal{*db};
  boost::asio::io_context io;
  manual_clock clock;
  clock.now = at("2026-11-24T10:59:30Z");
  std::vector<core::event> history{sale("till1", "export-1", 1250)};
  history[0].observed_at = at("2026-11-24T05:10:00Z");
  ASSERT_TRUE(store.append(history, clock.now, sync::outbox_lane::history));
  analytics_service service{io.get_executor(), store, aggregates, runs, journal, "boot-new", at("2026-11-24T08:00:00Z"),
                            out, topics, clock, g.zone, g.rules, g.cfg.alerts, g.store, analytics_service_options_for(config::defaults()),
                            std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>())};
  service.tick();
  std::vector<std::string> quarters, hours;
  for (const auto& row : out.peek(0, 10'000)) {
    if (row.topic.ends_with("/funnel/quarter")) quarters.push_back(json::parse(row.payload)["start"]);
    if (row.topic.ends_with("/funnel/hour")) hours.push_back(json::parse(row.payload)["start"]);
  }
  for (const auto& row : out.peek_backlog(0, 10'000, 0)) {
    if (row.topic.ends_with("/funnel/quarter")) quarters.push_back(json::parse(row.payload)["start"]);
    if (row.topic.ends_with("/funnel/hour")) hours.push_back(json::parse(row.payload)["start"]);
  }
  std::sort(quarters.begin(), quarters.end());
  std::sort(hours.begin(), hours.end());
  // 05:00Z for the ingested sale, then 08:00Z to 10:30Z (10:45 ends inside the grace period).
  ASSERT_EQ(quarters.size(), 12u) << json(quarters);
  EXPECT_EQ(quarters.front(), "2026-11-24T05:00:00.000Z");
  EXPECT_EQ(quarters[1], "2026-11-24T08:00:00.000Z");
  EXPECT_EQ(quarters.back(), "2026-11-24T10:30:00.000Z");
  EXPECT_EQ(hours, (std::vector<std::string>{"2026-11-24T05:00:00.000Z", "2026-11-24T08:00:00.000Z",
                                             "2026-11-24T09:00:00.000Z"}));
}

}  // namespace
}  // namespace kelu::test
