// SPDX-License-Identifier: Apache-2.0
#include "report_command.hpp"

#include <cmath>
#include <iostream>

#include "analytics/service/analytics_service.hpp"
#include "sync/local_store.hpp"

namespace kelu::cli {

int run_report(const config::config& c, const report_options& o, std::ostream& out, std::ostream& err) {
  auto zone = core::time_zone::load(c.store.time_zone);
  if (!zone) {
    err << "store.time_zone: " << zone.error_message() << "\n";
    return 2;
  }
  auto rules = analytics::rules_for(c);
  if (!rules) {
    err << rules.error_message() << "\n";
    return 2;
  }
  const auto now = o.now ? *o.now : std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  auto day = analytics::local_day(now, *zone);
  if (!o.day.empty()) {
    auto parsed = analytics::parse_day(o.day);
    if (!parsed) {
      err << "--day: " << parsed.error_message() << "\n";
      return 2;
    }
    day = *parsed;
  }
  const auto path = o.database.empty() ? c.storage.path : o.database;
  try {
    auto opened = sync::local_store::open(path, false, c.store.tenant, c.store.id);
    if (!opened) {
      err << opened.error_message() << "\n";
      return 2;
    }
    auto& store = *opened->events;
    auto& runs = *opened->runs;
    std::int64_t undecodable = 0;
    const auto a = analyse_stored_day(store, runs, day, *zone, *rules, now, &undecodable);
    if (!o.events_of.empty()) {
      const auto events = events_behind_hour(store, a, *zone, o.events_of);
      if (!events) {
        err << "--events: no hour " << o.events_of << " on " << analytics::format_day(day) << " (HH:MM, local)\n";
        return 2;
      }
      for (const auto& e : *events) out << core::encode(e) << "\n";
      return 0;
    }
    const analytics::store_identity id{c.store.tenant, c.store.id, c.store.name, c.store.currency};
    // Today's report looks ahead too: the forecast for the hours still to come.
    std::optional<analytics::forecast> ahead;
    if (a.until < a.end) {
      const auto fo = analytics::analytics_service_options_for(c).forecast;
      ahead = analytics::forecast_today(a, forecast_history(store, runs, day, *zone, *rules, fo.weeks), *zone, *rules, fo);
    }
    if (o.json) {
      auto j = analytics::day_report_json(a, *rules, *zone, id);
      if (ahead) j["forecast"] = analytics::forecast_json(*ahead, *zone);
      out << j.dump(2) << "\n";
    } else {
      out << analytics::day_report_text(a, *rules, *zone, id);
      if (ahead && !ahead->hours.empty()) {
        out << "\nforecast (" << ahead->weeks_used << " past weeks, today running at " << ahead->scale
            << "x): " << static_cast<std::int64_t>(std::lround(ahead->rest_of_day)) << " more visitors\n";
        for (const auto& h : ahead->hours)
          out << "  " << analytics::local_hhmm(h.start, *zone) << "  " << std::lround(h.visitors)
              << " visitors, staff " << h.staff_needed << "\n";
      }
    }
    if (undecodable > 0) err << "warning: " << undecodable << " stored events could not be read and were skipped\n";
  } catch (const std::exception& ex) {
    err << "report: " << path << ": " << ex.what() << "\n";
    return 2;
  }
  return 0;
}

}  // namespace kelu::cli
