// SPDX-License-Identifier: Apache-2.0
#include "region_report.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string_view>
#include <utility>

#include "core/money.hpp"
#include "analytics/low_close_verdict.hpp"
#include "analytics/weekly_hours.hpp"
#include "hq/store_fields.hpp"
#include "region_parts.hpp"

namespace kelu::hq {

namespace {

using nlohmann::json;

const json& member(const json& j, const char* key, const json& absent) {
  const auto it = j.find(key);
  return it != j.end() ? *it : absent;
}

double number(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

std::optional<double> ratio(double num, double den) {
  if (den <= 0) return std::nullopt;
  return std::clamp(num / den, 0.0, 1.0);
}

// The store's figures from its day reports (their totals and rate_basis).
store_line store_figures(const std::string& id, const region_input::store_info& info,
                         const std::vector<const region_input::store_day*>& days, const report_options& options) {
  store_line s;
  s.store = id;
  s.name = info.name;
  s.currency = info.currency;
  std::set<std::string> reasons;
  for (const auto* d : days) {
    ++s.days_in_region;
    if (!d->report) {
      s.missing_days.push_back(d->day);
      continue;
    }
    ++s.days_reported;
    s.sources.push_back({d->day, d->epoch, d->revision});
    static const json none = json::object();
    const auto& totals = member(*d->report, "totals", none);
    const auto& basis = member(totals, "rate_basis", none);
    s.transactions += store_integer(totals, "transactions");
    s.net_sales_minor += store_integer(totals, "net_sales_minor");
    s.visitors += store_integer(basis, "visitors");
    s.buyers += store_integer(basis, "buyers");
    s.open_hours += store_integer(basis, "open_periods");
    s.covered_hours += store_integer(basis, "covered_periods");
    if (const auto r = totals.find("rate_reason"); r != totals.end() && r->is_string()) reasons.insert(r->get<std::string>());
  }
  s.coverage = s.open_hours > 0 ? std::optional<double>(static_cast<double>(s.covered_hours) / static_cast<double>(s.open_hours))
                                : std::nullopt;
  if (s.covered_hours > 0) s.conversion = ratio(static_cast<double>(s.buyers), static_cast<double>(s.visitors));
  if (s.days_reported == 0) {
    s.status = "no_data";
    s.conversion_reason = "no_data";
  } else if (reasons.size() == 1 && *reasons.begin() == "no_door_camera" && s.covered_hours == 0) {
    s.status = "no_door_camera";
    s.conversion_reason = "no_door_camera";
  } else if (!s.coverage || *s.coverage < options.coverage_floor) {
    s.status = "low_coverage";
    if (!s.conversion) s.conversion_reason = s.covered_hours == 0 ? "low_coverage" : "no_visitors";
  } else {
    s.status = s.missing_days.empty() ? "ok" : "missing_days";
    if (!s.conversion) s.conversion_reason = "no_visitors";
  }
  return s;
}

void add_stores(const region_input& in, const report_options& options, region_report& r) {
  std::map<std::string, std::vector<const region_input::store_day*>> by_store;
  for (const auto& d : in.days) by_store[d.store].push_back(&d);
  for (const auto& [id, days] : by_store) {
    const auto info = in.stores.find(id);
    if (info == in.stores.end()) continue;
    auto s = store_figures(id, info->second, days, options);
    r.store_days += s.days_in_region;
    r.store_days_reported += s.days_reported;
    if (s.currency != r.currency) {
      r.notes.push_back(id + " trades in " + s.currency + ", not the region's " + r.currency +
                        ": listed, left out of the region's sales, products and close rates");
    } else {
      r.transactions += s.transactions;
      r.net_sales_minor += s.net_sales_minor;
      r.visitors += s.visitors;
      r.buyers += s.buyers;
      r.open_hours += s.open_hours;
      r.covered_hours += s.covered_hours;
    }
    r.stores.push_back(std::move(s));
  }
  if (r.covered_hours > 0) r.conversion = ratio(static_cast<double>(r.buyers), static_cast<double>(r.visitors));
}

std::string tenure_of(const std::string& hired_on, const std::string& to) {
  const auto hired = analytics::parse_day(hired_on);
  const auto end = analytics::parse_day(to);
  if (!hired || !end) return "";
  const auto days = (*end - *hired).count();
  return days < 183 ? "under 6 months" : days < 730 ? "6 to 24 months" : "over 2 years";
}

void add_associates(const region_input& in, const report_options& options, region_report& r) {
  std::map<std::string, associate_line> lines;
  std::map<std::string, std::map<std::string, std::int64_t>> shift_by_store;  // person -> store -> ms
  std::map<std::string, std::set<std::string>> reasons;
  for (const auto& d : in.days) {
    if (!d.report || in.stores.at(d.store).currency != r.currency) continue;
    r.min_opportunities = std::max(r.min_opportunities, store_integer(*d.report, "close_rate_min_opportunities"));
    static const json none = json::array();
    for (const auto& a : member(*d.report, "associates", none)) {
      const auto id = store_text(a, "operator_id");
      if (id.empty()) continue;
      const auto person = person_of(in, d.store, id);
      auto& l = lines[person];
      l.person = person;
      if (l.name.empty()) l.name = store_text(a, "name");
      const auto tag = d.store + "/" + id;
      if (std::find(l.stores.begin(), l.stores.end(), tag) == l.stores.end()) l.stores.push_back(tag);
      l.net_sales_minor += store_integer(a, "net_sales_minor");
      l.transactions += store_integer(a, "transactions");
      l.on_shift_ms += store_integer(a, "on_shift_ms");
      shift_by_store[person][d.store] += store_integer(a, "on_shift_ms") + 1;  // +1: a store they only sold in counts
      static const json no_basis = json::object();
      const auto& basis = member(a, "close_rate_basis", no_basis);
      l.close_transactions += store_integer(basis, "transactions");
      l.opportunities += number(basis, "opportunities");
      if (const auto why = a.find("close_rate_reason"); why != a.end() && why->is_string()) reasons[person].insert(*why);
    }
  }
  std::map<std::string, const region_input::person*> people;  // person_id -> their master record
  for (const auto& [key, p] : in.associates) people[p.person_id] = &p;
  if (options.min_opportunities > 0) r.min_opportunities = options.min_opportunities;
  if (r.min_opportunities == 0) r.min_opportunities = 20;
  std::int64_t team_transactions = 0;
  for (auto& [person, l] : lines) {
    team_transactions += l.close_transactions;
    r.team_opportunities += l.opportunities;
    if (l.opportunities >= static_cast<double>(r.min_opportunities))
      l.close_rate = ratio(static_cast<double>(l.close_transactions), l.opportunities);
    else
      l.close_rate_reason = l.opportunities == 0 && reasons[person].contains("low_coverage") ? "low_coverage"
                                                                                             : "few_opportunities";
    const auto& stores = shift_by_store[person];
    l.main_store = std::max_element(stores.begin(), stores.end(), [](const auto& a, const auto& b) {
                     return a.second < b.second;
                   })->first;
    if (const auto it = people.find(person); it != people.end()) {
      l.name = it->second->name.empty() ? l.name : it->second->name;
      l.role = it->second->role;
      l.hired_on = it->second->hired_on;
    }
    l.tenure = tenure_of(l.hired_on, in.to);
    r.associates.push_back(l);
  }
  r.team_close_rate = ratio(static_cast<double>(team_transactions), r.team_opportunities);
  std::sort(r.associates.begin(), r.associates.end(), [](const associate_line& a, const associate_line& b) {
    return a.net_sales_minor != b.net_sales_minor ? a.net_sales_minor > b.net_sales_minor : a.person < b.person;
  });
}

// 高销量低成交, by the box's rule (analytics/low_close_verdict.hpp) over the region.
void flag_associates(const report_options& options, region_report& r) {
  std::vector<analytics::seller_figures> sellers;
  for (const auto& a : r.associates) sellers.push_back({a.net_sales_minor, a.close_rate});
  const auto v = analytics::judge_low_close(sellers, r.team_close_rate, options.low_close_ratio);
  for (std::size_t i = 0; i < sellers.size(); ++i) {
    if (!v.flagged[i]) continue;
    auto& a = r.associates[i];
    a.flagged = true;
    char buf[360];
    std::snprintf(buf, sizeof buf,
                  "close rate %.1f%% vs the region's %.1f%% (flagged under %.0f%% of it), over %.1f opportunities in "
                  "%.1f h on shift; net sales %s at or above the region's median %s",
                  *a.close_rate * 100.0, *r.team_close_rate * 100.0, options.low_close_ratio * 100.0, a.opportunities,
                  static_cast<double>(a.on_shift_ms) / 3.6e6, core::format_minor(a.net_sales_minor, r.currency).c_str(),
                  core::format_minor(v.median_net_sales_minor, r.currency).c_str());
    a.flag_reason = buf;
  }
}

// What of a day report this report reads, and the JSON type each must have when present.
enum class shape { object, array, integer, number };
struct field_shape {
  const char* path;  // within the report; "associates[]." for each associate
  shape type;
};
constexpr field_shape read_fields[] = {
    {"totals", shape::object},
    {"totals.transactions", shape::integer},
    {"totals.net_sales_minor", shape::integer},
    {"totals.rate_basis", shape::object},
    {"totals.rate_basis.visitors", shape::integer},
    {"totals.rate_basis.buyers", shape::integer},
    {"totals.rate_basis.open_periods", shape::integer},
    {"totals.rate_basis.covered_periods", shape::integer},
    {"close_rate_min_opportunities", shape::integer},
    {"associates", shape::array},
    {"associates[]", shape::object},
    {"associates[].net_sales_minor", shape::integer},
    {"associates[].transactions", shape::integer},
    {"associates[].on_shift_ms", shape::integer},
    {"associates[].close_rate_basis", shape::object},
    {"associates[].close_rate_basis.transactions", shape::integer},
    {"associates[].close_rate_basis.opportunities", shape::number},
};

bool has_shape(const json& v, shape type) {
  switch (type) {
    case shape::object: return v.is_object();
    case shape::array: return v.is_array();
    case shape::integer: return v.is_number_integer();
    case shape::number: return v.is_number();
  }
  return false;
}

// The values at `path` ("a.b", "a[].b": each element of a), with their paths as written.
void values_at(const json& j, std::string_view path, const std::string& at,
               std::vector<std::pair<std::string, const json*>>& out) {
  const auto dot = path.find('.');
  auto head = path.substr(0, dot);
  const bool each = head.ends_with("[]");
  if (each) head.remove_suffix(2);
  if (!j.is_object()) return;  // its own entry says so
  const auto it = j.find(std::string(head));
  if (it == j.end()) return;
  const auto here = at.empty() ? std::string(head) : at + "." + std::string(head);
  std::vector<std::pair<std::string, const json*>> level;
  if (each && it->is_array())
    for (std::size_t i = 0; i < it->size(); ++i) level.emplace_back(here + "[" + std::to_string(i) + "]", &(*it)[i]);
  else if (!each)
    level.emplace_back(here, &*it);
  for (const auto& [where, v] : level) {
    if (dot == std::string_view::npos)
      out.emplace_back(where, v);
    else
      values_at(*v, path.substr(dot + 1), where, out);
  }
}

}  // namespace

std::string day_report_problem(const json& report) {
  if (!report.is_object()) return "not a JSON object";
  if (!report.contains("totals")) return "totals is missing";
  static constexpr const char* names[] = {"an object", "an array", "a whole number", "a number"};
  for (const auto& f : read_fields) {
    std::vector<std::pair<std::string, const json*>> found;
    values_at(report, f.path, "", found);
    for (const auto& [where, v] : found)
      if (!has_shape(*v, f.type)) return where + " is not " + names[static_cast<int>(f.type)];
  }
  return "";
}

region_report build_region_report(const region_input& in, const report_options& options) {
  region_report r;
  r.tenant = in.tenant;
  r.region = in.region;
  r.from = in.from;
  r.to = in.to;
  // The region's currency: the one most of its stores trade in (the first by name on a tie).
  std::map<std::string, int> currencies;
  for (const auto& [id, s] : in.stores) ++currencies[s.currency];
  for (const auto& [c, n] : currencies)
    if (r.currency.empty() || n > currencies[r.currency]) r.currency = c;
  add_stores(in, options, r);
  for (const auto& d : in.days)
    if (!d.unreadable.empty())
      r.notes.push_back(d.store + ", " + d.day + ": its day report (epoch " + d.epoch + ", revision " +
                        std::to_string(d.revision) + ") cannot be read (" + d.unreadable + "), so the day counts as missing");
  add_associates(in, options, r);
  flag_associates(options, r);
  add_products(in, r);
  add_traits(r);
  return r;
}

}  // namespace kelu::hq
