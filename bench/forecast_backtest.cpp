// SPDX-License-Identifier: Apache-2.0
// Backtest of the traffic forecast (kelu::analytics::forecast_today) on 26 weeks of hourly
// door counts, beside two naive forecasts: the same hour last week, and the weeks' median
// without today's scaling. Prints WAPE (Σ|forecast − actual| ÷ Σ actual) and MAPE (hours
// with at least 5 visitors) for the rest of the day from 12:00, 15:00 and 18:00.
//
// The history is synthetic (no multi-week store counts ship with the project): weekday levels,
// a lunch and an evening peak, a slow trend, day-level shocks (weather, promotions: lognormal,
// σ 0.25, and one day in twenty at 1.6×) and Poisson noise per hour, seed fixed. It goes through
// the real pipeline: line-crossing events -> analyse_day -> hourly buckets -> forecast.
#include <cmath>
#include <cstdio>
#include <random>

#include "analytics/forecast.hpp"

using namespace kelu;
using namespace std::chrono;

namespace {

constexpr int history_weeks = 26;
constexpr int test_weeks = 8;

double level(weekday wd) {
  constexpr double by_day[] = {1.25, 0.8, 0.85, 0.9, 0.95, 1.2, 1.6};  // Sunday first
  return by_day[wd.c_encoding()];
}

// Visitors per hour on an ordinary weekday at level 1 (open 10-22).
double profile(int hour) {
  if (hour < 10 || hour >= 22) return 0;
  const double lunch = 40 * std::exp(-std::pow(hour - 12.5, 2) / 2);
  const double evening = 55 * std::exp(-std::pow(hour - 18.5, 2) / 3);
  return 25 + lunch + evening;
}

struct totals {
  double abs_err = 0, actual = 0, ape = 0;
  int ape_n = 0;
  void add(double f, double a) {
    abs_err += std::abs(f - a);
    actual += a;
    if (a >= 5) {
      ape += std::abs(f - a) / a;
      ++ape_n;
    }
  }
  double wape() const { return actual > 0 ? abs_err / actual : 0; }
  double mape() const { return ape_n ? ape / ape_n : 0; }
};

}  // namespace

int main() {
  const auto zone = core::time_zone::load("Europe/Berlin").value();
  analytics::funnel_rules rules;
  rules.currency = "EUR";
  rules.opening = analytics::weekly_hours::parse("daily 10:00-22:00", false).value();
  rules.line_roles[{"door", "entrance"}] = analytics::line_role::entrance;
  std::mt19937_64 rng(20261127);
  std::lognormal_distribution<double> shock(0, 0.25);
  std::bernoulli_distribution promo(0.05);

  const sys_days first = sys_days{2026y / 3 / 2};  // a Monday; the span crosses both DST changes
  std::vector<analytics::day_analysis> days_seen;
  std::vector<analytics::hour_observation> history;
  std::int64_t seq = 0, events_total = 0;
  for (int d = 0; d < history_weeks * 7; ++d) {
    const sys_days day = first + days{d};
    const double day_factor = level(weekday{day}) * (1 + 0.005 * d / 7.0) * shock(rng) * (promo(rng) ? 1.6 : 1.0);
    std::vector<core::event> events;
    const auto start = analytics::local_midnight(day, zone);
    for (int hour = 0; hour < 24; ++hour) {
      std::poisson_distribution<int> n(profile(hour) * day_factor);
      const int people = profile(hour) > 0 ? n(rng) : 0;
      for (int i = 0; i < people; ++i) {
        core::event e;
        e.source = "camera-door";
        e.seq = ++seq;
        e.observed_at = start + hours{hour} + milliseconds(3'600'000LL * i / std::max(1, people));
        e.body = core::traffic_line_cross{"door", "entrance", core::crossing_direction::in, seq};
        events.push_back(std::move(e));
      }
    }
    events_total += static_cast<std::int64_t>(events.size());
    auto a = analytics::analyse_day(day, zone, rules, events, core::utc_time::max());
    for (const auto& o : analytics::observe_hours(a, zone, rules)) history.push_back(o);
    days_seen.push_back(std::move(a));
  }

  std::printf("forecast backtest: %d weeks of synthetic hourly door counts (%lld visitors), last %d weeks tested\n",
              history_weeks, static_cast<long long>(events_total), test_weeks);
  std::printf("%-6s %18s %18s %18s %8s\n", "from", "forecast WAPE/MAPE", "last week W/M", "unscaled W/M", "ratio");
  for (const int cutoff : {12, 15, 18}) {
    totals ours, last_week, unscaled;
    for (int d = (history_weeks - test_weeks) * 7; d < history_weeks * 7; ++d) {
      const auto& full = days_seen[static_cast<std::size_t>(d)];
      // Today as it looked at the cutoff: the hours before it are all the forecast reads.
      const auto now = full.start + hours{cutoff};
      analytics::day_analysis today = full;
      today.until = now;
      std::erase_if(today.hours, [&](const analytics::bucket& b) { return b.start >= now; });
      const auto f = analytics::forecast_today(today, history, zone, rules, {6, 20});
      for (const auto& h : f.hours) {
        if (h.start < now) continue;
        const auto actual = static_cast<double>(
            full.hours[static_cast<std::size_t>(duration_cast<hours>(h.start - full.start).count())].store.entries);
        if (profile(h.hour) == 0) continue;  // closed hours are trivially zero
        ours.add(h.visitors, actual);
        unscaled.add(f.scale != 0 ? h.visitors / f.scale : 0, actual);
        const auto& prev = days_seen[static_cast<std::size_t>(d - 7)];
        last_week.add(static_cast<double>(
                          prev.hours[static_cast<std::size_t>(duration_cast<hours>(h.start - full.start).count())]
                              .store.entries),
                      actual);
      }
    }
    char label[8];
    std::snprintf(label, sizeof label, "%02d:00", cutoff);
    std::printf("%-6s %8.1f%% /%6.1f%% %8.1f%% /%6.1f%% %8.1f%% /%6.1f%% %8.2f\n", label, 100 * ours.wape(),
                100 * ours.mape(), 100 * last_week.wape(), 100 * last_week.mape(), 100 * unscaled.wape(),
                100 * unscaled.mape(), ours.wape() / last_week.wape());
  }
  std::printf("ratio: forecast WAPE / same-hour-last-week WAPE (below 1 is better than the naive forecast)\n");
  return 0;
}
