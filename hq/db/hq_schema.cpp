// SPDX-License-Identifier: Apache-2.0
#include "hq_schema.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace kelu::hq {

namespace {

// Append only: a released migration is never edited (a box of HQ ran it already).
const std::vector<const char*>& migrations() {
  static const std::vector<const char*> all = {
      // 1: the store's epochs in the order HQ first heard of them (docs/mqtt.md, "Identity"),
      // events, closed aggregates with every revision, status, and what was refused.
      R"sql(
CREATE TABLE store_epochs (
  tenant text NOT NULL, store text NOT NULL, epoch text NOT NULL,
  origin text NOT NULL DEFAULT '',
  rank bigserial NOT NULL,
  first_seen timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, store, epoch));
CREATE TABLE events (
  tenant text NOT NULL, store text NOT NULL, epoch text NOT NULL, source text NOT NULL, seq bigint NOT NULL,
  stream text NOT NULL, type text NOT NULL,
  observed_at timestamptz NOT NULL, received_at timestamptz NOT NULL,
  historical boolean NOT NULL DEFAULT false,
  body jsonb NOT NULL,
  filed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, store, epoch, source, seq, observed_at)
) PARTITION BY RANGE (observed_at);
CREATE INDEX events_by_type ON events (tenant, store, type, observed_at);
CREATE TABLE aggregate_revisions (
  tenant text NOT NULL, store text NOT NULL, kind text NOT NULL, start timestamptz NOT NULL,
  epoch text NOT NULL, revision bigint NOT NULL,
  body jsonb NOT NULL,
  filed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, store, kind, start, epoch, revision));
CREATE TABLE aggregates (
  tenant text NOT NULL, store text NOT NULL, kind text NOT NULL, start timestamptz NOT NULL,
  epoch text NOT NULL, revision bigint NOT NULL,
  body jsonb NOT NULL,
  filed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, store, kind, start));
CREATE TABLE store_status (
  tenant text NOT NULL, store text NOT NULL,
  body jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, store));
CREATE TABLE quarantine (
  id bigserial PRIMARY KEY,
  filed_at timestamptz NOT NULL DEFAULT now(),
  topic text NOT NULL, reason text NOT NULL, payload bytea NOT NULL);
)sql",
      // 2: gap tracking (docs/hq.md, "Gaps and replays"), alerts, and the stores' master data ("Master data").
      R"sql(
-- What each filing transaction filed, a row per stream: the gap scan takes (deletes) what its snapshot
-- sees, so a transaction that commits during a scan is left for the next one, never missed.
CREATE TABLE stream_touches (
  tenant text NOT NULL, store text NOT NULL, epoch text NOT NULL, source text NOT NULL, max_seq bigint NOT NULL);
CREATE TABLE streams (
  tenant text NOT NULL, store text NOT NULL, epoch text NOT NULL, source text NOT NULL,
  max_seq bigint NOT NULL DEFAULT 0,
  contiguous bigint NOT NULL DEFAULT 0,
  progress_at timestamptz NOT NULL DEFAULT now(),
  asked_at timestamptz, asked_from bigint, asked_to bigint, request_id text,
  PRIMARY KEY (tenant, store, epoch, source));
CREATE INDEX streams_behind ON streams (tenant, store) WHERE max_seq > contiguous;
CREATE TABLE lost_ranges (
  tenant text NOT NULL, store text NOT NULL, epoch text NOT NULL, source text NOT NULL,
  from_seq bigint NOT NULL, to_seq bigint NOT NULL, reason text NOT NULL,
  reported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, store, epoch, source, from_seq));
CREATE TABLE replay_requests (
  request_id text PRIMARY KEY,
  tenant text NOT NULL, store text NOT NULL, epoch text NOT NULL, source text NOT NULL,
  from_seq bigint NOT NULL, to_seq bigint NOT NULL,
  asked_at timestamptz NOT NULL DEFAULT now(),
  answered_at timestamptz, answer jsonb);
CREATE TABLE alerts (
  tenant text NOT NULL, store text NOT NULL, id text NOT NULL, state text NOT NULL,
  rule text NOT NULL, severity text NOT NULL, at timestamptz NOT NULL,
  body jsonb NOT NULL,
  filed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, store, id, state));
CREATE SEQUENCE replay_request_ids;
CREATE TABLE gap_scans (id integer PRIMARY KEY CHECK (id = 1), scans bigint NOT NULL);
INSERT INTO gap_scans VALUES (1, 0);
CREATE TABLE stores (
  tenant text NOT NULL, store text NOT NULL,
  name text NOT NULL DEFAULT '', time_zone text NOT NULL, currency text NOT NULL,
  tags text[] NOT NULL DEFAULT '{}',
  imported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, store));
CREATE TABLE store_regions (
  tenant text NOT NULL, store text NOT NULL, valid_from date NOT NULL, region text NOT NULL,
  PRIMARY KEY (tenant, store, valid_from));
CREATE TABLE products (
  tenant text NOT NULL, item_id text NOT NULL,
  description text NOT NULL DEFAULT '', category text NOT NULL DEFAULT '',
  PRIMARY KEY (tenant, item_id));
CREATE TABLE associates (
  tenant text NOT NULL, store text NOT NULL, operator_id text NOT NULL,
  person_id text NOT NULL, name text NOT NULL DEFAULT '', role text NOT NULL DEFAULT '', hired_on date,
  PRIMARY KEY (tenant, store, operator_id));
CREATE INDEX associates_person ON associates (tenant, person_id);
)sql",
      // 3: staged configuration pushes and what each store answered (docs/hq.md, "Pushing configuration").
      R"sql(
CREATE TABLE config_pushes (
  push_id bigserial PRIMARY KEY,
  tenant text NOT NULL, version bigint NOT NULL, selector text NOT NULL, kind text NOT NULL,
  document jsonb NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz, outcome text);
CREATE TABLE config_push_stores (
  push_id bigint NOT NULL REFERENCES config_pushes, tenant text NOT NULL, store text NOT NULL,
  canary boolean NOT NULL, state text NOT NULL, detail text NOT NULL DEFAULT '',
  desired jsonb, sent_at timestamptz, answered_at timestamptz,
  PRIMARY KEY (push_id, store));
CREATE INDEX config_push_stores_by_store ON config_push_stores (tenant, store);
)sql",
  };
  return all;
}

std::string ymd(std::chrono::sys_days day, bool dashes) {
  const std::chrono::year_month_day d{day};
  char buf[16];
  std::snprintf(buf, sizeof buf, dashes ? "%04d-%02u-%02u" : "%04d%02u%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

}  // namespace

int hq_schema_version() { return static_cast<int>(migrations().size()); }

core::status migrate_hq_schema(pg_connection& db) {
  if (auto e = db.exec("CREATE TABLE IF NOT EXISTS kelu_hq_schema (version integer NOT NULL)")) {
    // Two members creating it at once: the loser sees a duplicate; the table is there either way.
    if (e->sqlstate != "23505" && e->sqlstate != "42P07") return pg_failure(*e);
  }
  for (;;) {
    if (auto e = db.exec("BEGIN; SELECT pg_advisory_xact_lock(7150001)")) return pg_failure(*e);
    auto rows = db.run("SELECT coalesce(max(version), 0) FROM kelu_hq_schema");
    if (auto* e = std::get_if<pg_error>(&rows)) {
      db.exec("ROLLBACK");
      return pg_failure(*e);
    }
    const auto at = static_cast<int>(std::get<pg_rows>(rows).integer(0, 0));
    if (at > hq_schema_version()) {
      db.exec("ROLLBACK");
      return core::error{"postgresql: the HQ schema is at version " + std::to_string(at) + ", newer than this release's " +
                         std::to_string(hq_schema_version()) + ": upgrade this sink"};
    }
    if (at == hq_schema_version()) {
      if (auto e = db.exec("COMMIT")) return pg_failure(*e);
      return core::ok();
    }
    const std::string step = std::string(migrations()[static_cast<std::size_t>(at)]) +
                             "; INSERT INTO kelu_hq_schema VALUES (" + std::to_string(at + 1) + ")";
    if (auto e = db.exec(step)) {
      db.exec("ROLLBACK");
      return core::error{"postgresql: migration " + std::to_string(at + 1) + ": " + e->message};
    }
    if (auto e = db.exec("COMMIT")) return pg_failure(*e);
  }
}

core::status ensure_event_partition(pg_connection& db, std::chrono::sys_days day) {
  const std::string name = "events_p" + ymd(day, false);
  const std::string sql = "CREATE TABLE IF NOT EXISTS " + name + " PARTITION OF events FOR VALUES FROM ('" +
                          ymd(day, true) + "T00:00:00Z') TO ('" + ymd(day + std::chrono::days(1), true) + "T00:00:00Z')";
  if (auto e = db.exec(sql)) {
    // Another member made it between our IF NOT EXISTS and the create: it is there.
    if (e->sqlstate == "42P07" || e->sqlstate == "23505") return core::ok();
    return pg_failure(*e);
  }
  return core::ok();
}

core::result<int> drop_event_partitions_before(pg_connection& db, std::chrono::sys_days first_kept) {
  auto rows = db.run(
      "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
      "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'events' AND c.relname < $1 "
      "AND c.relname ~ '^events_p[0-9]{8}$' ORDER BY c.relname",
      {"events_p" + ymd(first_kept, false)});
  if (auto* e = std::get_if<pg_error>(&rows)) return pg_failure(*e);
  const auto& r = std::get<pg_rows>(rows);
  int dropped = 0;
  for (int i = 0; i < r.size(); ++i) {
    if (auto e = db.exec("DROP TABLE IF EXISTS " + std::string(r.text(i, 0)))) return pg_failure(*e);
    ++dropped;
  }
  return dropped;
}

}  // namespace kelu::hq
