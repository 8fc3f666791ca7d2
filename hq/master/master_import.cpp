// SPDX-License-Identifier: Apache-2.0
#include "master_import.hpp"

#include <variant>

#include "master_rows.hpp"

namespace kelu::hq {

namespace {

using params = std::vector<std::optional<std::string>>;

// Runs one upsert and counts it: RETURNING (xmax = 0) is true for an insert, false for an update.
std::optional<pg_error> upsert(pg_connection& db, const std::string& sql, const params& p, import_counts& counts) {
  auto r = db.run(sql, p);
  if (auto* e = std::get_if<pg_error>(&r)) return *e;
  const auto& rows = std::get<pg_rows>(r);
  ++(rows.size() > 0 && rows.text(0, 0) == "t" ? counts.inserted : counts.updated);
  return std::nullopt;
}

core::result<import_counts> import_stores(pg_connection& db, const std::string& tenant, const csv_table& table) {
  auto records = read_stores(table);
  if (!records) return core::error{records.error_message()};
  // The file's zones against PostgreSQL's in one query (pg_timezone_names reads the zone files at
  // every call); the first store in the file with an unknown one is named.
  std::vector<std::string> zones;
  for (const auto& s : *records) zones.push_back(s.time_zone);
  auto unknown = db.run("SELECT z FROM unnest($1::text[]) z WHERE z NOT IN (SELECT name FROM pg_timezone_names)",
                        {pg_text_array(zones)});
  if (auto* e = std::get_if<pg_error>(&unknown)) return pg_failure(*e);
  const auto& u = std::get<pg_rows>(unknown);
  for (const auto& s : *records)
    for (int i = 0; i < u.size(); ++i)
      if (u.text(i, 0) == s.time_zone)
        return core::error{table.name() + ":" + std::to_string(s.line) + ": time_zone: \"" + s.time_zone +
                           "\" is not an IANA time zone PostgreSQL knows (Asia/Shanghai), nothing imported"};
  import_counts counts;
  for (const auto& s : *records) {
    if (auto e = upsert(db,
                        "INSERT INTO stores (tenant, store, name, time_zone, currency, tags) VALUES ($1, $2, $3, $4, "
                        "$5, $6::text[]) ON CONFLICT (tenant, store) DO UPDATE SET name = EXCLUDED.name, time_zone = "
                        "EXCLUDED.time_zone, currency = EXCLUDED.currency, tags = EXCLUDED.tags, imported_at = now() "
                        "RETURNING (xmax = 0)",
                        {tenant, s.store, s.name, s.time_zone, s.currency, pg_text_array(s.tags)}, counts))
      return pg_failure(*e);
    auto cleared = db.run("DELETE FROM store_regions WHERE tenant = $1 AND store = $2", {tenant, s.store});
    if (auto* e = std::get_if<pg_error>(&cleared)) return pg_failure(*e);
    for (const auto& a : s.regions) {
      auto r = db.run("INSERT INTO store_regions (tenant, store, valid_from, region) VALUES ($1, $2, $3, $4)",
                      {tenant, s.store, a.valid_from, a.region});
      if (auto* e = std::get_if<pg_error>(&r)) return pg_failure(*e);
    }
    ++counts.rows;
  }
  return counts;
}

core::result<import_counts> import_products(pg_connection& db, const std::string& tenant, const csv_table& table) {
  auto records = read_products(table);
  if (!records) return core::error{records.error_message()};
  import_counts counts;
  for (const auto& p : *records) {
    if (auto e = upsert(db,
                        "INSERT INTO products (tenant, item_id, description, category) VALUES ($1, $2, $3, $4) "
                        "ON CONFLICT (tenant, item_id) DO UPDATE SET description = EXCLUDED.description, category = "
                        "EXCLUDED.category RETURNING (xmax = 0)",
                        {tenant, p.item_id, p.description, p.category}, counts))
      return pg_failure(*e);
    ++counts.rows;
  }
  return counts;
}

core::result<import_counts> import_associates(pg_connection& db, const std::string& tenant, const csv_table& table) {
  auto records = read_associates(table);
  if (!records) return core::error{records.error_message()};
  import_counts counts;
  for (const auto& a : *records) {
    if (auto e = upsert(db,
                        "INSERT INTO associates (tenant, store, operator_id, person_id, name, role, hired_on) VALUES "
                        "($1, $2, $3, $4, $5, $6, $7::date) ON CONFLICT (tenant, store, operator_id) DO UPDATE SET "
                        "person_id = EXCLUDED.person_id, name = EXCLUDED.name, role = EXCLUDED.role, hired_on = "
                        "EXCLUDED.hired_on RETURNING (xmax = 0)",
                        {tenant, a.store, a.operator_id, a.person_id, a.name, a.role,
                         a.hired_on.empty() ? std::nullopt : std::optional<std::string>(a.hired_on)},
                        counts))
      return pg_failure(*e);
    ++counts.rows;
  }
  return counts;
}

}  // namespace

core::result<import_counts> import_master(pg_connection& db, const std::string& tenant, master_kind kind,
                                          const csv_table& table) {
  if (auto e = db.exec("BEGIN")) return pg_failure(*e);
  auto counts = kind == master_kind::stores     ? import_stores(db, tenant, table)
                : kind == master_kind::products ? import_products(db, tenant, table)
                                                : import_associates(db, tenant, table);
  if (!counts) {
    db.exec("ROLLBACK");
    return counts;
  }
  if (auto e = db.exec("COMMIT")) return pg_failure(*e);
  return counts;
}

}  // namespace kelu::hq
