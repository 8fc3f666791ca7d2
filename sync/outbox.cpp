// SPDX-License-Identifier: Apache-2.0
#include "outbox.hpp"

#include <unordered_set>

#include <sqlite3.h>

namespace kelu::sync {

outbox::outbox(database& db)
    : db_(db),
      insert_(db.handle(),
              "INSERT INTO outbox(topic, payload, qos, retain, priority, created_at, backlog, kind, stream) "
              "VALUES(?,?,?,?,?,?,?,?,?)"),
      peek_(db.handle(),
            "SELECT id, topic, payload, qos, retain, kind, stream FROM outbox "
            "WHERE id > ? AND backlog = 0 ORDER BY id LIMIT ?"),
      peek_aged_(db.handle(),
                 "SELECT id, topic, payload, qos, retain, kind, stream FROM outbox "
                 "WHERE id > ? AND id <= ? ORDER BY id LIMIT ?"),
      peek_backlog_(db.handle(),
                    "SELECT id, topic, payload, qos, retain, kind, stream FROM outbox "
                    "WHERE backlog = 1 AND id > ? ORDER BY id LIMIT ?"),
      remove_(db.handle(), "DELETE FROM outbox WHERE id = ? RETURNING length(payload)") {
  reload();
}

std::int64_t outbox::oldest_created_ms() {
  // By id, not min(created_at): ids grow with time and the primary key answers at once.
  statement st{db_.handle(), "SELECT created_at FROM outbox ORDER BY id LIMIT 1"};
  return st.step() ? st.column_int(0) : 0;
}

void outbox::reload() {
  statement st{db_.handle(), "SELECT count(*), coalesce(sum(length(payload)), 0) FROM outbox"};
  st.step();
  rows_ = st.column_int(0);
  bytes_ = st.column_int(1);
}

void outbox::insert(const outbox_address& to, std::string_view payload, core::utc_time now, outbox_lane lane) {
  auto& st = insert_;
  st.reset();
  st.bind(1, to.topic).bind_blob(2, payload).bind(3, to.qos).bind(4, to.retain ? 1 : 0).bind(5, to.priority);
  st.bind(6, core::to_unix_ms(now)).bind(7, lane == outbox_lane::history ? 1 : 0);
  st.bind(8, static_cast<int>(to.kind)).bind(9, to.stream);
  st.step();
  ++rows_;
  bytes_ += static_cast<std::int64_t>(payload.size());
}

void outbox::replace(const outbox_address& to, std::string_view payload, core::utc_time now) {
  try {
    transaction tx{db_};
    {
      statement st{db_.handle(), "DELETE FROM outbox WHERE topic = ? AND backlog = 0 RETURNING length(payload)"};
      st.bind(1, to.topic);
      while (st.step()) {
        --rows_;
        bytes_ -= st.column_int(0);
      }
    }
    auto retained = to;
    retained.retain = true;
    insert(retained, payload, now);
    tx.commit();
  } catch (...) {
    reload();
    throw;
  }
}

namespace {

message_kind kind_of(std::int64_t stored) {
  switch (stored) {
    case static_cast<int>(message_kind::event):
      return message_kind::event;
    case static_cast<int>(message_kind::health):
      return message_kind::health;
    default:
      return message_kind::message;  // sent as written: never altered on a guess
  }
}

std::vector<outbox_row> rows_of(statement& st) {
  std::vector<outbox_row> out;
  while (st.step())
    out.push_back({st.column_int(0), st.column_text(1), st.column_text(2), static_cast<int>(st.column_int(3)),
                   st.column_int(4) != 0, kind_of(st.column_int(5)), st.column_text(6)});
  return out;
}

}  // namespace

std::vector<outbox_row> outbox::peek(std::int64_t after_id, std::size_t limit) {
  peek_.reset();
  peek_.bind(1, after_id).bind(2, static_cast<std::int64_t>(limit));
  return rows_of(peek_);
}

std::vector<outbox_row> outbox::peek_backlog(std::int64_t after_id, std::size_t limit, std::int64_t aged_up_to) {
  // Two range queries rather than one OR: the aged rows are a rowid range, the backlog rows
  // after them come from their partial index.
  if (after_id < aged_up_to) {
    peek_aged_.reset();
    peek_aged_.bind(1, after_id).bind(2, aged_up_to).bind(3, static_cast<std::int64_t>(limit));
    auto rows = rows_of(peek_aged_);
    if (!rows.empty()) return rows;
    after_id = aged_up_to;
  }
  peek_backlog_.reset();
  peek_backlog_.bind(1, after_id).bind(2, static_cast<std::int64_t>(limit));
  return rows_of(peek_backlog_);
}

std::int64_t outbox::last_id_created_before(core::utc_time cutoff) {
  // Runs once per connect: a scan of created_at is cheap next to a reconnect.
  statement st{db_.handle(), "SELECT COALESCE(MAX(id), 0) FROM outbox WHERE created_at < ?"};
  st.bind(1, core::to_unix_ms(cutoff));
  return st.step() ? st.column_int(0) : 0;
}

void outbox::drop_oversize(std::int64_t id, std::size_t bytes) {
  transaction tx{db_};
  statement st{db_.handle(), "DELETE FROM outbox WHERE id = ?"};
  st.bind(1, id);
  st.step();
  if (sqlite3_changes(db_.handle()) > 0) {
    --rows_;
    bytes_ -= static_cast<std::int64_t>(bytes);
    add_counter("outbox_dropped_oversize", 1);
  }
  tx.commit();
}

std::int64_t outbox::drop_other_stores(const std::string& root) {
  transaction tx{db_};
  statement st{db_.handle(),
               "DELETE FROM outbox WHERE substr(topic, 1, length(?1)) <> ?1 "
               "AND NOT EXISTS (SELECT 1 FROM events WHERE source <> 'agent')"};
  st.bind(1, root);
  st.step();
  const auto n = static_cast<std::int64_t>(sqlite3_changes(db_.handle()));
  if (n > 0) add_counter("outbox_dropped_other_store", n);
  tx.commit();
  if (n > 0) reload();
  return n;
}

void outbox::remove(const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return;
  transaction tx{db_};
  auto& st = remove_;
  for (const auto id : ids) {
    st.reset();
    st.bind(1, id);
    if (st.step()) {
      --rows_;
      bytes_ -= st.column_int(0);
      while (st.step()) {
      }
    }
  }
  tx.commit();
}

std::int64_t outbox::enforce(const outbox_quota& quota, core::utc_time now, const std::vector<std::int64_t>& sending) {
  const auto cutoff = core::to_unix_ms(now) - quota.max_age_days * 86'400'000LL;
  const auto oldest = oldest_created_ms();
  const bool stale = rows_ > 0 && oldest < cutoff;
  if (!stale && bytes_ <= quota.max_bytes) return 0;
  const std::unordered_set<std::int64_t> busy(sending.begin(), sending.end());
  transaction tx{db_};
  // Victims: every row past its age, then in the drop order up to the first that brings the
  // rest under the quota; rows being sent are passed over and stay counted as kept.
  struct row {
    std::int64_t id, bytes;
    bool aged;
  };
  std::vector<row> order;
  statement walk{db_.handle(), "SELECT id, length(payload), created_at < ? FROM outbox ORDER BY priority, id"};
  walk.bind(1, cutoff);
  while (walk.step())
    if (!busy.count(walk.column_int(0))) order.push_back({walk.column_int(0), walk.column_int(1), walk.column_int(2) != 0});
  std::vector<std::int64_t> by_age, by_bytes;
  // Down to the low-water mark, not just under the quota: a box draining its backlog adds a
  // status or stats row now and then, and dropping only that much at every maintenance tick
  // took a few rows each time from just behind those in flight, a hole in what HQ received.
  // Under the quota (only aged rows to drop), nothing goes by size.
  std::int64_t excess = bytes_ - (bytes_ > quota.max_bytes ? quota_low_water(quota.max_bytes) : quota.max_bytes);
  for (const auto& r : order)
    if (r.aged) {
      by_age.push_back(r.id);
      excess -= r.bytes;
    }
  for (const auto& r : order)
    if (!r.aged && excess > 0) {
      by_bytes.push_back(r.id);
      excess -= r.bytes;
    }
  statement del{db_.handle(), "DELETE FROM outbox WHERE id = ?"};
  for (const auto* v : {&by_age, &by_bytes})
    for (const auto id : *v) {
      del.reset();
      del.bind(1, id);
      del.step();
    }
  add_counter("outbox_dropped_age", static_cast<std::int64_t>(by_age.size()));
  add_counter("outbox_dropped_quota", static_cast<std::int64_t>(by_bytes.size()));
  tx.commit();
  reload();
  return static_cast<std::int64_t>(by_age.size() + by_bytes.size());
}

outbox_stats outbox::stats() {
  outbox_stats s;
  s.rows = rows_;
  s.bytes = bytes_;
  s.oldest_created_ms = oldest_created_ms();
  s.dropped_quota = counter("outbox_dropped_quota");
  s.dropped_age = counter("outbox_dropped_age");
  s.dropped_oversize = counter("outbox_dropped_oversize");
  s.dropped_other_store = counter("outbox_dropped_other_store");
  return s;
}

std::int64_t outbox::counter(const char* name) {
  statement st{db_.handle(), "SELECT value FROM counters WHERE name = ?"};
  st.bind(1, std::string_view{name});
  return st.step() ? st.column_int(0) : 0;
}

void outbox::add_counter(const char* name, std::int64_t delta) {
  if (delta == 0) return;
  statement st{db_.handle(),
               "INSERT INTO counters(name, value) VALUES(?, ?) ON CONFLICT(name) DO UPDATE SET value = value + ?"};
  st.bind(1, std::string_view{name}).bind(2, delta).bind(3, delta);
  st.step();
}

}  // namespace kelu::sync
