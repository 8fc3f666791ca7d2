// SPDX-License-Identifier: Apache-2.0
#include "store_day.hpp"

#include <algorithm>
#include <random>

#include "analytics/funnel.hpp"
#include "analytics/funnel_rules.hpp"
#include "analytics/report_json.hpp"
#include "core/time.hpp"

namespace kelu::sim {

namespace {

// Share of the day's visitors by local hour while open (10:00..21:00): lunch and evening peaks.
constexpr double hour_weight[24] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 6, 9, 10, 7, 6, 6, 8, 10, 11, 9, 6, 0, 0};
constexpr double weight_sum = 92;

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = a ^ (b + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::uint64_t hash_text(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

}  // namespace

store_day::store_day(const fleet_profile& fleet, const store_profile& store, std::chrono::sys_days day,
                     core::time_zone zone, std::uint64_t seed)
    : fleet_(&fleet), store_(&store), day_(day), zone_(std::move(zone)), seed_(mix(seed, hash_text(store.id))) {}

core::utc_time store_day::at(int hour, std::int64_t ms) const {
  const auto local = core::local_time{std::chrono::local_days{day_.time_since_epoch()}} + std::chrono::hours(hour) +
                     std::chrono::milliseconds(ms);
  return zone_.to_utc(local).utc;
}

core::utc_time store_day::start() const { return at(0, 0); }
core::utc_time store_day::end() const { return at(24, 0); }

core::event store_day::stamp(core::event e) {
  e.epoch = store_->epoch;
  e.received_at = e.observed_at + std::chrono::milliseconds(150);
  return e;
}

void store_day::sale(core::utc_time when, const associate& seller, std::uint64_t draw, std::vector<core::event>& out) {
  std::mt19937_64 rng(draw);
  core::pos_transaction t;
  t.terminal = "POS1";
  t.transaction_id = std::to_string(++transactions_);
  t.business_day = core::format_date(zone_.to_local(when));
  t.operator_id = seller.id;
  t.operator_name = seller.name;
  t.salesperson_id = seller.id;
  t.salesperson_name = seller.name;
  t.currency = fleet_->currency;
  std::vector<double> weights;
  for (const auto& p : fleet_->catalogue) weights.push_back(p.weight);
  std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
  const auto lines = 1 + rng() % 4;
  for (std::uint64_t i = 0; i < lines; ++i) {
    const auto& p = fleet_->catalogue[pick(rng)];
    core::pos_line_item item;
    item.item_id = p.item_id;
    item.description = p.description;
    item.department = p.category;
    item.quantity_milli = 1000;
    item.unit_price_minor = p.price_minor;
    item.amount_minor = p.price_minor;
    t.items.push_back(item);
    t.total_minor += p.price_minor;
  }
  core::pos_tender tender;
  tender.method = "alipay";
  tender.amount_minor = t.total_minor;
  t.tenders.push_back(tender);
  out.push_back(stamp(core::make_event({store_->id, "pos-tcp", "pos", when, when}, t)));
}

void store_day::visitor(core::utc_time in, std::uint64_t draw, std::vector<core::event>& out) {
  std::mt19937_64 rng(draw);
  std::exponential_distribution<double> stay(1.0 / (12 * 60'000.0)), dwell(1.0 / 60'000.0);
  const auto close = at(fleet_->closes_hour, 0);
  const auto leave = std::min(in + std::chrono::milliseconds(static_cast<std::int64_t>(120'000 + stay(rng))), close);
  const auto track = ++tracks_;
  out.push_back(stamp(core::make_event({store_->id, "camera-door", "traffic", in, in},
                                       core::traffic_line_cross{"door", "entrance", core::crossing_direction::in, track})));
  if (rng() % 10 < 4) {
    const auto entered = in + std::chrono::seconds(30);
    const auto ms = static_cast<std::int64_t>(dwell(rng)) + 2000;
    const auto left = std::min(entered + std::chrono::milliseconds(ms), leave);
    out.push_back(stamp(core::make_event(
        {store_->id, "camera-door", "traffic", left, left},
        core::traffic_zone_dwell{"door", "promo", track, entered, (left - entered).count(), (left - entered).count() >= 30'000})));
  }
  // Served by an associate on shift; a skilled one closes more often.
  const int shift = zone_.to_local(in) < core::local_time{std::chrono::local_days{day_.time_since_epoch()}} +
                                             std::chrono::hours(16)
                        ? 0
                        : 1;
  std::vector<const associate*> on;
  for (const auto& a : store_->associates)
    if (a.shift == shift) on.push_back(&a);
  const auto& seller = *on[static_cast<std::size_t>(rng() % on.size())];
  std::uniform_real_distribution<double> chance(0, 1);
  if (chance(rng) < store_->conversion * seller.skill) sale(leave - std::chrono::seconds(60), seller, rng(), out);
  out.push_back(stamp(core::make_event({store_->id, "camera-door", "traffic", leave, leave},
                                       core::traffic_line_cross{"door", "entrance", core::crossing_direction::out, track})));
}

std::vector<core::event> store_day::hour(int h) {
  std::vector<core::event> out;
  std::mt19937_64 rng(mix(seed_, static_cast<std::uint64_t>(h)));
  if (h == fleet_->opens_hour)
    for (const auto& a : store_->associates)
      if (a.shift == 0)
        out.push_back(stamp(core::make_event({store_->id, "pos-tcp", "pos", at(h, 0), at(h, 0)},
                                             core::pos_operator{"POS1", "", core::format_date(zone_.to_local(at(h, 0))), a.id,
                                                                a.name, core::pos_operator_action::sign_on, {}})));
  if (h == 16)
    for (const auto& a : store_->associates)
      out.push_back(stamp(core::make_event(
          {store_->id, "pos-tcp", "pos", at(h, 0), at(h, 0)},
          core::pos_operator{"POS1", "", core::format_date(zone_.to_local(at(h, 0))), a.id, a.name,
                             a.shift == 0 ? core::pos_operator_action::sign_off : core::pos_operator_action::sign_on, {}})));
  const double expected = fleet_->busy_visitors * store_->size * hour_weight[h] / weight_sum;
  std::poisson_distribution<int> arrivals(expected > 0 ? expected : 1e-9);
  const int n = expected > 0 ? arrivals(rng) : 0;
  std::uniform_int_distribution<std::int64_t> when(0, 3'600'000 - 1);
  std::vector<core::utc_time> entries;
  for (int i = 0; i < n; ++i) entries.push_back(at(h, when(rng)));
  std::sort(entries.begin(), entries.end());
  for (const auto& in : entries) visitor(in, rng(), out);
  for (int q = 0; q < 4; ++q) {  // health every 15 minutes, open or not (the box runs all day)
    core::agent_health health;
    health.uptime_s = (h * 4 + q) * 900;
    health.mqtt_connected = true;
    out.push_back(stamp(core::make_event({store_->id, "agent", "health", at(h, q * 900'000), at(h, q * 900'000)}, health)));
  }
  if (hour_weight[h] > 0) {
    core::heatmap_tile tile{"door", "hour", at(h, 0), at(h + 1, 0), 32, 24, 768, 576, {}};
    for (int c = 0; c < 32 * 24; ++c) tile.cells_ds.push_back(static_cast<std::int64_t>(rng() % 50));
    out.push_back(stamp(core::make_event({store_->id, "camera-door", "heatmap", at(h + 1, 0), at(h + 1, 0)}, tile)));
  }
  std::stable_sort(out.begin(), out.end(), [](const core::event& a, const core::event& b) { return a.observed_at < b.observed_at; });
  for (auto& e : out) e.seq = ++seqs_[e.source];  // the box numbers what it commits, in order
  return out;
}

nlohmann::json store_day::status(core::utc_time started) const {
  return {{"state", "online"},      {"version", "sim"},        {"schema_version", 0},
          {"config_hash", "0000000000000000"}, {"boot_id", std::string(32, '0')},
          {"tenant", store_->tenant}, {"store", store_->id},     {"started_at", core::format_iso8601(started)},
          {"epoch", store_->epoch},  {"epoch_created_at", core::format_iso8601(started)},
          {"epoch_origin", "created"}};
}

std::vector<std::pair<std::string, nlohmann::json>> store_day::closed(core::utc_time closed_at) const {
  store_day again(*fleet_, *store_, day_, zone_, 0);
  again.seed_ = seed_;
  std::vector<core::event> events;
  for (int h = 0; h < 24; ++h)
    for (auto& e : again.hour(h)) events.push_back(std::move(e));
  analytics::funnel_rules rules;
  rules.currency = fleet_->currency;
  char opening[40];
  std::snprintf(opening, sizeof opening, "mon-sun %02d:00-%02d:00", fleet_->opens_hour, fleet_->closes_hour);
  rules.opening = *analytics::weekly_hours::parse(opening, false);
  rules.line_roles[{"door", "entrance"}] = analytics::line_role::entrance;  // the door camera counts visitors
  const auto day = analytics::analyse_day(day_, zone_, rules, events, closed_at);
  const analytics::store_identity id{store_->tenant, store_->id, store_->name, fleet_->currency};
  std::vector<std::pair<std::string, nlohmann::json>> out;
  const auto revised = [&](nlohmann::json j) {
    j["revision"] = 1;
    j["closed_at"] = core::format_iso8601(closed_at);
    j["epoch"] = store_->epoch;
    return j;
  };
  for (const auto& b : day.hours) out.emplace_back("funnel.hour", revised(analytics::bucket_json(b, day, rules, zone_, id)));
  out.emplace_back("report.day", revised(analytics::day_report_json(day, rules, zone_, id)));
  return out;
}

}  // namespace kelu::sim
