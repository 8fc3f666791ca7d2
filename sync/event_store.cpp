// SPDX-License-Identifier: Apache-2.0
#include "event_store.hpp"

namespace kelu::sync {

event_store::event_store(database& db, outbox& out, topics t)
    : db_(db),
      outbox_(out),
      topics_(std::move(t)),
      find_dup_(db.handle(), "SELECT seq FROM events WHERE dedupe_key = ?"),
      next_seq_(db.handle(),
                "INSERT INTO source_seq(source, last_seq) VALUES(?, 1) "
                "ON CONFLICT(source) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq"),
      insert_(db.handle(),
              "INSERT INTO events(source, seq, id, stream, type, observed_at, received_at, dedupe_key, body) "
              "VALUES(?,?,?,?,?,?,?,?,?)") {}

core::result<std::vector<core::commit_outcome>> event_store::append(std::vector<core::event>& events,
                                                                    core::utc_time now, outbox_lane lane) {
  std::vector<core::commit_outcome> outcomes;
  outcomes.reserve(events.size());
  try {
    transaction tx{db_};
    for (auto& e : events) {
      const auto key = core::dedupe_key(e);
      if (!key.empty()) {
        find_dup_.reset();
        find_dup_.bind(1, key);
        if (find_dup_.step()) {
          outcomes.push_back({true, find_dup_.column_int(0)});
          find_dup_.reset();
          continue;
        }
      }
      next_seq_.reset();
      next_seq_.bind(1, e.source);
      next_seq_.step();
      e.seq = next_seq_.column_int(0);
      e.epoch = db_.identity().epoch;
      next_seq_.reset();
      const auto body = core::encode(e);
      insert_.reset();
      insert_.bind(1, e.source).bind(2, e.seq).bind(3, e.id).bind(4, e.stream).bind(5, core::type_name(e.body));
      insert_.bind(6, core::to_unix_ms(e.observed_at)).bind(7, core::to_unix_ms(e.received_at));
      if (key.empty())
        insert_.bind_null(8);
      else
        insert_.bind(8, key);
      insert_.bind(9, body);
      insert_.step();
      outbox_.insert(route_for(e, topics_), body, now, lane);
      outcomes.push_back({false, e.seq});
    }
    tx.commit();
  } catch (const std::exception& ex) {
    outbox_.reload();
    return core::error{std::string("storage: ") + ex.what()};
  }
  return outcomes;
}

std::int64_t event_store::prune(core::utc_time cutoff, std::int64_t limit) {
  transaction tx{db_};
  statement st{db_.handle(),
               "DELETE FROM events WHERE (source, seq) IN "
               "(SELECT source, seq FROM events WHERE received_at < ? ORDER BY received_at LIMIT ?)"};
  st.bind(1, core::to_unix_ms(cutoff)).bind(2, limit);
  st.step();
  const auto n = db_.changes();
  tx.commit();
  pruned_ += n;
  return n;
}

std::optional<core::event> event_store::find(const std::string& source, std::int64_t seq) {
  statement st{db_.handle(), "SELECT body FROM events WHERE source = ? AND seq = ?"};
  st.bind(1, source).bind(2, seq);
  if (!st.step()) return std::nullopt;
  auto e = core::decode(st.column_text(0));
  if (!e) return std::nullopt;
  return std::move(e).value();
}

namespace {

// "?,?,?" for an IN list.
std::string placeholders(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += i ? ",?" : "?";
  return s;
}

// "(type IN (?,..) AND observed_at >= ? AND observed_at < ?) OR ...": the rows of any of `spans`.
std::string spans_condition(const std::vector<event_span>& spans) {
  std::string where;
  for (const auto& s : spans)
    where += (where.empty() ? "(" : " OR (") + std::string("type IN (") + placeholders(s.types.size()) +
             ") AND observed_at >= ? AND observed_at < ?)";
  return where.empty() ? "0" : where;
}

// spans_condition's values, from parameter `first` on.
void bind_spans(statement& st, const std::vector<event_span>& spans, int first) {
  for (const auto& s : spans) {
    for (const auto& t : s.types) st.bind(first++, t);
    st.bind(first++, core::to_unix_ms(s.from));
    st.bind(first++, core::to_unix_ms(s.to));
  }
}

void decode_into(std::vector<core::event>& out, std::string_view body, std::int64_t* undecodable) {
  auto e = core::decode(body);
  if (e)
    out.push_back(std::move(e).value());
  else if (undecodable)
    ++*undecodable;
}

}  // namespace

std::vector<core::event> event_store::observed_between(const std::vector<std::string>& types, core::utc_time from,
                                                       core::utc_time to, std::int64_t* undecodable) {
  const std::vector<event_span> span{{types, from, to}};
  statement st{db_.handle(), "SELECT body FROM events WHERE " + spans_condition(span)};
  bind_spans(st, span, 1);
  std::vector<core::event> out;
  while (st.step()) decode_into(out, st.column_text(0), undecodable);
  return out;
}

std::vector<core::event> event_store::observed_in(const std::vector<event_span>& spans, const seq_marks& after,
                                                  const seq_marks& upto, std::int64_t* undecodable) {
  std::vector<core::event> out;
  if (after.empty()) {
    statement st{db_.handle(), "SELECT source, seq, body FROM events WHERE " + spans_condition(spans)};
    bind_spans(st, spans, 1);
    while (st.step()) {
      const auto last = upto.find(st.column_text(0));
      if (last != upto.end() && st.column_int(1) <= last->second) decode_into(out, st.column_text(2), undecodable);
    }
    return out;
  }
  statement st{db_.handle(), "SELECT body FROM events WHERE source = ? AND seq > ? AND seq <= ? AND (" +
                                 spans_condition(spans) + ")"};
  for (const auto& [source, last] : upto) {
    const auto seen = after.find(source);
    const std::int64_t from = seen == after.end() ? 0 : seen->second;
    if (last <= from) continue;
    st.reset();
    st.bind(1, source).bind(2, from).bind(3, last);
    bind_spans(st, spans, 4);
    while (st.step()) decode_into(out, st.column_text(0), undecodable);
  }
  return out;
}

seq_marks event_store::last_seqs() {
  statement st{db_.handle(), "SELECT source, last_seq FROM source_seq"};
  seq_marks out;
  while (st.step()) out.emplace(st.column_text(0), st.column_int(1));
  return out;
}

std::vector<core::utc_time> event_store::observed_times_received_since(const std::vector<std::string>& types,
                                                                       core::utc_time since) {
  // received_at has its own index; the result is the few events of the last tick, or once the
  // whole of a backfill.
  statement st{db_.handle(), "SELECT observed_at FROM events WHERE received_at >= ? AND type IN (" +
                                 placeholders(types.size()) + ")"};
  st.bind(1, core::to_unix_ms(since));
  int i = 2;
  for (const auto& t : types) st.bind(i++, t);
  std::vector<core::utc_time> out;
  while (st.step()) out.push_back(core::from_unix_ms(st.column_int(0)));
  return out;
}

std::int64_t event_store::count() {
  statement st{db_.handle(), "SELECT count(*) FROM events"};
  st.step();
  return st.column_int(0);
}

std::int64_t event_store::last_seq(const std::string& source) {
  statement st{db_.handle(), "SELECT last_seq FROM source_seq WHERE source = ?"};
  st.bind(1, source);
  return st.step() ? st.column_int(0) : 0;
}

}  // namespace kelu::sync
