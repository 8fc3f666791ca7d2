// SPDX-License-Identifier: Apache-2.0
#include "report_json.hpp"

#include <cmath>

namespace kelu::hq {

namespace {

using nlohmann::json;

json rate(const std::optional<double>& v) {
  if (!v) return nullptr;
  return std::round(*v * 10000.0) / 10000.0;
}

json store_json(const store_line& s) {
  json sources = json::array();
  for (const auto& src : s.sources) sources.push_back({{"day", src.day}, {"epoch", src.epoch}, {"revision", src.revision}});
  return {{"store", s.store},
          {"name", s.name},
          {"currency", s.currency},
          {"status", s.status},
          {"days_in_region", s.days_in_region},
          {"days_reported", s.days_reported},
          {"missing_days", s.missing_days},
          {"transactions", s.transactions},
          {"net_sales_minor", s.net_sales_minor},
          {"visitors", s.visitors},
          {"buyers", s.buyers},
          {"open_hours", s.open_hours},
          {"covered_hours", s.covered_hours},
          {"coverage", rate(s.coverage)},
          {"conversion", rate(s.conversion)},
          {"conversion_reason", s.conversion_reason.empty() ? json(nullptr) : json(s.conversion_reason)},
          {"day_reports", sources}};
}

json product_json(const product_line& p) {
  json sellers = json::array();
  for (const auto& s : p.sellers)
    sellers.push_back({{"person", s.person},
                       {"name", s.name},
                       {"revenue_minor", s.revenue_minor},
                       {"units_milli", s.units_milli},
                       {"transactions", s.transactions},
                       {"close_rate", rate(s.close_rate)},
                       {"high_sales_low_close", s.flagged}});
  return {{"item_id", p.item_id},         {"description", p.description},
          {"category", p.category},       {"revenue_minor", p.revenue_minor},
          {"units_milli", p.units_milli}, {"transactions", p.transactions},
          {"revenue_by_store", p.revenue_by_store}, {"sellers", sellers}};
}

json associate_json(const associate_line& a) {
  return {{"person", a.person},
          {"name", a.name},
          {"role", a.role},
          {"hired_on", a.hired_on.empty() ? json(nullptr) : json(a.hired_on)},
          {"tenure", a.tenure.empty() ? json(nullptr) : json(a.tenure)},
          {"main_store", a.main_store},
          {"main_category", a.main_category.empty() ? json(nullptr) : json(a.main_category)},
          {"went_by", a.stores},
          {"net_sales_minor", a.net_sales_minor},
          {"transactions", a.transactions},
          {"on_shift_ms", a.on_shift_ms},
          {"close_rate", rate(a.close_rate)},
          {"close_rate_reason", a.close_rate_reason.empty() ? json(nullptr) : json(a.close_rate_reason)},
          {"close_rate_basis", {{"transactions", a.close_transactions},
                                {"opportunities", std::round(a.opportunities * 100.0) / 100.0}}},
          {"high_sales_low_close", a.flagged},
          {"flag_reason", a.flag_reason}};
}

}  // namespace

json region_report_json(const region_report& r) {
  json stores = json::array(), products = json::array(), associates = json::array(), common = json::array();
  for (const auto& s : r.stores) stores.push_back(store_json(s));
  for (const auto& p : r.top_products) products.push_back(product_json(p));
  for (const auto& a : r.associates) associates.push_back(associate_json(a));
  for (const auto& t : r.flagged_in_common)
    common.push_back({{"attribute", t.attribute},
                      {"value", t.value},
                      {"flagged_with", t.flagged_with},
                      {"flagged", t.flagged},
                      {"others_with", t.others_with},
                      {"others", t.others}});
  return {{"kind", "report.region"},
          {"tenant", r.tenant},
          {"region", r.region},
          {"from", r.from},
          {"to", r.to},
          {"currency", r.currency},
          {"totals",
           {{"stores", r.stores.size()},
            {"store_days", r.store_days},
            {"store_days_reported", r.store_days_reported},
            {"transactions", r.transactions},
            {"net_sales_minor", r.net_sales_minor},
            {"visitors", r.visitors},
            {"buyers", r.buyers},
            {"open_hours", r.open_hours},
            {"covered_hours", r.covered_hours},
            {"conversion", rate(r.conversion)},
            {"team_close_rate", rate(r.team_close_rate)},
            {"team_opportunities", std::round(r.team_opportunities * 100.0) / 100.0},
            {"close_rate_min_opportunities", r.min_opportunities}}},
          {"stores", stores},
          {"top_products", products},
          {"associates", associates},
          {"flagged_in_common", common},
          {"notes", r.notes}};
}

}  // namespace kelu::hq
