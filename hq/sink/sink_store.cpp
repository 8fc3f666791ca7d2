// SPDX-License-Identifier: Apache-2.0
#include "sink_store.hpp"

#include <iterator>
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

// A batch's events as rows of COPY's text format, for the stage table (below).
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
  }
  std::size_t size() const { return size_; }
  const std::string& text() const { return rows_; }

 private:
  std::string rows_;
  std::size_t size_ = 0;
};

// The events go by COPY into a temporary stage (the fastest way rows reach PostgreSQL), and from it
// into `events` in one statement that keeps exactly-once (ON CONFLICT DO NOTHING), names the epochs
// it meets and touches the streams it filed into for the gap scan (gap_tracker.hpp). The stage is
// emptied by the same statement, so a batch filed message by message stages each message alone.
constexpr std::string_view create_stage =
    "CREATE TEMP TABLE IF NOT EXISTS events_stage (t text, s text, e text, src text, st text, ty text, "
    "oa timestamptz, ra timestamptz, b text, n bigint, h boolean) ON COMMIT DELETE ROWS";

std::optional<pg_error> file_rows(pg_connection& db, const event_rows& rows, filed_counts& counts) {
  if (rows.size() == 0) return std::nullopt;
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
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (decoded[i] && std::holds_alternative<sink_status>(decoded[i]->content)) continue;
    const auto* events = decoded[i] ? std::get_if<std::vector<sink_event>>(&decoded[i]->content) : nullptr;
    if (!events) {
      if (auto e = file_one(batch[i], decoded[i], counts)) return e;
      continue;
    }
    for (const auto& ev : *events) rows.add(decoded[i]->tenant, decoded[i]->store, ev);
  }
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
  if (const auto* a = std::get_if<sink_aggregate>(&msg.content)) return file_aggregate(msg, *a, counts);
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

std::optional<pg_error> sink_store::file_aggregate(const sink_message& m, const sink_aggregate& a,
                                                   filed_counts& counts) {
  if (!a.epoch.empty()) {
    auto r = db_.run("INSERT INTO store_epochs (tenant, store, epoch) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                  {m.tenant, m.store, a.epoch});
    if (auto* err = std::get_if<pg_error>(&r)) return *err;
  }
  const params p{m.tenant, m.store, a.epoch, a.kind, a.start, std::to_string(a.revision), a.body};
  auto history = db_.run("INSERT INTO aggregate_revisions (tenant, store, epoch, kind, start, revision, body) "
                      "VALUES ($1, $2, " + epoch_of("$1", "$2", "$3") + ", $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                      p);
  if (auto* err = std::get_if<pg_error>(&history)) return *err;
  // Current: a newer epoch (by rank) wins whatever its revision; within an epoch the higher revision.
  auto current = db_.run(
      "INSERT INTO aggregates AS a (tenant, store, epoch, kind, start, revision, body) VALUES ($1, $2, " +
          epoch_of("$1", "$2", "$3") +
          ", $4, $5, $6, $7) ON CONFLICT (tenant, store, kind, start) DO UPDATE SET epoch = EXCLUDED.epoch, "
          "revision = EXCLUDED.revision, body = EXCLUDED.body, filed_at = now() WHERE "
          "(EXCLUDED.epoch = a.epoch AND EXCLUDED.revision > a.revision) OR "
          "(EXCLUDED.epoch <> a.epoch AND coalesce((SELECT rank FROM store_epochs WHERE tenant = a.tenant AND "
          "store = a.store AND epoch = EXCLUDED.epoch), 0) > coalesce((SELECT rank FROM store_epochs WHERE "
          "tenant = a.tenant AND store = a.store AND epoch = a.epoch), 0)) RETURNING 1",
      p);
  if (auto* err = std::get_if<pg_error>(&current)) return *err;
  ++(std::get<pg_rows>(current).size() == 1 ? counts.aggregates_current : counts.aggregates_stale);
  return std::nullopt;
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
