// SPDX-License-Identifier: Apache-2.0
#include "dashboard_view.hpp"

#include "analytics/weekly_hours.hpp"
#include "analytics/service/analytics_service.hpp"
#include "agent/audit_service.hpp"
#include "core/health_json.hpp"
#include "core/time.hpp"
#include "dashboard/prometheus.hpp"
#include "sync/event_store.hpp"
#include "config/schema.hpp"

namespace kelu {

using nlohmann::json;

dashboard_view::dashboard_view(analytics::analytics_service& analytics, sync::event_store& store, sync::run_log& runs,
                               const core::time_zone& zone, analytics::store_identity identity,
                               const core::clock& clock, std::function<core::agent_health()> health,
                               const config::config& cfg, const camera_registry& cameras,
                               const audit_service* audits)
    : analytics_(analytics),
      store_(store),
      runs_(runs),
      zone_(zone),
      identity_(std::move(identity)),
      clock_(clock),
      health_(std::move(health)),
      cfg_(cfg),
      cameras_(cameras),
      audits_(audits) {}

json dashboard_view::today() {
  json j{{"store",
          {{"tenant", identity_.tenant},
           {"id", identity_.id},
           {"name", identity_.name},
           {"currency", identity_.currency},
           {"time_zone", zone_.name()}}}};
  const auto& t = analytics_.today();
  j["ready"] = t.has_value();  // false until the first analytics tick after start
  if (!t) return j;
  const auto& rules = analytics_.rules();
  j["as_of"] = core::format_iso8601(t->until);
  j["live"] = analytics::live_json(*t, analytics_.today_forecast(), rules, zone_, identity_);
  j["report"] = analytics::day_report_json(*t, rules, zone_, identity_);
  json alerts = json::array();
  for (const auto& a : analytics_.active_alerts()) alerts.push_back(analytics::alert_json(a, identity_));
  j["alerts"] = std::move(alerts);
  // What became of this week's alerts, and last week's for a Monday morning (a few rows each),
  // and the audited accuracy: read from SQLite, so a failing disk leaves them out, never the page.
  try {
    const auto monday = analytics::week_monday(t->day);
    j["review"] = analytics::review_json(analytics_.review(monday), zone_, identity_);
    j["last_review"] = analytics::review_json(analytics_.review(monday - std::chrono::days{7}), zone_, identity_);
    if (audits_) j["audits"] = audits_->audited_lines();
  } catch (const std::exception& e) {
    j["unavailable"] = std::string("review and audits: ") + e.what();
  }
  return j;
}

json dashboard_view::health() {
  const auto& s = analytics_.stats();
  json j = core::to_json(health_());
  j["analytics"] = {{"last_compute_ms", s.last_compute_ms},
                    {"longest_compute_ms", s.longest_compute_ms},
                    {"longest_hold_ms", s.longest_hold_ms},
                    {"undecodable_events", s.undecodable_events},
                    {"closed_until", s.closed_until ? json(core::format_iso8601(*s.closed_until)) : json()}};
  return j;
}

core::result<json> dashboard_view::events(std::string_view day_text, std::string_view hour) {
  const auto day = analytics::parse_day(day_text);
  if (!day) return core::error{"day: " + std::string(day_text.substr(0, 32)) + ": " + day.error_message()};
  const auto& today = analytics_.today();
  std::optional<std::vector<core::event>> events;
  if (today && today->day == *day) {
    events = events_behind_hour(store_, *today, zone_, hour);
  } else {
    // Another day: analysed from the store, as `kelu report --day` does (a busy day: ~0.1 s).
    const auto a = analyse_stored_day(store_, runs_, *day, zone_, analytics_.rules(), clock_.now_utc());
    events = events_behind_hour(store_, a, zone_, hour);
  }
  if (!events)
    return core::error{"hour: no hour \"" + std::string(hour.substr(0, 16)) + "\" on " + std::string(day_text) +
                       " (HH:MM, local, on the hour)"};
  json list = json::array();
  for (const auto& e : *events) list.push_back(json::parse(core::encode(e)));
  return json{{"day", std::string(day_text)}, {"hour", std::string(hour)}, {"events", std::move(list)}};
}

core::result<json> dashboard_view::buckets(std::string_view day_text) {
  const auto day = analytics::parse_day(day_text);
  if (!day) return core::error{"day: " + std::string(day_text.substr(0, 32)) + ": " + day.error_message()};
  const auto& today = analytics_.today();
  const auto& rules = analytics_.rules();
  const auto hours_of = [&](const analytics::day_analysis& a) {
    return json{{"day", analytics::format_day(a.day)},
                {"currency", identity_.currency},
                {"hours", analytics::day_report_json(a, rules, zone_, identity_)["hours"]}};
  };
  if (today && today->day == *day) return hours_of(*today);
  if (*day > analytics::local_day(clock_.now_utc(), zone_))
    return core::error{"day: " + std::string(day_text) + " is in the future"};
  return hours_of(analyse_stored_day(store_, runs_, *day, zone_, rules, clock_.now_utc()));
}

json dashboard_view::heatmap() {
  const auto now = clock_.now_utc();
  const auto day = analytics::local_day(now, zone_);
  const auto from = analytics::local_midnight(day, zone_);
  const auto to = analytics::local_midnight(day + std::chrono::days(1), zone_);
  // An hour's tile is observed when it closes, so the day's last one at `to` itself; the hour in
  // progress comes from the running cameras.
  auto tiles = store_.observed_between({"heatmap.tile"}, from, to + std::chrono::seconds(1));
  std::sort(tiles.begin(), tiles.end(), [](const auto& a, const auto& b) { return a.observed_at < b.observed_at; });
  json cameras = json::array();
  for (const auto& cam : cfg_.cameras) {
    json c = config::geometry_json(cam);
    c["camera"] = cam.id;
    std::vector<std::int64_t> cells;
    std::int64_t cols = 0, rows = 0, width = 0, height = 0, hours = 0;
    std::optional<core::utc_time> until;
    for (const auto& e : tiles) {
      const auto* t = std::get_if<core::heatmap_tile>(&e.body);
      if (t == nullptr || t->camera != cam.id || t->period != "hour" || t->start < from || t->start >= to) continue;
      if (t->cols != cols || t->rows != rows) {
        // The grid changed during the day (heat_cols/heat_rows): the newest grid's hours only.
        cols = t->cols;
        rows = t->rows;
        cells.assign(static_cast<std::size_t>(cols * rows), 0);
        hours = 0;
      }
      if (t->cells_ds.size() != cells.size()) continue;
      for (std::size_t i = 0; i < cells.size(); ++i) cells[i] += t->cells_ds[i];
      width = t->frame_width;
      height = t->frame_height;
      ++hours;
      until = until ? std::max(*until, t->end) : t->end;
    }
    // The hour in progress, from the running camera.
    for (auto* control : cameras_.all()) {
      if (control->camera_id() != cam.id) continue;
      const auto n = control->counts();
      if (n.heat_s.empty() || (cols != 0 && (n.heat_cols != cols || n.heat_rows != rows))) continue;
      if (cols == 0) {
        cols = n.heat_cols;
        rows = n.heat_rows;
        cells.assign(n.heat_s.size(), 0);
      }
      for (std::size_t i = 0; i < cells.size() && i < n.heat_s.size(); ++i) cells[i] += std::llround(n.heat_s[i] * 10);
      width = n.frame_width;
      height = n.frame_height;
      until = now;
    }
    c["cols"] = cols;
    c["rows"] = rows;
    c["frame"] = width > 0 ? json::array({width, height}) : json();
    c["hours"] = hours;
    c["until"] = until ? json(core::format_iso8601(*until)) : json();
    c["cells_ds"] = cells;
    cameras.push_back(std::move(c));
  }
  return {{"day", analytics::format_day(day)}, {"time_zone", zone_.name()}, {"cameras", std::move(cameras)}};
}

std::string dashboard_view::metrics() {
  std::vector<dashboard::gauge> extra;
  if (const auto& t = analytics_.today()) {
    const auto& f = t->whole.store;
    extra.push_back({"kelu_today_visitors", "Visitors today so far (entrance line crossings in)",
                     static_cast<double>(f.entries)});
    extra.push_back({"kelu_today_transactions", "Sales transactions today so far", static_cast<double>(f.transactions)});
    extra.push_back({"kelu_today_net_sales_minor", "Net sales today so far, in minor units of the store's currency",
                     static_cast<double>(f.sales_minor - f.returns_minor)});
  }
  extra.push_back({"kelu_analytics_compute_milliseconds", "Time the last analytics tick took",
                   static_cast<double>(analytics_.stats().last_compute_ms)});
  return dashboard::prometheus_text(health_(), extra);
}

}  // namespace kelu
