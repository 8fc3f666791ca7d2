// SPDX-License-Identifier: Apache-2.0
#include "report_json.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/money.hpp"
#include "rates.hpp"

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
          {"coverage", rounded(derive(f, true).coverage)},
          {"seen_enough", seen_enough(f, rules, true)}};
}

json zone_json(const figures& f) {
  return {{"visits", f.zone_visits},
          {"engaged", f.engaged},
          {"dwell_ms", f.dwell_ms},
          {"avg_dwell_s", rounded(derive(f, true).avg_dwell_s)},
          {"occupancy_peak", f.occupancy_peak}};
}

std::string percent_text(const std::optional<double>& v) {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", *v * 100.0);
  return buf;
}

}  // namespace

namespace {

std::vector<std::string> rate_flags(std::vector<std::string> flags, const store_rates& r) {
  if (r.reason == "low_coverage") flags.push_back("low_coverage");
  if (r.reason.empty() && r.basis.covered_periods < r.basis.open_periods) flags.push_back("partial_coverage");
  if (r.basis.buyers_over_visitors > 0) flags.push_back("buyers_exceed_visitors");
  return flags;
}

json basis_json(const rate_basis& b) {
  return {{"covered_periods", b.covered_periods}, {"open_periods", b.open_periods}, {"visitors", b.visitors},
          {"buyers", b.buyers},   {"engaged", b.engaged},   {"net_sales_minor", b.net_sales_minor},
          {"staff_ms", b.staff_ms}, {"buyers_over_visitors", b.buyers_over_visitors}};
}

// 热销品 × 导购: each of the top ten products with who sold it, their close rate and flag.
json top_sellers_json(const day_analysis& day) {
  json rows = json::array();
  for (const auto& row : day.top_sellers) {
    json sellers = json::array();
    for (const auto& s : row.sellers) {
      sellers.push_back({{"operator_id", s.operator_id},
                         {"name", s.name},
                         {"units_milli", s.units_milli},
                         {"revenue_minor", s.revenue_minor},
                         {"transactions", s.transactions},
                         {"close_rate", rounded(s.close_rate)},
                         {"high_sales_low_close", s.high_sales_low_close}});
    }
    rows.push_back({{"item_id", row.product.item_id},
                    {"description", row.product.description},
                    {"units_milli", row.product.units_milli},
                    {"revenue_minor", row.product.revenue_minor},
                    {"sellers", std::move(sellers)}});
  }
  return rows;
}

}  // namespace

json figures_json(const figures& f, const store_rates& r, bool has_door_camera) {
  const auto d = derive(f, has_door_camera);
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
          {"outside_hours_transactions", f.outside_hours},
          {"staff_entries", {{"zone", f.staff.zone}, {"line", f.staff.line}, {"sign_on", f.staff.sign_on}}},
          {"zone_visits", f.zone_visits},
          {"dwell_ms", f.dwell_ms},
          {"staff_ms", f.staff_ms},
          {"span_ms", f.span_ms},
          {"covered_ms", f.covered_ms},
          {"open_ms", f.open_ms},
          {"conversion", rounded(r.conversion)},
          {"engaged_rate", rounded(r.engaged_rate)},
          {"atv_minor", optional_int(d.atv_minor)},
          {"upt", rounded(d.upt)},
          {"sales_per_visitor_minor", optional_int(r.sales_per_visitor_minor)},
          {"star", rounded(r.star)},
          {"rate_reason", r.reason.empty() ? json(nullptr) : json(r.reason)},
          {"rate_basis", basis_json(r.basis)},
          {"coverage", rounded(d.coverage)},
          {"avg_dwell_s", rounded(d.avg_dwell_s)},
          {"flags", rate_flags(d.flags, r)}};
}

json bucket_json(const bucket& b, const day_analysis& day, const funnel_rules& rules, const core::time_zone& zone,
                 const store_identity& store) {
  json cameras = json::object();
  for (const auto& [id, f] : b.cameras) cameras[id] = camera_json(f, rules);
  json zones = json::object();
  for (const auto& [id, f] : b.zones) zones[id] = zone_json(f);
  const auto rates = b.period == "day" ? rates_of(day, rules) : rates_of(b, rules, day.has_door_camera);
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
          {"figures", figures_json(b.store, rates, day.has_door_camera)},
          {"cameras", cameras},
          {"zones", zones},
          {"trace", trace_json(b.trace)}};
}

json day_report_json(const day_analysis& day, const funnel_rules& rules, const core::time_zone& zone,
                     const store_identity& store) {
  json hours = json::array();
  for (const auto& h : day.hours) {
    json j = figures_json(h.store, rates_of(h, rules, day.has_door_camera), day.has_door_camera);
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
                          {"attribution", a.attribution},
                          {"sales_per_hour_minor", optional_int(a.sales_per_hour_minor)},
                          {"close_rate", rounded(a.close.rate)},
                          {"close_rate_reason", a.close.reason.empty() ? json(nullptr) : json(a.close.reason)},
                          {"close_rate_basis",
                           {{"transactions", a.close.transactions},
                            {"opportunities", std::round(a.close.opportunities * 100.0) / 100.0},
                            {"hours", a.close.hours}}},
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
  const auto matrix = top_sellers_json(day);
  for (const auto& g : day.gaps)
    gaps.push_back({{"camera", g.camera},
                    {"from", core::format_iso8601(g.from)},
                    {"to", core::format_iso8601(g.to)},
                    {"reason", g.reason}});
  json cameras = json::object();
  for (const auto& [id, f] : day.whole.cameras) cameras[id] = camera_json(f, rules);
  json zones = json::object();
  for (const auto& [id, f] : day.whole.zones) zones[id] = zone_json(f);
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
          {"totals", figures_json(day.whole.store, rates_of(day, rules), day.has_door_camera)},
          {"hours", hours},
          {"cameras", cameras},
          {"zones", zones},
          {"staff_basis", day.staff_basis},
          {"attribution", day.attribution},
          {"close_rate_min_opportunities", rules.close_rate_min_opportunities},
          {"team_close_rate", rounded(day.team_close_rate)},
          {"team_opportunities", std::round(day.team_opportunities * 100.0) / 100.0},
          {"associates", associates},
          {"products", {{"by_revenue", products(day.top_by_revenue)}, {"by_units", products(day.top_by_units)}}},
          {"top_sellers", matrix},
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
  const auto d = derive(t, a.has_door_camera);
  const auto rates = rates_of(a, rules);
  json hours = json::array();
  for (const auto& h : a.hours)
    if (listed(h.store))
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
         {"conversion", rounded(rates.conversion)},
         {"rate_reason", rates.reason.empty() ? json(nullptr) : json(rates.reason)},
         // Not the whole basis: staff time grows with every tick while someone is on shift, and
         // an unchanged day must compare equal (the retained topic is sent only on change).
         {"rate_basis",
          {{"covered_periods", rates.basis.covered_periods},
           {"open_periods", rates.basis.open_periods},
           {"visitors", rates.basis.visitors},
           {"buyers", rates.basis.buyers}}},
         {"flags", rate_flags(d.flags, rates)},
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
  json j{{"kind", "alert"},
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
  if (!a.resolution.empty()) j["resolution"] = a.resolution;
  if (a.staffing) j["staffing"] = {{"on_shift", a.staffing->on_shift}, {"needed", a.staffing->needed}};
  return j;
}

namespace {

// The reason a rate is "—", in words, as `kelu report` prints it.
std::string reason_text(const std::string& reason, const funnel_rules& rules) {
  if (reason == "no_door_camera") return "no door camera configured";
  if (reason == "closed") return "closed";
  if (reason == "low_coverage")
    return "the door cameras saw less than " + std::to_string(rules.coverage_floor_pct) + "% of every open hour";
  if (reason == "no_visitors") return "no visitors counted";
  if (reason == "few_opportunities")
    return "under " + std::to_string(rules.close_rate_min_opportunities) + " opportunities";
  return reason;
}

std::string rate_text(const std::optional<double>& v, const std::string& reason, const funnel_rules& rules) {
  return v ? percent_text(v) : "— (" + reason_text(reason, rules) + ")";
}

void totals_text(std::ostringstream& o, const day_analysis& day, const funnel_rules& rules) {
  const auto& cur = rules.currency;
  const auto total = derive(day.whole.store, day.has_door_camera);
  const auto r = rates_of(day, rules);
  const auto& t = day.whole.store;
  o << "visitors " << t.entries << "  engaged " << t.engaged << "  buyers " << t.transactions << "\n";
  if (t.staff.total() > 0)
    o << "staff entries not counted as visitors " << t.staff.total() << " (staff zone " << t.staff.zone
      << ", staff line " << t.staff.line << ", before a sign-on " << t.staff.sign_on << ")\n";
  o << "conversion " << rate_text(r.conversion, r.reason, rules);
  if (r.conversion)
    o << "  (" << r.basis.buyers << " buyers of " << r.basis.visitors << " visitors over " << r.basis.covered_periods
      << " of " << r.basis.open_periods << " open hours)";
  o << "\nengaged rate " << rate_text(r.engaged_rate, r.reason, rules) << "  sales per visitor "
    << (r.sales_per_visitor_minor ? core::format_minor(*r.sales_per_visitor_minor, cur) : "—") << "  STAR "
    << (r.star ? std::to_string(*r.star).substr(0, 4) + " visitors per staff hour" : "—") << "\n";
  o << "sales " << core::format_minor(t.sales_minor, cur) << "  returns " << core::format_minor(t.returns_minor, cur) << " (" << t.returns
    << ")  net " << core::format_minor(total.net_sales_minor, cur) << " " << cur << "  ATV "
    << (total.atv_minor ? core::format_minor(*total.atv_minor, cur) : "—") << "  UPT "
    << (total.upt ? std::to_string(*total.upt).substr(0, 4) : "—") << "  coverage " << percent_text(total.coverage)
    << "\n";
  if (t.outside_hours > 0) o << "flag: " << t.outside_hours << " transactions outside opening hours\n";
  if (r.basis.buyers_over_visitors > 0)
    o << "flag: " << r.basis.buyers_over_visitors << " hours with more buyers than door visitors\n";
}

void hours_text(std::ostringstream& o, const day_analysis& day, const funnel_rules& rules, const core::time_zone& zone) {
  char line[256];
  std::snprintf(line, sizeof line, "\n%-6s %8s %6s %8s %8s %7s %8s %12s %9s %6s  %s\n", "hour", "visitors", "staff",
                "engaged", "buyers", "conv", "passers", "net sales", "coverage", "STAR", "flags");
  o << line;
  for (const auto& h : day.hours) {
    if (!listed(h.store)) continue;
    const auto d = derive(h.store, day.has_door_camera);
    const auto r = rates_of(h, rules, day.has_door_camera);
    std::string flags;
    for (const auto& f : d.flags) flags += (flags.empty() ? "" : ",") + f;
    if (!r.reason.empty() && r.reason != "closed" && r.reason != "no_door_camera")
      flags += (flags.empty() ? "" : ",") + r.reason;
    char star[16] = "—";
    if (r.star) std::snprintf(star, sizeof star, "%.1f", *r.star);
    std::snprintf(line, sizeof line, "%-6s %8lld %6lld %8lld %8lld %7s %8lld %12s %9s %6s  %s\n",
                  local_hhmm(h.start, zone).c_str(), static_cast<long long>(h.store.entries),
                  static_cast<long long>(h.store.staff.total()), static_cast<long long>(h.store.engaged), static_cast<long long>(h.store.transactions),
                  (r.conversion ? percent_text(r.conversion) : "—").c_str(), static_cast<long long>(h.store.passersby),
                  core::format_minor(d.net_sales_minor, rules.currency).c_str(), percent_text(d.coverage).c_str(), star,
                  flags.c_str());
    o << line;
  }
}

void associates_text(std::ostringstream& o, const day_analysis& day, const funnel_rules& rules) {
  o << "\nassociates (credited by " << day.attribution << ", staff from " << day.staff_basis << ", team close rate "
    << (day.team_close_rate ? percent_text(day.team_close_rate) : "—") << ")\n";
  char line[400];
  for (const auto& a : day.associates) {
    std::string close = rate_text(a.close.rate, a.close.reason, rules);
    if (a.close.rate) {
      char basis[96];
      std::snprintf(basis, sizeof basis, " (%lld of %.1f opportunities, %lld h)",
                    static_cast<long long>(a.close.transactions), a.close.opportunities,
                    static_cast<long long>(a.close.hours));
      close += basis;
    }
    std::snprintf(line, sizeof line, "  %-16s %4lld sales %12s  %s/h  on shift %4.1f h  close %s%s\n",
                  (a.name.empty() ? a.operator_id : a.name).c_str(), static_cast<long long>(a.transactions),
                  core::format_minor(a.sales_minor - a.returns_minor, rules.currency).c_str(),
                  a.sales_per_hour_minor ? core::format_minor(*a.sales_per_hour_minor, rules.currency).c_str() : "—",
                  static_cast<double>(a.on_shift_ms) / 3.6e6, close.c_str(),
                  a.high_sales_low_close ? "  高销量低成交 high sales, low close" : "");
    o << line;
    if (a.high_sales_low_close) o << "    " << a.flag_reason << "\n";
  }
}

}  // namespace

std::string day_report_text(const day_analysis& day, const funnel_rules& rules, const core::time_zone& zone,
                            const store_identity& store) {
  std::ostringstream o;
  const auto& cur = rules.currency;
  o << (store.name.empty() ? store.id : store.name) << " (" << store.tenant << "/" << store.id << ")  "
    << format_day(day.day) << "  " << zone.name() << (day.until < day.end ? "  (so far)" : "") << "\n\n";
  totals_text(o, day, rules);
  hours_text(o, day, rules, zone);
  associates_text(o, day, rules);
  char line[256];
  o << "\ntop products by revenue, and who sold them (热销品 × 导购)\n";
  for (const auto& row : day.top_sellers) {
    const auto& p = row.product;
    std::snprintf(line, sizeof line, "  %-14s %-28s %10.3f units %12s\n", p.item_id.c_str(),
                  p.description.substr(0, 28).c_str(), static_cast<double>(p.units_milli) / 1000.0,
                  core::format_minor(p.revenue_minor, cur).c_str());
    o << line;
    for (const auto& s : row.sellers)
      o << "      " << (s.name.empty() ? s.operator_id : s.name) << " " << core::format_minor(s.revenue_minor, cur) << " (close "
        << (s.close_rate ? percent_text(s.close_rate) : "—") << ")" << (s.high_sales_low_close ? "  高销量低成交" : "")
        << "\n";
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
