// SPDX-License-Identifier: Apache-2.0
// `kelu-hq import stores|products|associates FILE`: HQ's master data from CSV (docs/hq.md,
// "Master data"; hq/master/master_import.hpp).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "commands.hpp"
#include "hq/db/hq_schema.hpp"
#include "hq/master/master_import.hpp"

namespace kelu::hq::cli {

namespace {

struct import_settings {
  std::string kind, file, database, tenant;
  int timeout_s = 30;
};

int run_import(const import_settings& s) {
  std::ifstream in(s.file, std::ios::binary);
  if (!in) {
    std::cerr << "kelu-hq import: " << s.file << ": cannot be read\n";
    return 1;
  }
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  auto table = csv_table::parse(text, s.file);
  if (!table) {
    std::cerr << "kelu-hq import: " << table.error_message() << "\n";
    return 1;
  }
  auto db = pg_connection::open(s.database, std::chrono::seconds(s.timeout_s));
  if (!db) {
    std::cerr << "kelu-hq import: " << db.error_message() << "\n";
    return 1;
  }
  if (auto st = migrate_hq_schema(*db); !st) {
    std::cerr << "kelu-hq import: " << st.error_message() << "\n";
    return 1;
  }
  const auto kind = s.kind == "stores" ? master_kind::stores : s.kind == "products" ? master_kind::products
                                                                                    : master_kind::associates;
  auto counts = import_master(*db, s.tenant, kind, *table);
  if (!counts) {
    std::cerr << "kelu-hq import: " << counts.error_message() << "\n";
    return 1;
  }
  std::cout << s.kind << ": " << counts->rows << " from " << s.file << " (" << counts->inserted << " new, "
            << counts->updated << " updated) for tenant " << s.tenant << "\n";
  return 0;
}

}  // namespace

command add_import(CLI::App& app) {
  auto s = std::make_shared<import_settings>();
  auto* c = app.add_subcommand("import", "Import HQ's master data from CSV: stores (with regions), products, associates");
  c->add_option("kind", s->kind, "stores, products or associates")
      ->required()
      ->check(CLI::IsMember({"stores", "products", "associates"}));
  c->add_option("file", s->file, "The CSV file (UTF-8, a header row naming the columns)")->required();
  c->add_option("--db", s->database, "libpq connection string or postgresql:// URI")->required();
  c->add_option("--tenant", s->tenant, "The tenant (store.tenant of its boxes)")->required();
  c->add_option("--timeout", s->timeout_s, "Seconds for connecting and for each statement")->check(CLI::Range(1, 600));
  return [c, s] { return c->parsed() ? run_import(*s) : -1; };
}

}  // namespace kelu::hq::cli
