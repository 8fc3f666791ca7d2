// SPDX-License-Identifier: Apache-2.0
#pragma once
// When the agent ran: one row per boot, its start and the last time it was known alive
// (touched every analytics tick). Analytics treats time outside every run as unseen, so a box
// that was switched off reports missing coverage, not a quiet hour. On the io_context thread.
#include <string>
#include <utility>
#include <vector>

#include "core/time.hpp"
#include "database.hpp"

namespace kelu::sync {

class run_log {
 public:
  explicit run_log(database& db);
  void touch(const std::string& boot_id, core::utc_time started_at, core::utc_time now);
  // Runs overlapping [from, to), as (start, last alive), by start.
  std::vector<std::pair<core::utc_time, core::utc_time>> between(core::utc_time from, core::utc_time to);
  // Deletes runs that ended before `cutoff`.
  std::int64_t prune(core::utc_time cutoff);

 private:
  database& db_;
};

}  // namespace kelu::sync
