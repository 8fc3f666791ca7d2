// SPDX-License-Identifier: Apache-2.0
#pragma once
// HQ's master data as CSV rows (docs/hq.md, "Master data"), checked without any I/O: which
// columns each file needs and what each field may hold. An error names the file, the line and
// the column; every bad row of a file is reported (up to 20), not only the first, so a file is
// mended in one pass. A file with any error is imported not at all.
//
//   stores.csv      store, time_zone, currency, region, region_from [, name, tags]
//                   one row per region assignment: a store reorganised into another region on
//                   2026-03-01 has a second row with that region_from; name, time_zone, currency
//                   and tags (separated by ";") must agree between a store's rows
//   products.csv    item_id, category [, description]
//   associates.csv  store, operator_id, person_id [, name, role, hired_on]
//                   operator_id is what the store's tills record (cashier or salesperson id);
//                   person_id is who that is across stores
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "csv_table.hpp"

namespace kelu::hq {

struct region_assignment {
  std::string region;
  std::string valid_from;  // YYYY-MM-DD: the first local day the store reports in the region
};

struct store_record {
  std::size_t line = 0;
  std::string store;
  std::string name;
  std::string time_zone;  // IANA; checked against PostgreSQL's zones when imported
  std::string currency;   // ISO 4217
  std::vector<std::string> tags;
  std::vector<region_assignment> regions;
};

struct product_record {
  std::size_t line = 0;
  std::string item_id;
  std::string description;
  std::string category;
};

struct associate_record {
  std::size_t line = 0;
  std::string store;
  std::string operator_id;
  std::string person_id;
  std::string name;
  std::string role;
  std::string hired_on;  // YYYY-MM-DD or ""
};

core::result<std::vector<store_record>> read_stores(const csv_table& t);
core::result<std::vector<product_record>> read_products(const csv_table& t);
core::result<std::vector<associate_record>> read_associates(const csv_table& t);

// Letters, digits, '.', '_' and '-' (what a store id may be: it is part of MQTT topics).
bool valid_store_id(const std::string& id);

}  // namespace kelu::hq
