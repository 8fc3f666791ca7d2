// SPDX-License-Identifier: Apache-2.0
// What recomputing a busy day costs the box, beside the limit measured in the same run:
// reading the same rows out of SQLite. The agent recomputes today on every analytics tick
// (analytics.live_interval_s, 15 s by default): from the decoded events it keeps
// (sync::event_cache), reading only the rows committed since the last tick.
//
// The day is bench/busy_day.hpp's; `analytics_bench 29` makes it 29 times busier (23,200 sales).
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "analytics/report_json.hpp"
#include "analytics/service/analytics_service.hpp"
#include "busy_day.hpp"
#include "raw_sqlite.hpp"
#include "sync/event_cache.hpp"
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

// Bytes the heap has handed out and not had back (glibc), for what the cache holds: resident
// memory would not show it, the decodes before reuse what they freed. Blocks glibc maps on their
// own (hblkhd: a day's vector of events, once it passes the mmap threshold) count too.
std::size_t heap_in_use() {
  const auto m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

}  // namespace

int main(int argc, char** argv) {
  const int scale = argc > 1 ? std::atoi(argv[1]) : 1;
  if (scale < 1 || scale > 1000) {
    std::fprintf(stderr, "usage: analytics_bench [scale 1-1000]\n");
    return 2;
  }
  const auto zone = core::time_zone::load("Asia/Shanghai").value();
  const sys_days day{2026y / 11 / 27};
  const auto start = analytics::local_midnight(day, zone);
  auto events = bench::busy_day(start, scale);
  auto db = sync::database::open({bench::fresh_db("analytics.db").string(), false}).value();
  sync::outbox out{*db};
  sync::event_store store{*db, out, sync::topics("acme", "s1")};
  sync::run_log runs{*db};
  runs.touch("bench", start, start + days(1));
  // The last events of the day arrive later, a few per tick, for the incremental tick below.
  constexpr std::size_t held_back = 100, per_tick = 20;
  std::vector<core::event> later(events.end() - held_back, events.end());
  events.resize(events.size() - held_back);
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
  // A tick as the agent runs it (analyse_cached_day): the day decoded once, then each tick reads
  // the rows committed since (here 20) and analyses the whole day again from memory.
  sync::event_cache cache{store, 4};
  const auto heap_before = heap_in_use();
  const double first = seconds_of([&] { (void)analyse_cached_day(cache, runs, day, zone, rules, now); }, 1);
  const auto held = heap_in_use() - heap_before;
  double ticks = 0;
  for (std::size_t i = 0; i < held_back; i += per_tick) {
    std::vector<core::event> batch(later.begin() + static_cast<std::ptrdiff_t>(i),
                                   later.begin() + static_cast<std::ptrdiff_t>(i + per_tick));
    if (!store.append(batch, start + days(1))) return 1;
    ticks += seconds_of([&] { a = analyse_cached_day(cache, runs, day, zone, rules, now); }, 1);
  }
  const double tick = ticks / static_cast<double>(held_back / per_tick);
  std::printf("  cached: first tick        %8.1f ms  %5.2fx the limit (decodes the day once)\n", first * 1e3,
              first / read);
  std::printf("  cached: tick, %zu new rows %7.1f ms  %5.2fx the limit (%lld events held, %lld decoded in all)\n",
              per_tick, tick * 1e3, tick / read, static_cast<long long>(cache.stats().events_held),
              static_cast<long long>(cache.stats().rows_decoded));
  std::printf("  cached: the day's decoded events hold %.1f MB of heap\n", static_cast<double>(held) / 1e6);
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
