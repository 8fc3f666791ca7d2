// SPDX-License-Identifier: Apache-2.0
#include "fleet_profile.hpp"

#include <cstdio>
#include <fstream>
#include <random>

namespace kelu::sim {

namespace {

const char* const surnames[] = {"Li", "Wang", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu"};
const char* const given[] = {"Na", "Fang", "Wei", "Min", "Jing", "Lei", "Yan", "Tao", "Hui", "Qiang"};

std::vector<product> catalogue() {
  struct row {
    const char* name;
    const char* category;
    std::int64_t price;
  };
  const row rows[] = {{"Oolong tea 500ml", "drinks", 450},     {"Sparkling water", "drinks", 300},
                      {"Cold brew coffee", "drinks", 1500},     {"Mooncake box", "bakery", 8800},
                      {"Egg tart", "bakery", 900},              {"Pineapple bun", "bakery", 650},
                      {"Silk scarf", "accessories", 26800},     {"Canvas tote", "accessories", 9900},
                      {"Sunglasses", "accessories", 19900},     {"Cotton T-shirt", "apparel", 7900},
                      {"Linen shirt", "apparel", 29900},        {"Down jacket", "apparel", 89900},
                      {"Hand cream", "beauty", 5900},           {"Lip balm", "beauty", 3900},
                      {"Face mask pack", "beauty", 12900},      {"Notebook A5", "stationery", 1800},
                      {"Gel pen set", "stationery", 2500},      {"Phone case", "electronics", 4900},
                      {"USB-C cable", "electronics", 3900},     {"Earbuds", "electronics", 29900}};
  std::vector<product> out;
  int rank = 1;
  for (const auto& r : rows) {
    char id[16];
    std::snprintf(id, sizeof id, "SKU-%04d", rank);
    out.push_back({id, r.name, r.category, r.price, 1.0 / rank});
    ++rank;
  }
  return out;
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

fleet_profile make_fleet(const std::string& tenant, int stores, std::uint64_t seed) {
  fleet_profile f;
  f.catalogue = catalogue();
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> size(0.5, 1.5), conversion(0.14, 0.26), skill(0.6, 1.3);
  for (int i = 1; i <= stores; ++i) {
    store_profile s;
    char id[32], region[32], epoch[17];
    std::snprintf(id, sizeof id, "sim-%05d", i);
    std::snprintf(region, sizeof region, "region-%02d", (i - 1) / 20 + 1);
    std::snprintf(epoch, sizeof epoch, "%016llx", static_cast<unsigned long long>(rng()));
    s.tenant = tenant;
    s.id = id;
    s.name = std::string("Store ") + id;
    s.region = region;
    s.epoch = epoch;
    s.size = size(rng);
    s.conversion = conversion(rng);
    for (int a = 1; a <= 4; ++a) {
      associate p;
      p.id = "E" + std::to_string(a);
      p.person = std::string(id) + "-p" + std::to_string(a);
      p.name = std::string(surnames[static_cast<std::size_t>(rng() % 10)]) + " " +
               given[static_cast<std::size_t>(rng() % 10)];
      p.role = a == 4 ? "part-time" : "full-time";
      p.hired_on = a == 4 ? "2026-09-01" : "2022-03-01";
      p.shift = (a - 1) / 2;
      p.skill = skill(rng);
      s.associates.push_back(p);
    }
    f.stores.push_back(std::move(s));
  }
  return f;
}

core::status write_master_data(const fleet_profile& f, const std::string& dir) {
  std::ofstream stores(dir + "/stores.csv"), products(dir + "/products.csv"), people(dir + "/associates.csv");
  stores << "store,name,time_zone,currency,region,region_from,tags\n";
  for (const auto& s : f.stores)
    stores << s.id << "," << quoted(s.name) << "," << f.time_zone << "," << f.currency << "," << s.region
           << ",2020-01-01,simulated\n";
  products << "item_id,description,category\n";
  for (const auto& p : f.catalogue) products << p.item_id << "," << quoted(p.description) << "," << p.category << "\n";
  people << "store,operator_id,person_id,name,role,hired_on\n";
  for (const auto& s : f.stores)
    for (const auto& a : s.associates)
      people << s.id << "," << a.id << "," << a.person << "," << quoted(a.name) << "," << a.role << "," << a.hired_on << "\n";
  if (!stores.flush() || !products.flush() || !people.flush()) return core::error{dir + ": cannot write the master data"};
  return core::ok();
}

}  // namespace kelu::sim
