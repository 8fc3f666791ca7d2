// SPDX-License-Identifier: Apache-2.0
// No rate leaves its bounds, for any day: random days (fixed seeds, so a failure replays) of
// crossings, zone visits, sales credited to cashiers and salespeople, shifts and camera gaps,
// checked everywhere a rate is shown (the day, each hour, each associate, the team, live).
#include <gtest/gtest.h>

#include <random>

#include "golden_day.hpp"

namespace kelu::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

class random_day {
 public:
  random_day(unsigned seed, core::utc_time start) : rng_(seed), start_(start) {}

  std::vector<core::event> make() {
    const int crossings = pick(0, 120), visits = pick(0, 40), sales = pick(0, 60), signons = pick(0, 6),
              gaps = pick(0, 3);
    for (int i = 0; i < crossings; ++i)
      add("cam", core::traffic_line_cross{"door", pick(0, 9) == 0 ? "street" : "entrance",
                                          pick(0, 2) == 0 ? core::crossing_direction::out : core::crossing_direction::in,
                                          pick(0, 50)});
    for (int i = 0; i < visits; ++i) {
      const auto dwell = pick(1, 120) * 1000;
      add("cam", core::traffic_zone_dwell{"door", "promo", pick(0, 50), {}, dwell, dwell >= 30000});
    }
    for (int i = 0; i < sales; ++i) add("pos", sale());
    for (int i = 0; i < signons; ++i)
      add("pos", core::pos_operator{"till1", "op", "", person(), "", pick(0, 1) ? core::pos_operator_action::sign_on
                                                                               : core::pos_operator_action::sign_off,
                                    ""});
    for (int i = 0; i < gaps; ++i) {
      const auto from = at();
      add("cam", core::camera_gap{"door", from, from + milliseconds(pick(1, 180) * 60'000), "read timeout"});
    }
    return std::move(events_);
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  core::utc_time at() { return start_ + milliseconds(static_cast<std::int64_t>(pick(0, 86'399)) * 1000); }
  std::string person() { return std::string(1, static_cast<char>('A' + pick(0, 4))); }

  core::pos_transaction sale() {
    core::pos_transaction t;
    t.terminal = "till1";
    t.transaction_id = std::to_string(events_.size());
    t.operator_id = pick(0, 5) ? person() : "";
    t.kind = pick(0, 9) == 0 ? core::pos_transaction_kind::return_ : core::pos_transaction_kind::sale;
    t.currency = pick(0, 19) ? "EUR" : "USD";
    if (pick(0, 3) == 0) t.salesperson_id = person();
    for (int k = pick(1, 3); k > 0; --k) {
      core::pos_line_item item;
      item.item_id = "SKU" + std::to_string(pick(0, 20));
      item.amount_minor = pick(100, 10000);
      if (pick(0, 2) == 0) item.salesperson_id = person();
      t.total_minor += item.amount_minor;
      t.items.push_back(item);
    }
    return t;
  }

  template <class Body>
  void add(const std::string& source, Body body) {
    core::event e;
    e.source = source;
    e.seq = static_cast<std::int64_t>(events_.size()) + 1;
    e.observed_at = e.received_at = at();
    if constexpr (std::is_same_v<Body, core::camera_gap>) e.observed_at = e.received_at = body.to;
    if constexpr (std::is_same_v<Body, core::traffic_zone_dwell>) body.entered_at = e.observed_at;
    e.body = std::move(body);
    events_.push_back(std::move(e));
  }

  std::mt19937 rng_;
  core::utc_time start_;
  std::vector<core::event> events_;
};

void expect_share(const json& v, const std::string& where) {
  if (v.is_null()) return;
  EXPECT_GE(v.get<double>(), 0.0) << where;
  EXPECT_LE(v.get<double>(), 1.0) << where;
}

// A rate is shown with no reason, or absent with one: never both, never neither.
void expect_rates_in_bounds(const json& f, const std::string& where) {
  expect_share(f["conversion"], where + ".conversion");
  expect_share(f["engaged_rate"], where + ".engaged_rate");
  if (!f["star"].is_null()) {
    EXPECT_GE(f["star"].get<double>(), 0.0) << where;
  }
  EXPECT_NE(f["conversion"].is_null(), f["rate_reason"].is_null()) << where << " " << f.dump();
  EXPECT_LE(f["rate_basis"]["buyers"].get<std::int64_t>(), f["rate_basis"]["visitors"].get<std::int64_t>()) << where;
}

TEST(rates_property, no_rate_leaves_its_bounds_on_random_days) {
  const auto g = golden_day::load("ordinary_day");
  const auto day = g.day();
  const auto start = analytics::local_midnight(day, g.zone);
  for (unsigned seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    auto rules = g.rules;
    rules.close_rate_min_opportunities = seed % 3 == 0 ? 1 : 10;
    rules.coverage_floor_pct = seed % 4 == 0 ? 0 : 90;
    const auto events = random_day(seed, start).make();
    const auto a = analytics::analyse_day(day, g.zone, rules, events, core::utc_time::max());
    const auto r = analytics::day_report_json(a, rules, g.zone, g.store);
    expect_rates_in_bounds(r["totals"], "totals");
    for (const auto& h : r["hours"]) expect_rates_in_bounds(h, h["local_start"].get<std::string>());
    expect_share(r["team_close_rate"], "team_close_rate");
    for (const auto& as : r["associates"]) {
      const auto id = as["operator_id"].get<std::string>();
      expect_share(as["close_rate"], "close_rate of " + id);
      EXPECT_NE(as["close_rate"].is_null(), as["close_rate_reason"].is_null()) << id;
    }
    double opportunities = 0;
    for (const auto& as : a.associates) {
      EXPECT_LE(static_cast<double>(as.close.transactions), as.close.opportunities + 1e-9) << as.operator_id;
      opportunities += as.close.opportunities;
    }
    // Non-buyers are shared out, never invented: the team's opportunities are at most the visitors.
    EXPECT_LE(opportunities, r["totals"]["rate_basis"]["visitors"].get<double>() + 1e-6);
    const auto live = analytics::live_json(a, std::nullopt, rules, g.zone, g.store);
    expect_share(live["conversion"], "live");
    EXPECT_EQ(live["conversion"], r["totals"]["conversion"]);
  }
}

}  // namespace
}  // namespace kelu::test
