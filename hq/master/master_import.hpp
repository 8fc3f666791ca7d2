// SPDX-License-Identifier: Apache-2.0
#pragma once
// `kelu-hq import stores|products|associates FILE`: a checked CSV file (master_rows.hpp) into
// HQ's PostgreSQL, in one transaction: all of it or, on any error, none of it.
//
// Rows are upserts by their key — (tenant, store), (tenant, item_id), (tenant, store, operator_id)
// — so a file may be imported again after a correction, and a partial file adds to what is
// there. A store's region history is the one its rows give: importing a store replaces its region
// assignments (a reorganisation is a new row with the date it took effect, never an edit of the
// old one, so earlier periods keep reporting by the regions they had).
#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "csv_table.hpp"
#include "hq/db/pg_connection.hpp"

namespace kelu::hq {

enum class master_kind { stores, products, associates };

struct import_counts {
  std::int64_t rows = 0;       // what the file held (stores: one per store, whatever its regions)
  std::int64_t inserted = 0;   // new keys
  std::int64_t updated = 0;    // keys that were there
};

// Fails naming the file and line (a time zone PostgreSQL does not know, say), or PostgreSQL's error.
core::result<import_counts> import_master(pg_connection& db, const std::string& tenant, master_kind kind,
                                          const csv_table& table);

}  // namespace kelu::hq
