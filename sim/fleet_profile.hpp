// SPDX-License-Identifier: Apache-2.0
#pragma once
// The stores a fleet simulation plays (`kelu simulate --fleet N`): each with its size, conversion,
// associates and the chain's catalogue, all from a seed, so a run is repeatable. Also written as
// the master-data CSV files HQ imports (`kelu-hq import`), so HQ's report knows the simulated
// region's stores, products and people.
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace kelu::sim {

struct product {
  std::string item_id;
  std::string description;
  std::string category;
  std::int64_t price_minor = 0;
  double weight = 1;  // popularity: Zipf over the catalogue
};

struct associate {
  std::string id;      // what the tills record
  std::string person;  // who it is across stores (HQ's master data)
  std::string name;
  std::string role;    // full-time, part-time
  std::string hired_on;
  int shift = 0;       // 0: opening to 16:00, 1: 16:00 to closing
  double skill = 1;    // how likely a visitor they serve buys, relative to the store's rate
};

struct store_profile {
  std::string tenant;
  std::string id;
  std::string name;
  std::string region;
  std::string epoch;     // 16 hex digits: the simulated box's database
  double size = 1;       // visitors relative to a busy store's day
  double conversion = 0.2;
  std::vector<associate> associates;
};

struct fleet_profile {
  std::vector<store_profile> stores;
  std::vector<product> catalogue;
  std::string time_zone = "Asia/Shanghai";
  std::string currency = "CNY";
  int busy_visitors = 1200;  // a busy store's visitors a day
  int opens_hour = 10;
  int closes_hour = 22;
};

// `stores` stores of `tenant` in regions of about 20 stores each ("region-01", ...).
fleet_profile make_fleet(const std::string& tenant, int stores, std::uint64_t seed);

// stores.csv, products.csv and associates.csv (hq/master's formats) into `dir`.
core::status write_master_data(const fleet_profile& fleet, const std::string& dir);

}  // namespace kelu::sim
