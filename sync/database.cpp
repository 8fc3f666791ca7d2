// SPDX-License-Identifier: Apache-2.0
#include "database.hpp"

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <stdexcept>

#include "core/event.hpp"

namespace kelu::sync {

namespace {

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

// Each step is one schema version; a step never changes once released. Step N brings
// user_version from N-1 to N inside one transaction. The array is sized by its steps, so a
// version without its step does not compile.
constexpr std::string_view migrations[]{
    R"sql(
CREATE TABLE events(
  source      TEXT    NOT NULL,
  seq         INTEGER NOT NULL,
  id          TEXT    NOT NULL,
  stream      TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  observed_at INTEGER NOT NULL,  -- ms since epoch, UTC
  received_at INTEGER NOT NULL,
  dedupe_key  TEXT,
  body        TEXT    NOT NULL,  -- the event as sent to HQ
  PRIMARY KEY (source, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX events_dedupe ON events(dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX events_received ON events(received_at);  -- retention: by the box's clock, not the till's

-- Last seq handed out per source: gap-free because it advances in the same transaction as the insert.
CREATE TABLE source_seq(
  source   TEXT PRIMARY KEY,
  last_seq INTEGER NOT NULL
) WITHOUT ROWID;

-- Messages for HQ. A row is deleted only after the broker acknowledged it.
CREATE TABLE outbox(
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  topic      TEXT    NOT NULL,
  payload    BLOB    NOT NULL,
  qos        INTEGER NOT NULL,
  retain     INTEGER NOT NULL,
  priority   INTEGER NOT NULL,  -- 0 raw events (dropped first under quota), higher kept longer
  created_at INTEGER NOT NULL
);
CREATE INDEX outbox_drop_order ON outbox(priority, id);

CREATE TABLE counters(
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
    // 2: history (kelu ingest, replays) goes out in the backlog lane whenever it was written.
    R"sql(
ALTER TABLE outbox ADD COLUMN backlog INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_backlog ON outbox(id) WHERE backlog = 1;
)sql",
    // 3: analytics reads a day's events by type and time, and keeps what it sent per bucket.
    R"sql(
CREATE INDEX events_type_observed ON events(type, observed_at);
CREATE TABLE aggregates(
  kind         TEXT    NOT NULL,  -- "funnel.quarter", "funnel.hour", "funnel.day", "report.day"
  start        INTEGER NOT NULL,  -- ms since epoch, UTC
  end_at       INTEGER NOT NULL,
  rule_version TEXT    NOT NULL,
  revision     INTEGER NOT NULL,  -- 1, then one more each time late data or new rules change it
  updated_at   INTEGER NOT NULL,
  body         TEXT    NOT NULL,  -- the figures without revision: compared to tell a change
  PRIMARY KEY (kind, start)
) WITHOUT ROWID;
-- When the agent was running: time outside every run is time no camera saw, whatever the
-- cameras' own gap events say (they cannot report while the box is off).
CREATE TABLE runs(
  boot_id       TEXT    PRIMARY KEY,
  started_at    INTEGER NOT NULL,
  last_alive_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
    // 4: what became of each alert (analytics' alert outcomes and the weekly review).
    R"sql(
CREATE TABLE alert_journal(
  id       TEXT    PRIMARY KEY,
  fired_at INTEGER NOT NULL,  -- ms since epoch, UTC
  settled  INTEGER NOT NULL,  -- 1: resolved and its outcome final; nothing changes it any more
  body     TEXT    NOT NULL   -- the entry as analytics keeps it (JSON)
) WITHOUT ROWID;
CREATE INDEX alert_journal_fired ON alert_journal(fired_at);
CREATE INDEX alert_journal_open ON alert_journal(fired_at) WHERE settled = 0;
)sql",
    // 5: the accuracy a technician audited per counting line (the clip itself is never kept).
    R"sql(
CREATE TABLE line_audits(
  camera     TEXT    NOT NULL,
  line       TEXT    NOT NULL,
  audited_at INTEGER NOT NULL,  -- ms since epoch, UTC
  seconds    INTEGER NOT NULL,  -- length of the clip
  in_box     INTEGER NOT NULL,
  out_box    INTEGER NOT NULL,
  in_tapped  INTEGER NOT NULL,
  out_tapped INTEGER NOT NULL,  -- accuracy is computed from the four counts (agent/accuracy_audit.hpp)
  PRIMARY KEY (camera, line, audited_at)
) WITHOUT ROWID;
)sql",
    // 6: every configuration change, where it came from and what became of it (`kelu config history`).
    R"sql(
CREATE TABLE config_changes(
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  at      INTEGER NOT NULL,  -- ms since epoch, UTC
  origin  TEXT    NOT NULL,  -- "file", "hq", "technician"
  version INTEGER,           -- HQ's desired version, when it names one
  keys    TEXT    NOT NULL,  -- JSON array of the key paths changed; never values (secrets stay on the box)
  outcome TEXT    NOT NULL,  -- "applied", "rolled_back", "rejected", "restarting"
  detail  TEXT    NOT NULL   -- JSON: components rebuilt, errors, the reason of a rollback
);
CREATE INDEX config_changes_at ON config_changes(at);
)sql",
    // 7: the database's epoch (database_identity); its one row is written by give_identity().
    R"sql(
CREATE TABLE store_identity(
  only_row   INTEGER PRIMARY KEY CHECK (only_row = 1),
  epoch      TEXT    NOT NULL,
  created_at INTEGER NOT NULL,  -- ms since epoch, UTC
  origin     TEXT    NOT NULL   -- "created", "upgraded"
);
)sql",
    // 8: each outbox row says what it is (sync/outbox_address.hpp), so the publisher no longer
    // reads it from the topic. Rows an earlier release queued are classified by topic here, once.
    R"sql(
ALTER TABLE outbox ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN stream TEXT NOT NULL DEFAULT '';
UPDATE outbox SET kind = 1, stream = substr(topic, instr(topic, '/events/') + 8) WHERE instr(topic, '/events/') > 0;
UPDATE outbox SET kind = 2 WHERE topic LIKE '%/stats';
)sql"};

static_assert(std::size(migrations) == database::current_schema_version);

}  // namespace

statement::statement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK)
    fail(db, "prepare");
}

statement::~statement() { sqlite3_finalize(stmt_); }

statement& statement::bind(int index, std::int64_t v) {
  if (sqlite3_bind_int64(stmt_, index, v) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

statement& statement::bind(int index, std::string_view v) {
  if (sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_, "bind");
  return *this;
}

statement& statement::bind_blob(int index, std::string_view v) {
  if (sqlite3_bind_blob(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_, "bind");
  return *this;
}

statement& statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

bool statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, "step");
}

void statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t statement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string statement::column_text(int index) const {
  const auto* p = sqlite3_column_blob(stmt_, index);
  const auto n = sqlite3_column_bytes(stmt_, index);
  return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string{};
}

bool statement::column_is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

core::result<std::unique_ptr<database>> database::open(const database_options& options) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(options.path.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    return core::error{"cannot open database " + options.path + ": " + msg};
  }
  std::unique_ptr<database> db{new database(raw)};
  try {
    // A busy timeout covers a technician's sqlite3 shell holding a read lock for a moment.
    sqlite3_busy_timeout(raw, 5000);
    db->exec("PRAGMA journal_mode=WAL");
    db->exec(options.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    db->exec("PRAGMA foreign_keys=ON");
    const int version = db->schema_version();
    if (version > current_schema_version)
      return core::error{"database " + options.path + " has schema version " + std::to_string(version) +
                         ", newer than this agent's " + std::to_string(current_schema_version) +
                         ": refusing to touch it (downgrade?)"};
    db->migrate(options.schema_version > 0 ? options.schema_version : current_schema_version);
    db->load_identity();
  } catch (const std::exception& e) {
    return core::error{"cannot prepare database " + options.path + ": " + e.what()};
  }
  return db;
}

database::~database() { sqlite3_close_v2(db_); }

void database::exec(std::string_view sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error(msg);
  }
}

int database::schema_version() {
  statement st{db_, "PRAGMA user_version"};
  st.step();
  return static_cast<int>(st.column_int(0));
}

std::int64_t database::changes() { return sqlite3_changes64(db_); }

void database::migrate(int target) {
  const int initial = schema_version();
  if (initial >= target) return;
  // Every pending step in one transaction: an upgrade across versions is all or nothing, and a new
  // box's first start commits (and syncs) once instead of once per step.
  transaction tx{*this};
  for (int v = initial; v < target; ++v) {
    exec(migrations[static_cast<std::size_t>(v)]);
    if (v + 1 == epoch_schema_version) give_identity(initial == 0);
  }
  exec("PRAGMA user_version=" + std::to_string(target));
  tx.commit();
}

void database::give_identity(bool created) {
  const auto epoch = core::new_event_id().substr(0, 16);
  statement ins{db_, "INSERT INTO store_identity(only_row, epoch, created_at, origin) VALUES(1, ?, ?, ?)"};
  const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  ins.bind(1, epoch).bind(2, core::to_unix_ms(now));
  ins.bind(3, created ? "created" : "upgraded");
  ins.step();
  // Stored events are not rewritten: on a busy store's month that is millions of rows (7.8 s per
  // million here, several times that on an ARM box, and the WAL doubling the database on its SD
  // card) before the agent may start. HQ files events without an epoch under the epoch an upgraded
  // box announces, and a replay stamps the epoch into what it sends again (replay.cpp).
}

void database::load_identity() {
  if (schema_version() < epoch_schema_version) return;
  statement st{db_, "SELECT epoch, created_at, origin FROM store_identity WHERE only_row = 1"};
  if (!st.step()) throw std::runtime_error("store_identity has no row: the database was changed by hand");
  identity_ = {st.column_text(0), core::from_unix_ms(st.column_int(1)), st.column_text(2)};
}

transaction::transaction(database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

transaction::~transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {
      // The connection is already outside a transaction (SQLite rolled back on error).
    }
  }
}

void transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace kelu::sync
