// SPDX-License-Identifier: Apache-2.0
#include "aggregate_store.hpp"

#include <nlohmann/json.hpp>

#include "topics.hpp"

namespace kelu::sync {

namespace {

aggregate_row row_of(statement& st) {
  return {st.column_text(0), core::from_unix_ms(st.column_int(1)), core::from_unix_ms(st.column_int(2)),
          st.column_text(3), st.column_int(4), core::from_unix_ms(st.column_int(5)), st.column_text(6)};
}

constexpr const char* columns = "SELECT kind, start, end_at, rule_version, revision, updated_at, body FROM aggregates ";

}  // namespace

aggregate_store::aggregate_store(database& db, outbox& out) : db_(db), outbox_(out) {}

std::optional<std::int64_t> aggregate_store::upsert(const std::string& kind, core::utc_time start, core::utc_time end,
                                                    const std::string& rule_version, const nlohmann::json& figures,
                                                    core::utc_time now, const aggregate_message& message) {
  const auto body = figures.dump();
  const auto existing = find(kind, start);
  if (existing && existing->body == body && existing->rule_version == rule_version) return std::nullopt;
  const std::int64_t revision = existing ? existing->revision + 1 : 1;
  try {
    transaction tx{db_};
    statement st{db_.handle(),
                 "INSERT INTO aggregates(kind, start, end_at, rule_version, revision, updated_at, body) "
                 "VALUES(?,?,?,?,?,?,?) ON CONFLICT(kind, start) DO UPDATE SET end_at = excluded.end_at, "
                 "rule_version = excluded.rule_version, revision = excluded.revision, "
                 "updated_at = excluded.updated_at, body = excluded.body"};
    st.bind(1, kind).bind(2, core::to_unix_ms(start)).bind(3, core::to_unix_ms(end)).bind(4, rule_version);
    st.bind(5, revision).bind(6, core::to_unix_ms(now)).bind(7, body);
    st.step();
    auto payload = figures;
    payload["revision"] = revision;
    payload["closed_at"] = core::format_iso8601(now);
    payload["epoch"] = db_.identity().epoch;
    outbox_.insert({message.topic, 1, false, aggregate_priority}, payload.dump(), now, message.lane);
    tx.commit();
  } catch (...) {
    outbox_.reload();
    throw;
  }
  return revision;
}

std::optional<aggregate_row> aggregate_store::find(const std::string& kind, core::utc_time start) {
  statement st{db_.handle(), std::string(columns) + "WHERE kind = ? AND start = ?"};
  st.bind(1, kind).bind(2, core::to_unix_ms(start));
  if (!st.step()) return std::nullopt;
  return row_of(st);
}

std::vector<aggregate_row> aggregate_store::between(const std::string& kind, core::utc_time from, core::utc_time to) {
  statement st{db_.handle(), std::string(columns) + "WHERE kind = ? AND start >= ? AND start < ? ORDER BY start"};
  st.bind(1, kind).bind(2, core::to_unix_ms(from)).bind(3, core::to_unix_ms(to));
  std::vector<aggregate_row> out;
  while (st.step()) out.push_back(row_of(st));
  return out;
}

std::optional<core::utc_time> aggregate_store::last_end(const std::string& kind) {
  statement st{db_.handle(), "SELECT max(end_at) FROM aggregates WHERE kind = ?"};
  st.bind(1, kind);
  if (!st.step() || st.column_is_null(0)) return std::nullopt;
  return core::from_unix_ms(st.column_int(0));
}

std::int64_t aggregate_store::prune(core::utc_time cutoff) {
  statement st{db_.handle(), "DELETE FROM aggregates WHERE end_at < ?"};
  st.bind(1, core::to_unix_ms(cutoff));
  st.step();
  return db_.changes();
}

}  // namespace kelu::sync
