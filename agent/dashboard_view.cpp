#include "dashboard_view.hpp"

#include "agent/analytics/weekly_hours.hpp"
#include "agent/analytics_service.hpp"
#include "agent/core/health_json.hpp"
#include "agent/core/time.hpp"
#include "agent/dashboard/prometheus.hpp"

namespace kelu {

using nlohmann::json;

dashboard_view::dashboard_view(analytics_service& analytics, sync::event_store& store, sync::run_log& runs,
                               const core::time_zone& zone, analytics::store_identity identity,
                               const core::clock& clock, std::function<core::agent_health()> health)
    : analytics_(analytics),
      store_(store),
      runs_(runs),
      zone_(zone),
      identity_(std::move(identity)),
      clock_(clock),
      health_(std::move(health)) {}

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
  return j;
}

json dashboard_view::health() {
  const auto& s = analytics_.stats();
  json j = core::to_json(health_());
  j["analytics"] = {{"last_compute_ms", s.last_compute_ms},
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
