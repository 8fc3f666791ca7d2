// SPDX-License-Identifier: Apache-2.0
#include "run_log.hpp"

namespace kelu::sync {

run_log::run_log(database& db) : db_(db) {}

void run_log::touch(const std::string& boot_id, core::utc_time started_at, core::utc_time now) {
  statement st{db_.handle(),
               "INSERT INTO runs(boot_id, started_at, last_alive_at) VALUES(?,?,?) "
               "ON CONFLICT(boot_id) DO UPDATE SET last_alive_at = max(last_alive_at, excluded.last_alive_at)"};
  st.bind(1, boot_id).bind(2, core::to_unix_ms(started_at)).bind(3, core::to_unix_ms(now));
  st.step();
}

std::vector<std::pair<core::utc_time, core::utc_time>> run_log::between(core::utc_time from, core::utc_time to) {
  statement st{db_.handle(),
               "SELECT started_at, last_alive_at FROM runs WHERE started_at < ? AND last_alive_at > ? ORDER BY started_at"};
  st.bind(1, core::to_unix_ms(to)).bind(2, core::to_unix_ms(from));
  std::vector<std::pair<core::utc_time, core::utc_time>> out;
  while (st.step()) out.emplace_back(core::from_unix_ms(st.column_int(0)), core::from_unix_ms(st.column_int(1)));
  return out;
}

std::int64_t run_log::prune(core::utc_time cutoff) {
  statement st{db_.handle(), "DELETE FROM runs WHERE last_alive_at < ?"};
  st.bind(1, core::to_unix_ms(cutoff));
  st.step();
  return db_.changes();
}

}  // namespace kelu::sync
