// SPDX-License-Identifier: Apache-2.0
#pragma once
// Funnel figures for one local day of a store, computed from its raw events alone: the same
// events and rules always give the same figures, so a bucket can be recomputed at any time
// (late data, new rules) and HQ receives revisions, never a different answer for the same input.
//
// Every event counts in the 15-minute bucket holding its observed_at (a zone visit when it
// ends); hours are sums of their quarters and the day the sum of its hours, so the hourly
// figures always add up to the day (occupancy peaks are maxima instead).
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "core/time_zone.hpp"
#include "funnel_rules.hpp"
#include "seq_ranges.hpp"
#include "shifts.hpp"

namespace kelu::analytics {

// Door entries taken out of `entries` as staff, by how they were recognised.
struct staff_entries {
  std::int64_t zone = 0;     // the same camera's track was seen in a staff_only zone within 30 min
  std::int64_t line = 0;     // crossings of a line with role "staff"
  std::int64_t sign_on = 0;  // the last entry in the 30 min before a shift signed on at a till
  std::int64_t total() const { return zone + line + sign_on; }
  staff_entries& operator+=(const staff_entries& o);
  bool operator==(const staff_entries&) const = default;
};

struct figures {
  std::int64_t passersby = 0;       // crossings of passby lines, both ways
  std::int64_t entries = 0;         // visitors: `in` crossings of entrance lines, staff taken out
  std::int64_t exits = 0;
  std::int64_t occupancy_peak = 0;  // store/camera: entries − exits so far today; zone: as reported
  std::int64_t zone_visits = 0;     // store: every zone's visits
  std::int64_t dwell_ms = 0;        // total time of those visits
  std::int64_t engaged = 0;         // store/camera: people first engaged here today; zone: engaged visits
  std::int64_t transactions = 0;    // sales
  std::int64_t items_milli = 0;     // units sold, thousandths
  std::int64_t sales_minor = 0;
  std::int64_t returns = 0;
  std::int64_t returns_minor = 0;   // as a positive amount
  std::int64_t voids = 0;
  std::int64_t other_currency = 0;  // transactions not in the store's currency: counted only here
  std::int64_t outside_hours = 0;   // transactions (any kind) outside opening hours: counted, and flagged
  std::int64_t staff_ms = 0;        // associate time on shift
  std::int64_t span_ms = 0;         // the bucket's length so far
  std::int64_t covered_ms = 0;      // time every door camera was seeing
  std::int64_t open_ms = 0;         // time within opening hours
  staff_entries staff;              // entries not counted as visitors (docs/analytics.md, "Staff")
  figures& operator+=(const figures& o);
  bool operator==(const figures&) const = default;
};

// Figures that need no visitor count, absent where they would divide by zero. Rates over
// visitors (conversion, engaged rate, STAR, sales per visitor) are not here: they follow the
// coverage rule of rates.hpp, so nothing can compute them another way.
struct derived {
  std::optional<double> upt;              // units per transaction
  std::optional<double> coverage;         // covered ÷ span
  std::optional<double> avg_dwell_s;
  std::optional<std::int64_t> atv_minor;  // average sale
  std::int64_t net_sales_minor = 0;       // sales − returns (negative when returns exceed sales)
  std::vector<std::string> flags;         // "no_door_camera", "closed", "sales_outside_opening_hours"
};
derived derive(const figures& f, bool has_door_camera);
// Whether an hour is listed and charted (page, kelu report, live): open for some of it, or closed
// with a sale in it, which is flagged.
bool listed(const figures& hour);

struct bucket {
  std::string period;  // "quarter" | "hour" | "day"
  core::utc_time start{};
  core::utc_time end{};
  figures store;
  std::map<std::string, figures> cameras;  // camera id
  std::map<std::string, figures> zones;    // "camera/zone"
  seq_ranges trace;                        // the raw events behind the store figures
  bool operator==(const bucket&) const = default;
};

struct product_figures {
  std::string item_id;
  std::string description;
  std::string department;
  std::int64_t units_milli = 0;   // sold minus returned
  std::int64_t revenue_minor = 0;
  std::int64_t transactions = 0;
  bool operator==(const product_figures&) const = default;
};

// An associate's close rate (docs/analytics.md, "Close rate"): over the covered open hours h,
// opportunities O = Σ_h (T_a,h + s_a,h · max(V_h − T_h, 0)), where T_a,h are the associate's own
// sales, T_h and V_h the store's buyers and visitors and s_a,h the associate's share of the time
// associates spent on the floor. Every buyer counts for whoever sold, every non-buyer is shared
// among those on the floor: the rate lies in [0, 1] and the team's pool to the store's conversion.
struct close_rate_figures {
  std::int64_t transactions = 0;  // their sales in the covered hours
  double opportunities = 0;
  std::int64_t hours = 0;         // covered open hours in which they were on the floor or sold
  std::optional<double> rate;     // transactions ÷ opportunities, when opportunities reach the minimum
  // Why `rate` is absent, "" when shown: "no_door_camera", "low_coverage", "few_opportunities".
  std::string reason;
  bool operator==(const close_rate_figures&) const = default;
};

// One associate's part in one product's day (the 热销品 × 导购 matrix).
struct product_seller {
  std::string operator_id;  // the associate key, as in associate_figures
  std::string name;
  std::int64_t units_milli = 0;
  std::int64_t revenue_minor = 0;
  std::int64_t transactions = 0;
  std::optional<double> close_rate;  // theirs for the day (associate_figures::close)
  bool high_sales_low_close = false;
  bool operator==(const product_seller&) const = default;
};

struct product_sellers {
  product_figures product;
  std::vector<product_seller> sellers;  // by revenue, highest first
  bool operator==(const product_sellers&) const = default;
};

struct associate_figures {
  std::string operator_id;  // the key they go by: salesperson or cashier id, else the name
  std::string name;
  std::string attribution;  // "salesperson" | "cashier" | "mixed": what credited their transactions
  std::int64_t transactions = 0;
  std::int64_t returns = 0;
  std::int64_t items_milli = 0;
  std::int64_t sales_minor = 0;
  std::int64_t returns_minor = 0;
  std::optional<std::int64_t> avg_basket_minor;  // sales ÷ transactions, rounded half away from zero
  std::int64_t on_shift_ms = 0;
  std::string shift_basis;       // "sign-on" | "sales" | "none"
  std::optional<std::int64_t> sales_per_hour_minor;  // net sales ÷ hours on shift
  close_rate_figures close;
  seq_ranges trace;              // their transactions and sign-ons
  // "高销量低成交": revenue at or above the team's median, a shown close rate under the floor.
  bool high_sales_low_close = false;
  std::string flag_reason;
  bool operator==(const associate_figures&) const = default;
};

// A return, for alerts on a single large one.
struct return_record {
  std::string source;
  std::int64_t seq = 0;
  core::utc_time at{};
  std::string terminal;
  std::string operator_id;
  std::int64_t amount_minor = 0;  // positive
  bool operator==(const return_record&) const = default;
};

struct day_analysis {
  std::chrono::sys_days day{};
  core::utc_time start{};  // local midnight
  core::utc_time end{};    // next local midnight: 23, 24 or 25 hours later
  core::utc_time until{};  // figures include events before this (now, for today)
  std::string rule_version;
  bool has_door_camera = false;
  std::vector<bucket> quarters;  // only those that have started by `until`
  std::vector<bucket> hours;
  bucket whole;
  std::vector<shift> shifts;
  std::string staff_basis;        // "pos" | "schedule" | "none"
  // "salesperson" when any sale of the day named one (导购/营业员), else "cashier".
  std::string attribution;
  std::vector<associate_figures> associates;  // by revenue, highest first
  std::optional<double> team_close_rate;      // Σ their covered sales ÷ Σ their opportunities
  double team_opportunities = 0;
  std::vector<product_figures> top_by_revenue;  // ten at most
  std::vector<product_figures> top_by_units;
  std::vector<product_sellers> top_sellers;   // top_by_revenue, each with who sold it
  std::vector<core::camera_gap> gaps;          // clipped to the day
  std::int64_t occupancy_now = 0;              // entries − exits at `until` (clamped at 0 on the way)
  std::map<std::string, core::utc_time> last_sale_by_terminal;  // any transaction kind
  std::vector<return_record> returns;
};

// `events`: the day's events in any order (others are ignored), plus camera gaps that
// overlap it. `now` cuts today short: later buckets are absent, open shifts end at it.
// `running`: when the agent ran (sync::run_log); time outside it counts as a gap of every
// camera. Absent: the cameras' own gap events are all there is.
day_analysis analyse_day(std::chrono::sys_days day, const core::time_zone& zone, const funnel_rules& rules,
                         std::span<const core::event> events, core::utc_time now,
                         const std::optional<std::vector<utc_interval>>& running = std::nullopt);

}  // namespace kelu::analytics
