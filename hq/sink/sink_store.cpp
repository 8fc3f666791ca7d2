// SPDX-License-Identifier: Apache-2.0
#include "sink_store.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <map>
#include <string_view>
#include <utility>

#include "core/utf8.hpp"
#include "gap_tracker.hpp"
#include "hq/db/hq_schema.hpp"

namespace kelu::hq {

namespace {

using params = std::vector<std::optional<std::string>>;

// The SQL for the epoch an event or aggregate is filed under: its own, or for a box from before
// epochs the one its store announced as "upgraded" (docs/mqtt.md), or "" when it announced none
// yet. The arguments are SQL expressions: parameters ($1) or a staged row's columns.
std::string epoch_of(std::string_view tenant, std::string_view store, std::string_view epoch) {
  return "coalesce(nullif(" + std::string(epoch) + ", ''), (SELECT x.epoch FROM store_epochs x WHERE x.tenant = " +
         std::string(tenant) + " AND x.store = " + std::string(store) +
         " AND x.origin = 'upgraded' ORDER BY x.rank DESC LIMIT 1), '')";
}

// A batch's events as rows of COPY's text format, for `events` or the stage table (below), and
// what filing them touches: the epochs they name and each stream's highest seq.
class event_rows {
 public:
  void add(const std::string& tenant, const std::string& store, const sink_event& e) {
    const std::string* texts[] = {&tenant, &store, &e.epoch, &e.source, &e.stream, &e.type, &e.observed_at,
                                  &e.received_at, &e.body};
    for (const auto* t : texts) {
      copy_field(rows_, *t);
      rows_ += '\t';
    }
    rows_ += std::to_string(e.seq);
    rows_ += e.historical ? "\tt\n" : "\tf\n";
    ++size_;
    if (e.epoch.empty()) {
      epochs_known_ = false;
      return;
    }
    auto& top = streams_[{tenant, store, e.epoch, e.source}];
    top = std::max(top, e.seq);
  }
  std::size_t size() const { return size_; }
  const std::string& text() const { return rows_; }
  // False when a box from before epochs sent some: their epoch is resolved by SQL (epoch_of).
  bool epochs_known() const { return epochs_known_; }
  // The streams as columns (tenant, store, epoch, source, highest seq) for unnest().
  params stream_columns() const {
    std::vector<std::string> columns[4];
    std::string seqs = "{";
    for (const auto& [key, top] : streams_) {
      columns[0].push_back(key[0]);
      columns[1].push_back(key[1]);
      columns[2].push_back(key[2]);
      columns[3].push_back(key[3]);
      if (seqs.size() > 1) seqs += ',';
      seqs += std::to_string(top);
    }
    return {pg_text_array(columns[0]), pg_text_array(columns[1]), pg_text_array(columns[2]),
            pg_text_array(columns[3]), seqs + "}"};
  }

 private:
  std::string rows_;
  std::size_t size_ = 0;
  bool epochs_known_ = true;
  std::map<std::array<std::string, 4>, std::int64_t> streams_;
};

// Most batches hold only new events, and COPY straight into `events` is the fastest way rows reach
// PostgreSQL (docs/BENCHMARKS.md, "HQ sink"), so that is tried first, under a savepoint. A batch
// with a row already filed (a redelivery, a replay, a second member) fails it on the key, and goes
// the exactly-once way: by COPY into a temporary stage, and from it into `events` in one statement
// that skips what is there (ON CONFLICT DO NOTHING), names the epochs it meets and touches the
// streams it filed into for the gap scan (gap_tracker.hpp). The stage is emptied by the same
// statement, so a batch filed message by message stages each message alone.
constexpr std::string_view create_stage =
    "CREATE TEMP TABLE IF NOT EXISTS events_stage (t text, s text, e text, src text, st text, ty text, "
    "oa timestamptz, ra timestamptz, b text, n bigint, h boolean) ON COMMIT DELETE ROWS";

// true: filed; false: some row was there already, and nothing of the batch is.
std::variant<bool, pg_error> file_rows_directly(pg_connection& db, const event_rows& rows) {
  if (auto e = db.exec("SAVEPOINT direct")) return *e;
  auto e = db.copy_in("COPY events (tenant, store, epoch, source, stream, type, observed_at, received_at, body, seq, "
                      "historical) FROM STDIN",
                      rows.text());
  if (e) {
    if (e->sqlstate != "23505") return *e;  // unique_violation
    if (auto undo = db.exec("ROLLBACK TO SAVEPOINT direct")) return *undo;
    return false;
  }
  if (auto done = db.exec("RELEASE SAVEPOINT direct")) return *done;
  auto r = db.run("WITH u AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) "
                  "AS u (t, s, e, src, n)), epochs AS (INSERT INTO store_epochs (tenant, store, epoch) "
                  "SELECT DISTINCT t, s, e FROM u ON CONFLICT DO NOTHING) INSERT INTO stream_touches SELECT * FROM u",
                  rows.stream_columns());
  if (auto* err = std::get_if<pg_error>(&r)) return *err;
  return true;
}

std::optional<pg_error> file_rows(pg_connection& db, const event_rows& rows, filed_counts& counts) {
  if (rows.size() == 0) return std::nullopt;
  if (rows.epochs_known()) {
    auto direct = file_rows_directly(db, rows);
    if (auto* e = std::get_if<pg_error>(&direct)) return *e;
    if (std::get<bool>(direct)) {
      counts.events_new += static_cast<std::int64_t>(rows.size());
      return std::nullopt;
    }
  }
  if (auto e = db.copy_in("COPY events_stage FROM STDIN", rows.text())) return e;
  auto r = db.run(
      "WITH staged AS (DELETE FROM events_stage RETURNING *), "
      "epochs AS (INSERT INTO store_epochs (tenant, store, epoch) SELECT DISTINCT t, s, e FROM staged WHERE e <> '' "
      "ON CONFLICT DO NOTHING), "
      "filed AS (INSERT INTO events (tenant, store, epoch, source, seq, stream, type, observed_at, received_at, "
      "historical, body) SELECT t, s, " + epoch_of("t", "s", "e") + ", src, n, st, ty, oa, ra, h, b::jsonb "
      "FROM staged ON CONFLICT DO NOTHING RETURNING tenant, store, epoch, source, seq), "
      "touched AS (INSERT INTO stream_touches SELECT tenant, store, epoch, source, max(seq) FROM filed WHERE epoch <> '' "
      "GROUP BY 1, 2, 3, 4) SELECT count(*) FROM filed");
  if (auto* e = std::get_if<pg_error>(&r)) return *e;
  const auto filed = std::get<pg_rows>(r).integer(0, 0);
  counts.events_new += filed;
  counts.events_duplicate += static_cast<std::int64_t>(rows.size()) - filed;
  return std::nullopt;
}

// A batch's closed aggregates as columns for unnest(), filed in two statements whatever their number.
class aggregate_rows {
 public:
  void add(const std::string& tenant, const std::string& store, const sink_aggregate& a) {
    columns_[0].push_back(tenant);
    columns_[1].push_back(store);
    columns_[2].push_back(a.epoch);
    columns_[3].push_back(a.kind);
    columns_[4].push_back(a.start);
    columns_[5].push_back(std::to_string(a.revision));
    columns_[6].push_back(a.body);
  }
  std::size_t size() const { return columns_[0].size(); }
  params columns(std::size_t n) const {
    params p;
    for (std::size_t i = 0; i < n; ++i) p.push_back(pg_text_array(columns_[i]));
    return p;
  }

 private:
  std::vector<std::string> columns_[7];
};

std::optional<pg_error> file_aggregates(pg_connection& db, const aggregate_rows& rows, filed_counts& counts) {
  if (rows.size() == 0) return std::nullopt;
  // The epochs first, in a statement of their own: the next one ranks by them, and a statement
  // does not see its own inserts.
  auto epochs = db.run("INSERT INTO store_epochs (tenant, store, epoch) SELECT DISTINCT t, s, e FROM "
                       "unnest($1::text[], $2::text[], $3::text[]) AS u (t, s, e) WHERE e <> '' ON CONFLICT DO NOTHING",
                       rows.columns(3));
  if (auto* err = std::get_if<pg_error>(&epochs)) return *err;
  // Every revision is history. Current: a newer epoch (by rank) wins whatever its revision; within
  // an epoch the higher revision. One row per aggregate may be current per statement, so the batch's
  // own winner is picked first by the same order.
  const std::string rank = "(SELECT x.rank FROM store_epochs x WHERE x.tenant = u.t AND x.store = u.s AND x.epoch = u.e)";
  auto current = db.run(
      "WITH u AS MATERIALIZED (SELECT t, s, " + epoch_of("v.t", "v.s", "v.e") + " AS e, k, st, rev, b::jsonb AS b "
      "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bigint[], $7::text[]) "
      "AS v (t, s, e, k, st, rev, b)), "
      "history AS (INSERT INTO aggregate_revisions (tenant, store, epoch, kind, start, revision, body) "
      "SELECT t, s, e, k, st, rev, b FROM u ON CONFLICT DO NOTHING), "
      "current AS (INSERT INTO aggregates AS a (tenant, store, epoch, kind, start, revision, body) "
      "SELECT DISTINCT ON (t, s, k, st) t, s, e, k, st, rev, b FROM u ORDER BY t, s, k, st, " + rank +
          " DESC NULLS LAST, rev DESC "
          "ON CONFLICT (tenant, store, kind, start) DO UPDATE SET epoch = EXCLUDED.epoch, "
          "revision = EXCLUDED.revision, body = EXCLUDED.body, filed_at = now() WHERE "
          "(EXCLUDED.epoch = a.epoch AND EXCLUDED.revision > a.revision) OR "
          "(EXCLUDED.epoch <> a.epoch AND coalesce((SELECT rank FROM store_epochs WHERE tenant = a.tenant AND "
          "store = a.store AND epoch = EXCLUDED.epoch), 0) > coalesce((SELECT rank FROM store_epochs WHERE "
          "tenant = a.tenant AND store = a.store AND epoch = a.epoch), 0)) RETURNING 1) "
          "SELECT count(*) FROM current",
      rows.columns(7));
  if (auto* err = std::get_if<pg_error>(&current)) return *err;
  const auto now_current = std::get<pg_rows>(current).integer(0, 0);
  counts.aggregates_current += now_current;
  counts.aggregates_stale += static_cast<std::int64_t>(rows.size()) - now_current;
  return std::nullopt;
}

}  // namespace

sink_store::sink_store(pg_connection& db, std::size_t max_message_bytes) : db_(db), max_bytes_(max_message_bytes) {}

std::variant<filed_counts, pg_error> sink_store::file(const std::vector<received_message>& batch) {
  std::vector<core::result<sink_message>> decoded;
  decoded.reserve(batch.size());
  for (const auto& m : batch) decoded.push_back(decode_sink_message(m.topic, m.payload, max_bytes_));
  // Partitions are DDL in transactions of their own, so two members filing the same new day do not
  // hold each other's batches; so is the stage, which a rolled-back first batch would take with it.
  if (auto e = ensure_partitions(decoded)) return *e;
  if (!stage_ready_) {
    if (auto e = db_.exec(create_stage)) return *e;
    stage_ready_ = true;
  }
  const auto data_error = [](const pg_error& e) {
    return !e.lost && (e.sqlstate.starts_with("22") || e.sqlstate.starts_with("23"));
  };
  {
    filed_counts counts;
    if (auto e = db_.exec("BEGIN")) return *e;
    auto error = file_together(batch, decoded, counts);
    if (!error) {
      if (auto e = db_.exec("COMMIT")) return *e;
      return counts;
    }
    db_.exec("ROLLBACK");
    if (!data_error(*error)) return *error;
  }
  // A message PostgreSQL refuses though it decoded (jsonb takes no \u0000, say) must not fail its
  // batch forever: the batch is filed again with that one quarantined, saying why.
  for (;;) {
    filed_counts counts;
    if (auto e = db_.exec("BEGIN")) return *e;
    std::optional<std::size_t> refused;
    auto error = file_each(batch, decoded, counts, refused);
    if (!error) {
      if (auto e = db_.exec("COMMIT")) return *e;
      return counts;
    }
    db_.exec("ROLLBACK");
    // A refusal of the quarantine row itself cannot be mended here.
    if (!data_error(*error) || !refused || !decoded[*refused]) return *error;
    decoded[*refused] = core::error{"refused by PostgreSQL: " + error->message};
  }
}

std::optional<pg_error> sink_store::file_each(const std::vector<received_message>& batch,
                                              const std::vector<core::result<sink_message>>& decoded,
                                              filed_counts& counts, std::optional<std::size_t>& refused) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (auto e = file_one(batch[i], decoded[i], counts)) {
      refused = i;
      return e;
    }
  }
  return std::nullopt;
}

std::optional<pg_error> sink_store::file_together(const std::vector<received_message>& batch,
                                                  const std::vector<core::result<sink_message>>& decoded,
                                                  filed_counts& counts) {
  // Statuses first: a new epoch arrives in its store's status before its events (docs/mqtt.md).
  for (std::size_t i = 0; i < batch.size(); ++i)
    if (decoded[i] && std::holds_alternative<sink_status>(decoded[i]->content))
      if (auto e = file_one(batch[i], decoded[i], counts)) return e;
  event_rows rows;
  aggregate_rows aggregates;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (decoded[i] && std::holds_alternative<sink_status>(decoded[i]->content)) continue;
    if (const auto* a = decoded[i] ? std::get_if<sink_aggregate>(&decoded[i]->content) : nullptr) {
      aggregates.add(decoded[i]->tenant, decoded[i]->store, *a);
      continue;
    }
    const auto* events = decoded[i] ? std::get_if<std::vector<sink_event>>(&decoded[i]->content) : nullptr;
    if (!events) {
      if (auto e = file_one(batch[i], decoded[i], counts)) return e;
      continue;
    }
    for (const auto& ev : *events) rows.add(decoded[i]->tenant, decoded[i]->store, ev);
  }
  if (auto e = file_aggregates(db_, aggregates, counts)) return e;
  return file_rows(db_, rows, counts);
}

std::optional<pg_error> sink_store::ensure_partitions(const std::vector<core::result<sink_message>>& decoded) {
  for (const auto& d : decoded) {
    if (!d) continue;
    const auto* events = std::get_if<std::vector<sink_event>>(&d->content);
    if (!events) continue;
    for (const auto& e : *events) {
      const auto key = std::to_string(e.day.time_since_epoch().count());
      if (partitions_.contains(key)) continue;
      if (auto st = ensure_event_partition(db_, e.day); !st) return pg_error{st.error_message(), "", !db_.alive()};
      partitions_.insert(key);
    }
  }
  return std::nullopt;
}

std::optional<pg_error> sink_store::file_one(const received_message& m, const core::result<sink_message>& decoded,
                                             filed_counts& counts) {
  if (!decoded) return quarantine(m, decoded.error_message(), counts);
  const auto& msg = *decoded;
  if (const auto* events = std::get_if<std::vector<sink_event>>(&msg.content)) return file_events(msg, *events, counts);
  if (const auto* a = std::get_if<sink_aggregate>(&msg.content)) {
    aggregate_rows rows;
    rows.add(msg.tenant, msg.store, *a);
    return file_aggregates(db_, rows, counts);
  }
  if (const auto* s = std::get_if<sink_status>(&msg.content)) return file_status(msg, *s, counts);
  if (const auto* a = std::get_if<sink_alert>(&msg.content)) {
    auto r = db_.run("INSERT INTO alerts (tenant, store, id, state, rule, severity, at, body) VALUES ($1, $2, $3, $4, "
                     "$5, $6, $7, $8::jsonb) ON CONFLICT DO NOTHING RETURNING 1",
                     {msg.tenant, msg.store, a->id, a->state, a->rule, a->severity, a->at, a->body});
    if (auto* e = std::get_if<pg_error>(&r)) return *e;
    ++(std::get<pg_rows>(r).size() == 1 ? counts.alerts : counts.alerts_duplicate);
    return std::nullopt;
  }
  if (const auto* r = std::get_if<sink_replay_reply>(&msg.content)) {
    auto ours = record_replay_reply(db_, msg.tenant, msg.store, *r);
    if (auto* e = std::get_if<pg_error>(&ours)) return *e;
    ++(std::get<bool>(ours) ? counts.replay_replies : counts.ignored);
    return std::nullopt;
  }
  ++counts.ignored;
  return std::nullopt;
}

std::optional<pg_error> sink_store::file_events(const sink_message& m, const std::vector<sink_event>& events,
                                                filed_counts& counts) {
  event_rows rows;
  for (const auto& e : events) rows.add(m.tenant, m.store, e);
  return file_rows(db_, rows, counts);
}

std::optional<pg_error> sink_store::file_status(const sink_message& m, const sink_status& s, filed_counts& counts) {
  if (!s.epoch.empty()) {
    // A store's new epoch arrives first in its status (birth): this is where its rank is taken.
    auto r = db_.run("INSERT INTO store_epochs (tenant, store, epoch, origin) VALUES ($1, $2, $3, $4) "
                  "ON CONFLICT (tenant, store, epoch) DO UPDATE SET origin = EXCLUDED.origin "
                  "WHERE store_epochs.origin = ''",
                  {m.tenant, m.store, s.epoch, s.origin});
    if (auto* err = std::get_if<pg_error>(&r)) return *err;
  }
  auto r = db_.run("INSERT INTO store_status (tenant, store, body) VALUES ($1, $2, $3) ON CONFLICT (tenant, store) "
                "DO UPDATE SET body = EXCLUDED.body, updated_at = now()",
                {m.tenant, m.store, s.body});
  if (auto* err = std::get_if<pg_error>(&r)) return *err;
  ++counts.statuses;
  return std::nullopt;
}

std::optional<pg_error> sink_store::quarantine(const received_message& m, const std::string& reason,
                                               filed_counts& counts) {
  // bytea from text: the payload may not be UTF-8 (a compressed batch, garbage); \x hex is exact.
  static constexpr char hex[] = "0123456789abcdef";
  std::string bytes = "\\x";
  bytes.reserve(2 + m.payload.size() * 2);
  for (const char ch : m.payload) {
    const auto c = static_cast<unsigned char>(ch);
    bytes += hex[c >> 4];
    bytes += hex[c & 15];
  }
  // Text columns take UTF-8 only; a topic that is not would make the whole batch fail forever.
  const auto printable = [](const std::string& t) { return core::valid_utf8(t) ? t : std::string("(not UTF-8)"); };
  auto r = db_.run("INSERT INTO quarantine (topic, reason, payload) VALUES ($1, $2, $3::bytea)",
                   {printable(m.topic), printable(reason), std::move(bytes)});
  if (auto* err = std::get_if<pg_error>(&r)) return *err;
  ++counts.quarantined;
  return std::nullopt;
}

}  // namespace kelu::hq
