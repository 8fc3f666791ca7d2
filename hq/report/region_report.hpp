// SPDX-License-Identifier: Apache-2.0
#pragma once
// The regional report (区域热销品-导购能力匹配度报告, docs/hq.md "The regional report"): for a region and
// a period, per store its visitors, conversion, sales and coverage; the region's top ten products by
// net revenue, each with the associates who sold it and their close rates across the region; and
// the associates with high sales but a low close rate (高销量低成交), with what they have in common.
//
// Computed without any I/O from what region_query loads (so it is tested on hand-computed inputs):
// - Store figures add up the stores' own closed day reports (`metrics/report/day`, the current
//   revision of the newest epoch): rates pool the hours the door cameras saw (rate_basis), never
//   hours they did not. A store-day without a report (the box was off, or the day is not closed)
//   is missing, shown as such and never a zero.
// - Products and who sold them come from the transactions themselves (an event is once in HQ's
//   database; a transaction two epochs both sent, once by its till's business key), credited by
//   the rule the box uses (analytics::credited_associate) with the tills' ids mapped to people
//   across stores by the associates' master data.
// - An associate's regional close rate is Σ their transactions ÷ Σ their opportunities over the
//   period's day reports, so it stays in [0, 1] and the team's pools to the region's conversion.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kelu::hq {

// What the report is computed from (region_query.hpp loads it).
struct region_input {
  std::string tenant;
  std::string region;
  std::string from;  // YYYY-MM-DD, local days, inclusive
  std::string to;
  struct store_day {
    std::string store;
    std::string day;
    std::optional<nlohmann::json> report;  // the current report/day; absent: none filed, or unreadable
    std::string epoch;
    std::int64_t revision = 0;
    std::string unreadable;  // why the filed report was left out (day_report_problem), or ""
  };
  struct store_info {
    std::string name;
    std::string time_zone;
    std::string currency;
  };
  std::map<std::string, store_info> stores;  // the stores in the region on at least one day
  std::vector<store_day> days;                // each day each store was in the region
  struct transaction {
    std::string store;
    nlohmann::json event;  // a pos.transaction event as the box sent it
  };
  std::vector<transaction> transactions;
  struct person {
    std::string person_id;
    std::string name;
    std::string role;
    std::string hired_on;  // YYYY-MM-DD or ""
  };
  std::map<std::string, person> associates;      // "store\noperator_id" -> who
  std::map<std::string, std::string> categories;  // item_id -> category
};

struct report_options {
  double coverage_floor = 0.8;       // a store's covered share of its open hours below this: low coverage
  double low_close_ratio = 0.7;      // flagged under this share of the team's close rate
  std::int64_t min_opportunities = 0;  // 0: the largest the day reports used (analytics.close_rate_min_opportunities)
};

struct store_line {
  std::string store, name, currency;
  int days_in_region = 0;
  int days_reported = 0;
  std::vector<std::string> missing_days;
  std::int64_t transactions = 0;
  std::int64_t net_sales_minor = 0;
  std::int64_t visitors = 0;          // door visitors over the covered open hours (rate_basis)
  std::int64_t buyers = 0;            // over the same hours
  std::int64_t open_hours = 0;
  std::int64_t covered_hours = 0;
  std::optional<double> conversion;   // buyers ÷ visitors over the covered hours
  std::optional<double> coverage;     // covered ÷ open hours of the reported days
  std::string status;  // "ok", "missing_days", "low_coverage", "no_door_camera", "no_data"
  std::string conversion_reason;      // when conversion is absent
  struct source {
    std::string day, epoch;
    std::int64_t revision = 0;
  };
  std::vector<source> sources;        // the day reports used
};

struct seller_line {
  std::string person, name;
  std::int64_t revenue_minor = 0, units_milli = 0, transactions = 0;
  std::optional<double> close_rate;
  bool flagged = false;
};

struct product_line {
  std::string item_id, description, category;
  std::int64_t revenue_minor = 0, units_milli = 0, transactions = 0;
  std::map<std::string, std::int64_t> revenue_by_store;
  std::vector<seller_line> sellers;  // by revenue, highest first
};

struct associate_line {
  std::string person, name, role, hired_on;
  std::vector<std::string> stores;        // "store/operator_id" they went by
  std::string main_store, main_category, tenure;
  std::int64_t net_sales_minor = 0, transactions = 0, on_shift_ms = 0;
  std::int64_t close_transactions = 0;    // close_rate_basis, summed
  double opportunities = 0;
  std::optional<double> close_rate;
  std::string close_rate_reason;          // "few_opportunities", "low_coverage" when absent
  bool flagged = false;
  std::string flag_reason;
};

struct common_trait {
  std::string attribute;  // "store", "role", "tenure", "category"
  std::string value;
  int flagged_with = 0, flagged = 0;
  int others_with = 0, others = 0;
};

struct region_report {
  std::string tenant, region, from, to, currency;
  std::vector<store_line> stores;
  int store_days = 0, store_days_reported = 0;
  std::int64_t transactions = 0, net_sales_minor = 0, visitors = 0, buyers = 0;
  std::int64_t open_hours = 0, covered_hours = 0;
  std::optional<double> conversion;
  std::optional<double> team_close_rate;
  double team_opportunities = 0;
  std::int64_t min_opportunities = 0;
  std::vector<product_line> top_products;
  std::vector<associate_line> associates;  // by net sales, highest first
  std::vector<common_trait> flagged_in_common;
  std::vector<std::string> notes;          // what was left out and why (another currency, ...)
};

region_report build_region_report(const region_input& in, const report_options& options);

// Why a filed day report cannot be read for this report (a field it reads of another type than the
// box writes, naming its path), or "" when it can. A store's box wrote it and any box may be
// broken or compromised: a report that is not as the box writes it is left out as a missing day,
// with a note, rather than read as zeros or stopping the region's report.
std::string day_report_problem(const nlohmann::json& report);

}  // namespace kelu::hq
