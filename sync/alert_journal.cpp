// SPDX-License-Identifier: Apache-2.0
#include "alert_journal.hpp"

namespace kelu::sync {

namespace {

std::vector<journal_row> rows_of(statement& st) {
  std::vector<journal_row> out;
  while (st.step())
    out.push_back({st.column_text(0), core::from_unix_ms(st.column_int(1)), st.column_int(2) != 0, st.column_text(3)});
  return out;
}

}  // namespace

alert_journal::alert_journal(database& db) : db_(db) {}

void alert_journal::put(const journal_row& row) {
  statement st{db_.handle(),
               "INSERT INTO alert_journal(id, fired_at, settled, body) VALUES(?,?,?,?) "
               "ON CONFLICT(id) DO UPDATE SET fired_at = excluded.fired_at, settled = excluded.settled, "
               "body = excluded.body"};
  st.bind(1, row.id).bind(2, core::to_unix_ms(row.fired_at)).bind(3, std::int64_t{row.settled ? 1 : 0});
  st.bind(4, row.body);
  st.step();
}

std::vector<journal_row> alert_journal::unsettled() {
  statement st{db_.handle(),
               "SELECT id, fired_at, settled, body FROM alert_journal WHERE settled = 0 ORDER BY fired_at, id"};
  return rows_of(st);
}

std::vector<journal_row> alert_journal::fired_between(core::utc_time from, core::utc_time to) {
  statement st{db_.handle(),
               "SELECT id, fired_at, settled, body FROM alert_journal WHERE fired_at >= ? AND fired_at < ? "
               "ORDER BY fired_at, id"};
  st.bind(1, core::to_unix_ms(from)).bind(2, core::to_unix_ms(to));
  return rows_of(st);
}

std::int64_t alert_journal::prune(core::utc_time cutoff) {
  statement st{db_.handle(), "DELETE FROM alert_journal WHERE settled = 1 AND fired_at < ?"};
  st.bind(1, core::to_unix_ms(cutoff));
  st.step();
  return db_.changes();
}

}  // namespace kelu::sync
