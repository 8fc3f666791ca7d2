#include "report_json.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "agent/core/money.hpp"

namespace kelu::analytics {

namespace {

using nlohmann::json;

json rounded(const std::optional<double>& v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  return std::round(*v * 10000.0) / 10000.0;
}

json optional_int(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); }

json trace_json(const seq_ranges& t) {
  json a = json::array();
  for (const auto& r : t.ranges()) a.push_back({{"source", r.source}, {"first", r.first}, {"last", r.last}});
  return a;
}

json camera_json(const figures& f, const funnel_rules& rules) {
  return {{"entries", f.entries},
          {"exits", f.exits},
          {"passersby", f.passersby},
          {"engaged", f.engaged},
          {"occupancy_peak", f.occupancy_peak},
          {"covered_ms", f.covered_ms},
          {"span_ms", f.span_ms},
          {"coverage", rounded(derive(f, rules, true).coverage)}};
}

json zone_json(const figures& f, const funnel_rules& rules) {
  return {{"visits", f.zone_visits},
          {"engaged", f.engaged},
          {"dwell_ms", f.dwell_ms},
          {"avg_dwell_s", rounded(derive(f, rules, true).avg_dwell_s)},
          {"occupancy_peak", f.occupancy_peak}};
}

std::string money_text(std::int64_t minor, const std::string& currency) {
  const int digits = core::minor_digits(currency);
  std::int64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  const auto whole = (minor < 0 ? -minor : minor) / scale;
  const auto frac = (minor < 0 ? -minor : minor) % scale;
  char buf[64];
  if (digits == 0)
    std::snprintf(buf, sizeof buf, "%s%lld", minor < 0 ? "-" : "", static_cast<long long>(whole));
  else
    std::snprintf(buf, sizeof buf, "%s%lld.%0*lld", minor < 0 ? "-" : "", static_cast<long long>(whole), digits,
                  static_cast<long long>(frac));
  return buf;
}

std::string percent_text(const std::optional<double>& v) {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", *v * 100.0);
  return buf;
}

}  // namespace

json figures_json(const figures& f, const funnel_rules& rules, bool has_door_camera) {
  const auto d = derive(f, rules, has_door_camera);
  return {{"visitors", f.entries},
          {"exits", f.exits},
          {"passersby", f.passersby},
          {"engaged", f.engaged},
          {"occupancy_peak", f.occupancy_peak},
          {"transactions", f.transactions},
          {"items_milli", f.items_milli},
          {"sales_minor", f.sales_minor},
          {"returns", f.returns},
          {"returns_minor", f.returns_minor},
          {"net_sales_minor", d.net_sales_minor},
          {"voids", f.voids},
          {"other_currency_transactions", f.other_currency},
          {"zone_visits", f.zone_visits},
          {"dwell_ms", f.dwell_ms},
          {"staff_ms", f.staff_ms},
          {"span_ms", f.span_ms},
          {"covered_ms", f.covered_ms},
          {"open_ms", f.open_ms},
          {"conversion", rounded(d.conversion)},
          {"engaged_rate", rounded(d.engaged_rate)},
          {"atv_minor", optional_int(d.atv_minor)},
          {"upt", rounded(d.upt)},
          {"sales_per_visitor_minor", optional_int(d.sales_per_visitor_minor)},
          {"star", rounded(d.star)},
          {"coverage", rounded(d.coverage)},
          {"avg_dwell_s", rounded(d.avg_dwell_s)},
          {"flags", d.flags}};
}

json bucket_json(const bucket& b, const day_analysis& day, const funnel_rules& rules, const core::time_zone& zone,
                 const store_identity& store) {
  json cameras = json::object();
  for (const auto& [id, f] : b.cameras) cameras[id] = camera_json(f, rules);
  json zones = json::object();
  for (const auto& [id, f] : b.zones) zones[id] = zone_json(f, rules);
  return {{"kind", "funnel." + b.period},
          {"tenant", store.tenant},
          {"store", store.id},
          {"day", format_day(day.day)},
          {"start", core::format_iso8601(b.start)},
          {"end", core::format_iso8601(b.end)},
          {"local_start", format_local(b.start, zone)},
          {"currency", rules.currency},
          {"rule_version", day.rule_version},
          {"complete", day.until >= b.end},
          {"figures", figures_json(b.store, rules, day.has_door_camera)},
          {"cameras", cameras},
          {"zones", zones},
          {"trace", trace_json(b.trace)}};
}

json day_report_json(const day_analysis& day, const funnel_rules& rules, const core::time_zone& zone,
                     const store_identity& store) {
  json hours = json::array();
  for (const auto& h : day.hours) {
    json j = figures_json(h.store, rules, day.has_door_camera);
    j["start"] = core::format_iso8601(h.start);
    j["end"] = core::format_iso8601(h.end);
    j["local_start"] = format_local(h.start, zone);
    j["trace"] = trace_json(h.trace);
    hours.push_back(std::move(j));
  }
  json associates = json::array();
  for (const auto& a : day.associates) {
    associates.push_back({{"operator_id", a.operator_id},
                          {"name", a.name},
                          {"transactions", a.transactions},
                          {"returns", a.returns},
                          {"items_milli", a.items_milli},
                          {"sales_minor", a.sales_minor},
                          {"returns_minor", a.returns_minor},
                          {"net_sales_minor", a.sales_minor - a.returns_minor},
                          {"avg_basket_minor", optional_int(a.avg_basket_minor)},
                          {"on_shift_ms", a.on_shift_ms},
                          {"shift_basis", a.shift_basis},
                          {"visitors_share", rounded(a.visitors_share)},
                          {"close_rate", rounded(a.close_rate)},
                          {"high_sales_low_close", a.high_sales_low_close},
                          {"flag_reason", a.flag_reason},
                          {"trace", trace_json(a.trace)}});
  }
  const auto products = [](const std::vector<product_figures>& v) {
    json a = json::array();
    for (const auto& p : v)
      a.push_back({{"item_id", p.item_id},
                   {"description", p.description},
                   {"department", p.department},
                   {"units_milli", p.units_milli},
                   {"revenue_minor", p.revenue_minor},
                   {"transactions", p.transactions}});
    return a;
  };
  json gaps = json::array();
  for (const auto& g : day.gaps)
    gaps.push_back({{"camera", g.camera},
                    {"from", core::format_iso8601(g.from)},
                    {"to", core::format_iso8601(g.to)},
                    {"reason", g.reason}});
  json cameras = json::object();
  for (const auto& [id, f] : day.whole.cameras) cameras[id] = camera_json(f, rules);
  json zones = json::object();
  for (const auto& [id, f] : day.whole.zones) zones[id] = zone_json(f, rules);
  return {{"kind", "report.day"},
          {"tenant", store.tenant},
          {"store", store.id},
          {"store_name", store.name},
          {"time_zone", zone.name()},
          {"currency", rules.currency},
          {"day", format_day(day.day)},
          {"start", core::format_iso8601(day.start)},
          {"end", core::format_iso8601(day.end)},
          {"until", core::format_iso8601(day.until)},
          {"complete", day.until >= day.end},
          {"rule_version", day.rule_version},
          {"totals", figures_json(day.whole.store, rules, day.has_door_camera)},
          {"hours", hours},
          {"cameras", cameras},
          {"zones", zones},
          {"staff_basis", day.staff_basis},
          {"team_close_rate", rounded(day.team_close_rate)},
          {"associates", associates},
          {"products", {{"by_revenue", products(day.top_by_revenue)}, {"by_units", products(day.top_by_units)}}},
          {"gaps", gaps},
          {"trace", trace_json(day.whole.trace)}};
}

json forecast_json(const forecast& f, const core::time_zone& zone) {
  const auto one_decimal = [](double v) { return std::round(v * 10.0) / 10.0; };
  json hours = json::array();
  for (const auto& h : f.hours)
    hours.push_back({{"local_start", format_local(h.start, zone)},
                     {"visitors", one_decimal(h.visitors)},
                     {"low", one_decimal(h.low)},
                     {"high", one_decimal(h.high)},
                     {"staff_needed", h.staff_needed}});
  return {{"weeks_used", f.weeks_used},
          {"scale", std::round(f.scale * 1000.0) / 1000.0},
          {"visitors_so_far", f.visitors_so_far},
          {"expected_so_far", one_decimal(f.expected_so_far)},
          {"rest_of_day", one_decimal(f.rest_of_day)},
          {"hours", hours}};
}

json live_json(const day_analysis& a, const std::optional<forecast>& ahead, const funnel_rules& rules,
               const core::time_zone& zone, const store_identity& store) {
  const auto& t = a.whole.store;
  const auto d = derive(t, rules, a.has_door_camera);
  json hours = json::array();
  for (const auto& h : a.hours)
    hours.push_back({local_hhmm(h.start, zone), h.store.entries, h.store.transactions,
                     h.store.sales_minor - h.store.returns_minor});
  json j{{"kind", "live"},
         {"tenant", store.tenant},
         {"store", store.id},
         {"day", format_day(a.day)},
         {"currency", rules.currency},
         {"rule_version", a.rule_version},
         {"visitors", t.entries},
         {"engaged", t.engaged},
         {"passersby", t.passersby},
         {"occupancy_now", a.occupancy_now},
         {"transactions", t.transactions},
         {"items_milli", t.items_milli},
         {"net_sales_minor", d.net_sales_minor},
         {"conversion", rounded(d.conversion)},
         {"flags", d.flags},
         {"hours_columns", {"local_start", "visitors", "transactions", "net_sales_minor"}},
         {"hours", hours}};
  if (ahead && !ahead->hours.empty()) {
    json rest = json::array();
    for (const auto& h : ahead->hours)
      rest.push_back({local_hhmm(h.start, zone), std::round(h.visitors * 10.0) / 10.0, h.staff_needed});
    j["forecast"] = {{"weeks_used", ahead->weeks_used},
                     {"rest_of_day", std::round(ahead->rest_of_day * 10.0) / 10.0},
                     {"hours_columns", {"local_start", "visitors", "staff_needed"}},
                     {"hours", rest}};
  }
  return j;
}

json alert_json(const alert& a, const store_identity& store) {
  return {{"kind", "alert"},
          {"tenant", store.tenant},
          {"store", store.id},
          {"id", a.id},
          {"rule", a.rule},
          {"metric", a.metric},
          {"subject", a.subject},
          {"state", a.state},
          {"severity", a.severity},
          {"value", a.value},
          {"op", a.op},
          {"threshold", a.threshold},
          {"window_min", a.window_min},
          {"since", core::format_iso8601(a.since)},
          {"at", core::format_iso8601(a.at)},
          {"message_en", a.message_en},
          {"message_zh", a.message_zh},
          {"trace", trace_json(a.trace)}};
}

std::string day_report_text(const day_analysis& day, const funnel_rules& rules, const core::time_zone& zone,
                            const store_identity& store) {
  std::ostringstream o;
  const auto& cur = rules.currency;
  const auto total = derive(day.whole.store, rules, day.has_door_camera);
  const auto& t = day.whole.store;
  o << (store.name.empty() ? store.id : store.name) << " (" << store.tenant << "/" << store.id << ")  "
    << format_day(day.day) << "  " << zone.name() << (day.until < day.end ? "  (so far)" : "") << "\n\n";
  o << "visitors " << t.entries << "  engaged " << t.engaged << " (" << percent_text(total.engaged_rate) << ")  buyers "
    << t.transactions << "  conversion " << percent_text(total.conversion) << "\n";
  o << "sales " << money_text(t.sales_minor, cur) << "  returns " << money_text(t.returns_minor, cur) << " (" << t.returns
    << ")  net " << money_text(total.net_sales_minor, cur) << " " << cur << "  ATV "
    << (total.atv_minor ? money_text(*total.atv_minor, cur) : "-") << "  UPT "
    << (total.upt ? std::to_string(*total.upt).substr(0, 4) : "-") << "  coverage " << percent_text(total.coverage)
    << "\n";
  for (const auto& f : total.flags) o << "flag: " << f << "\n";
  char line[256];
  std::snprintf(line, sizeof line, "\n%-6s %8s %8s %8s %7s %8s %12s %9s %6s  %s\n", "hour", "visitors", "engaged",
                "buyers", "conv", "passers", "net sales", "coverage", "STAR", "flags");
  o << line;
  for (const auto& h : day.hours) {
    const auto d = derive(h.store, rules, day.has_door_camera);
    std::string flags;
    for (const auto& f : d.flags) flags += (flags.empty() ? "" : ",") + f;
    char star[16] = "-";
    if (d.star) std::snprintf(star, sizeof star, "%.1f", *d.star);
    std::snprintf(line, sizeof line, "%-6s %8lld %8lld %8lld %7s %8lld %12s %9s %6s  %s\n",
                  local_hhmm(h.start, zone).c_str(), static_cast<long long>(h.store.entries),
                  static_cast<long long>(h.store.engaged), static_cast<long long>(h.store.transactions),
                  percent_text(d.conversion).c_str(), static_cast<long long>(h.store.passersby),
                  money_text(d.net_sales_minor, cur).c_str(), percent_text(d.coverage).c_str(), star, flags.c_str());
    o << line;
  }
  o << "\nassociates (staff from " << day.staff_basis << ", team close rate " << percent_text(day.team_close_rate)
    << ")\n";
  for (const auto& a : day.associates) {
    std::snprintf(line, sizeof line, "  %-16s %4lld sales %12s  close %7s  on shift %5.1f h%s\n",
                  (a.name.empty() ? a.operator_id : a.name).c_str(), static_cast<long long>(a.transactions),
                  money_text(a.sales_minor - a.returns_minor, cur).c_str(), percent_text(a.close_rate).c_str(),
                  static_cast<double>(a.on_shift_ms) / 3.6e6, a.high_sales_low_close ? "  高销量低成交 high sales, low close" : "");
    o << line;
  }
  o << "\ntop products by revenue\n";
  for (const auto& p : day.top_by_revenue) {
    std::snprintf(line, sizeof line, "  %-14s %-28s %10.3f units %12s\n", p.item_id.c_str(),
                  p.description.substr(0, 28).c_str(), static_cast<double>(p.units_milli) / 1000.0,
                  money_text(p.revenue_minor, cur).c_str());
    o << line;
  }
  if (!day.gaps.empty()) {
    o << "\ncamera gaps\n";
    for (const auto& g : day.gaps)
      o << "  " << g.camera << " " << format_local(g.from, zone) << " to " << format_local(g.to, zone) << ": " << g.reason
        << "\n";
  }
  return o.str();
}

}  // namespace kelu::analytics
