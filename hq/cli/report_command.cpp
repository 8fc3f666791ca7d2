// SPDX-License-Identifier: Apache-2.0
// `kelu-hq report --region R --from D1 --to D2 [--json] [--html FILE]`: the regional report
// (docs/hq.md, "The regional report"; hq/report/).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "core/money.hpp"
#include "hq/db/hq_schema.hpp"
#include "hq/report/region_query.hpp"
#include "hq/report/report_html.hpp"
#include "hq/report/report_json.hpp"

namespace kelu::hq::cli {

namespace {

struct report_settings {
  std::string database, tenant, region, from, to, html, lang = "zh";
  bool json = false;
  int timeout_s = 60;
  double coverage_floor_pct = 80;
  double low_close_pct = 70;
};

std::string pct(const std::optional<double>& v) {
  if (!v) return "—";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", *v * 100.0);
  return buf;
}

// The terminal's summary: the region, then a line per store.
void print_summary(const region_report& r) {
  std::cout << "region " << r.region << " " << r.from << " .. " << r.to << ": net sales "
            << core::format_minor(r.net_sales_minor, r.currency) << " " << r.currency << ", conversion "
            << pct(r.conversion) << " (" << r.buyers << " buyers / " << r.visitors << " visitors over "
            << r.covered_hours << " of " << r.open_hours << " open hours), " << r.store_days_reported << " of "
            << r.store_days << " store-days reported\n";
  for (const auto& s : r.stores)
    std::cout << "  " << s.store << "  sales " << core::format_minor(s.net_sales_minor, s.currency) << "  conversion "
              << pct(s.conversion) << (s.conversion_reason.empty() ? "" : " (" + s.conversion_reason + ")")
              << "  coverage " << pct(s.coverage) << "  " << s.status << "\n";
  std::cout << "top products:\n";
  for (const auto& p : r.top_products) {
    std::cout << "  " << (p.description.empty() ? p.item_id : p.description) << "  "
              << core::format_minor(p.revenue_minor, r.currency) << "  by";
    for (std::size_t i = 0; i < p.sellers.size() && i < 3; ++i)
      std::cout << (i ? ", " : " ") << (p.sellers[i].name.empty() ? p.sellers[i].person : p.sellers[i].name)
                << (p.sellers[i].flagged ? " (high sales, low close)" : "");
    if (p.sellers.size() > 3) std::cout << " and " << p.sellers.size() - 3 << " more";
    std::cout << "\n";
  }
  for (const auto& a : r.associates)
    if (a.flagged) std::cout << "high sales, low close: " << (a.name.empty() ? a.person : a.name) << ": " << a.flag_reason << "\n";
  for (const auto& c : r.flagged_in_common)
    std::cout << "in common: " << c.attribute << " " << c.value << " (" << c.flagged_with << " of " << c.flagged
              << " flagged, " << c.others_with << " of " << c.others << " others)\n";
  for (const auto& n : r.notes) std::cout << "note: " << n << "\n";
}

int run_report(const report_settings& s) {
  auto db = pg_connection::open(s.database, std::chrono::seconds(s.timeout_s));
  if (!db) {
    std::cerr << "kelu-hq report: " << db.error_message() << "\n";
    return 1;
  }
  if (auto st = migrate_hq_schema(*db); !st) {
    std::cerr << "kelu-hq report: " << st.error_message() << "\n";
    return 1;
  }
  auto in = load_region(*db, s.tenant, s.region, s.from, s.to);
  if (!in) {
    std::cerr << "kelu-hq report: " << in.error_message() << "\n";
    return 1;
  }
  const auto r = build_region_report(*in, {s.coverage_floor_pct / 100.0, s.low_close_pct / 100.0, 0});
  if (!s.html.empty()) {
    std::ofstream out(s.html, std::ios::binary | std::ios::trunc);
    out << region_report_html(r, s.lang);
    if (!out.flush()) {
      std::cerr << "kelu-hq report: " << s.html << ": cannot be written\n";
      return 1;
    }
  }
  if (s.json)
    std::cout << region_report_json(r).dump(2) << "\n";
  else
    print_summary(r);
  return 0;
}

}  // namespace

command add_report(CLI::App& app) {
  auto s = std::make_shared<report_settings>();
  auto* c = app.add_subcommand("report", "The regional report: stores, top products and associates' close rates");
  c->add_option("--db", s->database, "libpq connection string or postgresql:// URI")->required();
  c->add_option("--tenant", s->tenant, "The tenant")->required();
  c->add_option("--region", s->region, "The region (as kelu-hq import stores gave it)")->required();
  c->add_option("--from", s->from, "First local day, YYYY-MM-DD")->required();
  c->add_option("--to", s->to, "Last local day, YYYY-MM-DD (inclusive)")->required();
  c->add_flag("--json", s->json, "Print the report as JSON instead of the summary");
  c->add_option("--html", s->html, "Also write the report as one self-contained HTML file");
  c->add_option("--lang", s->lang, "The HTML's first language: zh or en")->check(CLI::IsMember({"zh", "en"}));
  c->add_option("--coverage-floor", s->coverage_floor_pct, "A store's covered share of open hours below this % is "
                                                           "low coverage (default 80)")
      ->check(CLI::Range(0.0, 100.0));
  c->add_option("--low-close", s->low_close_pct, "Flag close rates under this % of the region's (default 70)")
      ->check(CLI::Range(1.0, 100.0));
  c->add_option("--timeout", s->timeout_s, "Seconds for connecting and for each statement")->check(CLI::Range(1, 3600));
  return [c, s] { return c->parsed() ? run_report(*s) : -1; };
}

}  // namespace kelu::hq::cli
