// SPDX-License-Identifier: Apache-2.0
#include "region_query.hpp"

#include <set>
#include <variant>

#include "analytics/weekly_hours.hpp"

namespace kelu::hq {

namespace {

using nlohmann::json;

// The stores in the region, each day of the period they were in it.
std::optional<pg_error> load_store_days(pg_connection& db, region_input& in) {
  auto rows = db.run(
      "SELECT s.store, s.name, s.time_zone, s.currency, d::date::text FROM stores s CROSS JOIN "
      "generate_series($2::date, $3::date, interval '1 day') d WHERE s.tenant = $1 AND (SELECT r.region FROM "
      "store_regions r WHERE r.tenant = s.tenant AND r.store = s.store AND r.valid_from <= d::date ORDER BY "
      "r.valid_from DESC LIMIT 1) = $4 ORDER BY 1, 5",
      {in.tenant, in.from, in.to, in.region});
  if (auto* e = std::get_if<pg_error>(&rows)) return *e;
  const auto& r = std::get<pg_rows>(rows);
  for (int i = 0; i < r.size(); ++i) {
    const std::string store(r.text(i, 0));
    in.stores[store] = {std::string(r.text(i, 1)), std::string(r.text(i, 2)), std::string(r.text(i, 3))};
    in.days.push_back({store, std::string(r.text(i, 4)), std::nullopt, "", 0, ""});
  }
  return std::nullopt;
}

// Parallel arrays of the store-days: store, day, time zone.
struct day_arrays {
  std::string stores, days, zones;
};
day_arrays arrays_of(const region_input& in) {
  std::vector<std::string> s, d, z;
  for (const auto& sd : in.days) {
    s.push_back(sd.store);
    d.push_back(sd.day);
    z.push_back(in.stores.at(sd.store).time_zone);
  }
  return {pg_text_array(s), pg_text_array(d), pg_text_array(z)};
}

std::optional<pg_error> load_reports(pg_connection& db, region_input& in, const day_arrays& a) {
  auto rows = db.run(
      "SELECT a.store, a.body->>'day', a.epoch, a.revision, a.body::text FROM aggregates a JOIN unnest($2::text[], "
      "$3::text[]) u(store, day) ON a.store = u.store AND a.body->>'day' = u.day WHERE a.tenant = $1 AND a.kind = "
      "'report/day'",
      {in.tenant, a.stores, a.days});
  if (auto* e = std::get_if<pg_error>(&rows)) return *e;
  const auto& r = std::get<pg_rows>(rows);
  std::map<std::string, int> at;
  for (int i = 0; i < r.size(); ++i) at[std::string(r.text(i, 0)) + "\n" + std::string(r.text(i, 1))] = i;
  for (auto& d : in.days) {
    const auto it = at.find(d.store + "\n" + d.day);
    if (it == at.end()) continue;
    auto body = json::parse(r.text(it->second, 4), nullptr, false);
    d.epoch = r.text(it->second, 2);
    d.revision = r.integer(it->second, 3);
    d.unreadable = body.is_discarded() ? "not JSON" : day_report_problem(body);
    if (d.unreadable.empty()) d.report = std::move(body);
  }
  return std::nullopt;
}

std::optional<pg_error> load_transactions(pg_connection& db, region_input& in, const day_arrays& a) {
  // One row per till business key: a transaction two epochs of a store both sent counts once.
  auto rows = db.run(
      "SELECT DISTINCT ON (e.store, e.body->'payload'->>'terminal', e.body->'payload'->>'business_day', "
      "e.body->'payload'->>'transaction_id') e.store, e.body::text FROM events e JOIN unnest($2::text[], "
      "$3::date[], $4::text[]) u(store, day, tz) ON e.store = u.store AND e.observed_at >= (u.day::timestamp AT "
      "TIME ZONE u.tz) AND e.observed_at < ((u.day + 1)::timestamp AT TIME ZONE u.tz) WHERE e.tenant = $1 AND "
      "e.type = 'pos.transaction' ORDER BY e.store, e.body->'payload'->>'terminal', "
      "e.body->'payload'->>'business_day', e.body->'payload'->>'transaction_id', e.observed_at",
      {in.tenant, a.stores, a.days, a.zones});
  if (auto* e = std::get_if<pg_error>(&rows)) return *e;
  const auto& r = std::get<pg_rows>(rows);
  for (int i = 0; i < r.size(); ++i) {
    auto body = json::parse(r.text(i, 1), nullptr, false);
    if (!body.is_discarded()) in.transactions.push_back({std::string(r.text(i, 0)), std::move(body)});
  }
  return std::nullopt;
}

std::optional<pg_error> load_master(pg_connection& db, region_input& in) {
  std::vector<std::string> stores;
  for (const auto& [id, s] : in.stores) stores.push_back(id);
  auto people = db.run(
      "SELECT store, operator_id, person_id, name, role, coalesce(hired_on::text, '') FROM associates WHERE "
      "tenant = $1 AND (store = ANY($2::text[]) OR person_id IN (SELECT person_id FROM associates WHERE tenant = $1 "
      "AND store = ANY($2::text[])))",
      {in.tenant, pg_text_array(stores)});
  if (auto* e = std::get_if<pg_error>(&people)) return *e;
  const auto& p = std::get<pg_rows>(people);
  for (int i = 0; i < p.size(); ++i)
    in.associates[std::string(p.text(i, 0)) + "\n" + std::string(p.text(i, 1))] = {
        std::string(p.text(i, 2)), std::string(p.text(i, 3)), std::string(p.text(i, 4)), std::string(p.text(i, 5))};
  std::set<std::string> ids;
  for (const auto& t : in.transactions) {
    // As a store sent it: value() would throw on a payload or items of another type.
    const auto payload = t.event.find("payload");
    if (payload == t.event.end() || !payload->is_object()) continue;
    const auto items = payload->find("items");
    if (items == payload->end() || !items->is_array()) continue;
    for (const auto& i : *items)
      if (i.is_object() && i.contains("item_id") && i["item_id"].is_string()) ids.insert(i["item_id"].get<std::string>());
  }
  auto items = db.run("SELECT item_id, category FROM products WHERE tenant = $1 AND item_id = ANY($2::text[])",
                      {in.tenant, pg_text_array({ids.begin(), ids.end()})});
  if (auto* e = std::get_if<pg_error>(&items)) return *e;
  const auto& c = std::get<pg_rows>(items);
  for (int i = 0; i < c.size(); ++i) in.categories[std::string(c.text(i, 0))] = c.text(i, 1);
  return std::nullopt;
}

}  // namespace

core::result<region_input> load_region(pg_connection& db, const std::string& tenant, const std::string& region,
                                       const std::string& from, const std::string& to) {
  const auto first = analytics::parse_day(from), last = analytics::parse_day(to);
  if (!first) return core::error{"--from: \"" + from + "\" is not a date YYYY-MM-DD"};
  if (!last) return core::error{"--to: \"" + to + "\" is not a date YYYY-MM-DD"};
  if (*last < *first) return core::error{"--to " + to + " is before --from " + from};
  if ((*last - *first).count() > 366) return core::error{"--from " + from + " --to " + to + ": more than a year"};
  region_input in;
  in.tenant = tenant;
  in.region = region;
  in.from = from;
  in.to = to;
  // One snapshot for every query: the report is consistent even while sinks file.
  if (auto e = db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) return pg_failure(*e);
  const auto load = [&]() -> std::optional<pg_error> {
    if (auto e = load_store_days(db, in)) return e;
    if (in.days.empty()) return std::nullopt;
    const auto a = arrays_of(in);
    if (auto e = load_reports(db, in, a)) return e;
    if (auto e = load_transactions(db, in, a)) return e;
    return load_master(db, in);
  };
  auto e = load();
  db.exec("ROLLBACK");
  if (e) return pg_failure(*e);
  if (in.days.empty())
    return core::error{"region \"" + region + "\" of tenant " + tenant + " has no store between " + from + " and " + to +
                       " (kelu-hq import stores gives stores their regions)"};
  return in;
}

}  // namespace kelu::hq
