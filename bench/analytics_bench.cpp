// What recomputing a busy day costs the box, beside the limit measured in the same run:
// reading the same rows out of SQLite. The agent recomputes today on every analytics tick
// (analytics.live_interval_s, 15 s by default), so this is its steady analytics load.
//
// A busy store day, open 10-22: 4,000 visitors in and out through two door cameras, 1,500
// zone visits, occupancy every minute per camera, 800 sales of 3 lines, associates signing on.
#include <chrono>
#include <cstdio>
#include <algorithm>
#include <random>

#include "agent/analytics/report_json.hpp"
#include "agent/analytics_service.hpp"
#include "raw_sqlite.hpp"
#include "sync/event_store.hpp"
#include "sync/outbox.hpp"
#include "sync/run_log.hpp"
#include "sync/topics.hpp"

using namespace kelu;
using namespace std::chrono;
using clk = steady_clock;

namespace {

double seconds_of(const std::function<void()>& f, int repeat) {
  const auto t0 = clk::now();
  for (int i = 0; i < repeat; ++i) f();
  return duration<double>(clk::now() - t0).count() / repeat;
}

}  // namespace

int main() {
  const auto zone = core::time_zone::load("Asia/Shanghai").value();
  const sys_days day{2026y / 11 / 27};
  const auto start = analytics::local_midnight(day, zone);
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> in_day(10 * 3'600'000LL, 22 * 3'600'000LL - 1);
  std::vector<core::event> events;
  const auto make = [&](const std::string& source, core::utc_time t, core::payload body) {
    core::event e;
    e.id = core::new_event_id();
    e.store = "s1";
    e.source = source;
    e.stream = source.starts_with("camera") ? "traffic" : "pos";
    e.observed_at = t;
    e.received_at = t;
    e.body = std::move(body);
    events.push_back(std::move(e));
  };
  for (int i = 0; i < 4000; ++i) {
    const auto cam = i % 2 ? std::string("door-a") : std::string("door-b");
    make("camera-" + cam, start + milliseconds(in_day(rng)), core::traffic_line_cross{cam, "entrance", core::crossing_direction::in, i});
    make("camera-" + cam, start + milliseconds(in_day(rng)), core::traffic_line_cross{cam, "entrance", core::crossing_direction::out, i});
  }
  for (int i = 0; i < 1500; ++i) {
    const auto t = start + milliseconds(in_day(rng));
    make("camera-door-a", t, core::traffic_zone_dwell{"door-a", i % 3 ? "promo" : "shoes", i, t - seconds(40), 40000, true});
  }
  for (int m = 0; m < 24 * 60; ++m)
    for (const char* cam : {"door-a", "door-b"})
      make(std::string("camera-") + cam, start + minutes(m), core::traffic_occupancy{cam, {{"promo", m % 7}, {"shoes", m % 3}}});
  for (int i = 0; i < 800; ++i) {
    core::pos_transaction tx;
    tx.terminal = "T" + std::to_string(i % 4);
    tx.transaction_id = std::to_string(i);
    tx.business_day = "2026-11-27";
    tx.operator_id = "op" + std::to_string(i % 6);
    tx.currency = "CNY";
    for (int k = 0; k < 3; ++k) tx.items.push_back({"SKU" + std::to_string((i * 7 + k) % 300), "item", "", 1000, 2500, 2500, 0, ""});
    tx.total_minor = 7500;
    make("pos-tcp", start + milliseconds(in_day(rng)), tx);
  }
  for (int o = 0; o < 6; ++o) {
    make("pos-tcp", start + hours(10), core::pos_operator{"T" + std::to_string(o % 4), "s" + std::to_string(o), "2026-11-27",
                                                          "op" + std::to_string(o), "", core::pos_operator_action::sign_on, ""});
  }

  // Sources number their events in the order things happen, as the agent stores them.
  std::sort(events.begin(), events.end(),
            [](const core::event& x, const core::event& y) { return x.observed_at < y.observed_at; });
  auto db = sync::database::open({bench::fresh_db("analytics.db").string(), false}).value();
  sync::outbox out{*db};
  sync::event_store store{*db, out, sync::topics("acme", "s1")};
  sync::run_log runs{*db};
  runs.touch("bench", start, start + days(1));
  if (!store.append(events, start + days(1))) return 1;

  analytics::funnel_rules rules;
  rules.currency = "CNY";
  rules.opening = analytics::weekly_hours::parse("daily 10:00-22:00", false).value();
  for (const char* cam : {"door-a", "door-b"}) rules.line_roles[{cam, "entrance"}] = analytics::line_role::entrance;
  const std::vector<std::string> types{"pos.transaction", "pos.operator", "traffic.line_cross", "traffic.zone_dwell",
                                       "traffic.occupancy"};
  const auto now = start + days(1);  // the day has closed
  std::size_t rows = 0;
  const double read = seconds_of(
      [&] {
        sync::statement st{db->handle(),
                           "SELECT body FROM events WHERE type IN (?,?,?,?,?) AND observed_at >= ? AND observed_at < ?"};
        int i = 1;
        for (const auto& t : types) st.bind(i++, t);
        st.bind(6, core::to_unix_ms(start));
        st.bind(7, core::to_unix_ms(start + days(1)));
        rows = 0;
        while (st.step()) rows += st.column_text(0).empty() ? 0u : 1u;
      },
      5);
  const double decode = seconds_of([&] { (void)store.observed_between(types, start, start + days(1)); }, 5);
  analytics::day_analysis a;
  const double analyse = seconds_of([&] { a = analyse_stored_day(store, runs, day, zone, rules, now); }, 5);
  std::printf("analytics bench: one busy day, %zu events read (%lld visitors, %lld sales)\n", rows,
              static_cast<long long>(a.whole.store.entries), static_cast<long long>(a.whole.store.transactions));
  std::printf("  read rows (limit)        %8.1f ms\n", read * 1e3);
  std::printf("  read + decode            %8.1f ms  %5.2fx the limit\n", decode * 1e3, decode / read);
  std::printf("  analyse_stored_day       %8.1f ms  %5.2fx the limit\n", analyse * 1e3, analyse / read);
  std::printf("  per 15 s tick: %.1f %% of one core\n", 100 * analyse / 15.0);
  // What closing sends and stores for the day, and what comparing it with the stored rows costs
  // (the agent renders every closed bucket of today each tick to tell a revision).
  const analytics::store_identity id{"acme", "s1", "bench", "CNY"};
  std::size_t bytes = 0;
  const double render = seconds_of(
      [&] {
        bytes = 0;
        for (const auto* period : {&a.quarters, &a.hours})
          for (const auto& b : *period) bytes += analytics::bucket_json(b, a, rules, zone, id).dump().size();
        bytes += analytics::bucket_json(a.whole, a, rules, zone, id).dump().size();
        bytes += analytics::day_report_json(a, rules, zone, id).dump().size();
      },
      5);
  std::printf("  a closed day's aggregates: %zu buckets and the report, %.0f KB; rendering them %.1f ms\n",
              a.quarters.size() + a.hours.size() + 1, static_cast<double>(bytes) / 1024.0, render * 1e3);
  return 0;
}
