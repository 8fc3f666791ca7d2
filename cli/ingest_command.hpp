// SPDX-License-Identifier: Apache-2.0
#pragma once
// `kelu ingest`: technicians backfill a store's history from exported files through the same
// parsers the live drivers use, straight into the store's database (safe beside a running
// agent: SQLite serialises the writers). Idempotent: the dedupe key makes a second run store
// nothing new.
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "drivers/pos_file_format.hpp"

namespace kelu::cli {

struct ingest_options {
  std::optional<drivers::pos_format> format;  // empty: by each file's extension
  std::vector<std::string> paths;             // files, or folders whose files are read in name order
  bool json = false;
  bool dry_run = false;  // parse and summarise only: what a mapping makes of a file, before it counts
};

// Exit code: 0 when everything was stored, 1 when some records or files were rejected
// (the rest is stored), 2 when nothing could be done (config, database).
int run_ingest(const config::config& c, const ingest_options& o, std::ostream& out, std::ostream& err);

}  // namespace kelu::cli
