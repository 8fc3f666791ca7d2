// SPDX-License-Identifier: Apache-2.0
#include "config_journal.hpp"

#include <sqlite3.h>

namespace kelu::sync {

using nlohmann::json;

config_journal::config_journal(database& db) : db_(db) {}

std::int64_t config_journal::add(const config_change_row& r) {
  statement st{db_.handle(), "INSERT INTO config_changes(at, origin, version, keys, outcome, detail) VALUES(?,?,?,?,?,?)"};
  st.bind(1, core::to_unix_ms(r.at)).bind(2, r.origin);
  if (r.version)
    st.bind(3, *r.version);
  else
    st.bind_null(3);
  st.bind(4, json(r.keys).dump()).bind(5, r.outcome).bind(6, r.detail.dump());
  st.step();
  return sqlite3_last_insert_rowid(db_.handle());
}

void config_journal::set_outcome(std::int64_t id, const std::string& outcome, const json& detail) {
  statement st{db_.handle(), "UPDATE config_changes SET outcome = ?, detail = ? WHERE id = ?"};
  st.bind(1, outcome).bind(2, detail.dump()).bind(3, id);
  st.step();
}

std::vector<config_change_row> config_journal::recent(std::size_t limit) {
  statement st{db_.handle(),
               "SELECT id, at, origin, version, keys, outcome, detail FROM config_changes ORDER BY id DESC LIMIT ?"};
  st.bind(1, static_cast<std::int64_t>(limit));
  std::vector<config_change_row> out;
  while (st.step()) {
    config_change_row r;
    r.id = st.column_int(0);
    r.at = core::from_unix_ms(st.column_int(1));
    r.origin = st.column_text(2);
    if (!st.column_is_null(3)) r.version = st.column_int(3);
    r.keys = json::parse(st.column_text(4), nullptr, false).get<std::vector<std::string>>();
    r.outcome = st.column_text(5);
    r.detail = json::parse(st.column_text(6), nullptr, false);
    out.push_back(std::move(r));
  }
  return out;
}

std::int64_t config_journal::prune(core::utc_time before) {
  statement st{db_.handle(), "DELETE FROM config_changes WHERE at < ?"};
  st.bind(1, core::to_unix_ms(before));
  st.step();
  return db_.changes();
}

json to_json(const config_change_row& r) {
  json j{{"id", r.id},          {"at", core::format_iso8601(r.at)}, {"origin", r.origin}, {"keys", r.keys},
         {"outcome", r.outcome}, {"detail", r.detail}};
  if (r.version) j["version"] = *r.version;
  return j;
}

}  // namespace kelu::sync
