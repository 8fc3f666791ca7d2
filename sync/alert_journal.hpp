// SPDX-License-Identifier: Apache-2.0
#pragma once
// Every alert the box fired, with what became of it: kept so an alert's outcome can be judged
// after its window (analytics::judge_outcome), so a restart neither forgets a firing alert nor
// fires it again, and so a week's alerts can be reviewed (analytics::weekly_review). The body
// is analytics' entry as JSON: the store keeps it opaque. On the io_context thread, like the
// rest of the store; every call throws std::runtime_error when SQLite fails.
#include <cstdint>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "database.hpp"

namespace kelu::sync {

struct journal_row {
  std::string id;
  core::utc_time fired_at{};
  bool settled = false;  // resolved and its outcome final
  std::string body;
};

class alert_journal {
 public:
  explicit alert_journal(database& db);
  // Inserts the entry, or replaces the one with the same id.
  void put(const journal_row& row);
  // Entries not settled yet (firing, or their outcome still pending), oldest first.
  std::vector<journal_row> unsettled();
  // Entries fired in [from, to), oldest first.
  std::vector<journal_row> fired_between(core::utc_time from, core::utc_time to);
  // Deletes settled entries fired before `cutoff`; unsettled ones stay until they settle.
  std::int64_t prune(core::utc_time cutoff);

 private:
  database& db_;
};

}  // namespace kelu::sync
