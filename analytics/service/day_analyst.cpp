// SPDX-License-Identifier: Apache-2.0
#include "day_analyst.hpp"

#include "analytics/service/analytics_service.hpp"
#include "sync/database.hpp"
#include "sync/event_store.hpp"
#include "sync/outbox.hpp"
#include "sync/run_log.hpp"
#include "sync/topics.hpp"

namespace kelu::analytics {

using namespace std::chrono;

// The reading side's own SQLite objects; the outbox is there because the event store takes one,
// and is never written through.
struct day_analyst::connection {
  std::unique_ptr<sync::database> db;
  sync::outbox out;
  sync::event_store events;
  sync::run_log runs;
  connection(std::unique_ptr<sync::database> d, const sync::topics& t)
      : db(std::move(d)), out(*db), events(*db, out, t), runs(*db) {}
};

day_analyst::day_analyst(sync::event_store& events, sync::run_log& runs)
    : events_(events), runs_(runs), days_(events, 2) {}

day_analyst::day_analyst(std::unique_ptr<connection> own)
    : own_(std::move(own)), events_(own_->events), runs_(own_->runs), days_(events_, 2) {}

day_analyst::~day_analyst() = default;

core::result<std::unique_ptr<day_analyst>> day_analyst::open(const std::string& path, const sync::topics& topics) {
  auto db = sync::database::open({path, false});
  if (!db) return core::error{"analytics' own connection to " + path + ": " + db.error_message()};
  return std::unique_ptr<day_analyst>(new day_analyst(std::make_unique<connection>(std::move(db).value(), topics)));
}

day_result day_analyst::analyse(const day_request& r) {
  day_result out;
  out.day = r.day;
  out.rule_version = r.rules.version();
  try {
    if (before_) before_();
    auto a = analyse_cached_day(days_, runs_, r.day, r.zone, r.rules, r.now, &out.undecodable);
    out.analysis = std::move(a);
    render_closed(r, out);
    if (r.today) {
      refresh_history(r, out.analysis->rule_version);
      out.ahead = forecast_today(*out.analysis, history_, r.zone, r.rules, r.forecast);
    }
  } catch (const std::exception& ex) {
    out.analysis.reset();
    out.closed.clear();
    out.error = ex.what();
  }
  return out;
}

void day_analyst::render_closed(const day_request& r, day_result& out) const {
  const auto& a = *out.analysis;
  const auto passed = [&](const bucket& b) { return b.end + r.close_grace <= r.now; };
  for (const auto* period : {&a.quarters, &a.hours})
    for (const auto& b : *period)
      if (passed(b))
        out.closed.push_back({"funnel." + b.period, b.start, b.end, b.trace.count(),
                              bucket_json(b, a, r.rules, r.zone, r.store)});
  if (a.until >= a.end && passed(a.whole)) {
    const auto traced = a.whole.trace.count();
    out.closed.push_back({"funnel.day", a.whole.start, a.whole.end, traced,
                          bucket_json(a.whole, a, r.rules, r.zone, r.store)});
    out.closed.push_back({"report.day", a.whole.start, a.whole.end, traced, day_report_json(a, r.rules, r.zone, r.store)});
  }
}

// History for the forecast: the same weekdays of past weeks, gathered once a day (and again when
// the rules change): each is a stored day read and analysed whole.
void day_analyst::refresh_history(const day_request& r, const std::string& rule_version) {
  if (history_day_ == r.day && history_rules_ == rule_version) return;
  history_ = forecast_history(events_, runs_, r.day, r.zone, r.rules, r.forecast.weeks);
  history_day_ = r.day;
  history_rules_ = rule_version;
}

}  // namespace kelu::analytics
