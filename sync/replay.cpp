// SPDX-License-Identifier: Apache-2.0
#include "replay.hpp"

#include <nlohmann/json.hpp>

namespace kelu::sync {

using nlohmann::json;

core::result<replay_request> parse_replay(std::string_view payload) {
  const auto j = json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return core::error{"not a JSON object"};
  for (const auto& [k, v] : j.items())
    if (k != "request_id" && k != "epoch" && k != "source" && k != "from_seq" && k != "to_seq")
      return core::error{k + ": unknown field"};
  replay_request r;
  if (const auto it = j.find("request_id"); it != j.end()) {
    if (!it->is_string() || it->get<std::string>().size() > 128)
      return core::error{"request_id: expected a string of at most 128 characters"};
    r.request_id = it->get<std::string>();
  }
  if (const auto it = j.find("epoch"); it != j.end()) {
    if (!it->is_string() || it->get<std::string>().empty() || it->get<std::string>().size() > 64)
      return core::error{"epoch: expected a non-empty string of at most 64 characters"};
    r.epoch = it->get<std::string>();
  }
  const auto src = j.find("source");
  if (src == j.end() || !src->is_string() || src->get<std::string>().empty())
    return core::error{"source: required, a non-empty string"};
  r.source = src->get<std::string>();
  for (auto [key, field] : {std::pair{"from_seq", &r.from_seq}, std::pair{"to_seq", &r.to_seq}}) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer() || it->get<std::int64_t>() < 1)
      return core::error{std::string(key) + ": required, an integer >= 1"};
    *field = it->get<std::int64_t>();
  }
  if (r.to_seq < r.from_seq) return core::error{"to_seq: must be >= from_seq"};
  if (r.to_seq - r.from_seq >= max_replay_span)
    return core::error{"to_seq: at most " + std::to_string(max_replay_span) + " seqs per request"};
  return r;
}

replay_outcome replay(database& db, event_store& store, outbox& out, const topics& t, const replay_request& r,
                      core::utc_time now) {
  replay_outcome o;
  o.last_seq = store.last_seq(r.source);
  o.epoch = db.identity().epoch;
  transaction tx{db};
  statement st{db.handle(), "SELECT seq, body FROM events WHERE source = ? AND seq BETWEEN ? AND ? ORDER BY seq"};
  st.bind(1, r.source).bind(2, r.from_seq).bind(3, r.to_seq);
  std::int64_t expect = r.from_seq;
  while (st.step()) {
    const auto seq = st.column_int(0);
    if (seq > expect) o.missing.emplace_back(expect, seq - 1);
    expect = seq + 1;
    auto e = core::decode(st.column_text(1));
    if (!e) continue;  // written by this agent; a decode failure would be a bug, not input
    const auto route = route_for(*e, t);
    // Stored before this database had an epoch (an upgraded box): sent again with it.
    const bool stamp = e->epoch.empty() && !o.epoch.empty();
    if (stamp) e->epoch = o.epoch;
    // A replay is history HQ asked for: the backlog lane, behind live data.
    out.insert(route, stamp ? core::encode(*e) : st.column_text(1), now, outbox_lane::history);
    ++o.queued;
  }
  if (expect <= r.to_seq) o.missing.emplace_back(expect, r.to_seq);
  tx.commit();
  return o;
}

std::string replay_reply(const replay_request& r, const replay_outcome& o) {
  json missing = json::array();
  for (const auto& [a, b] : o.missing) missing.push_back({a, b});
  return json{{"request_id", r.request_id}, {"ok", true},           {"epoch", o.epoch},
              {"source", r.source},         {"queued", o.queued},    {"missing", missing},
              {"last_seq", o.last_seq}}
      .dump();
}

std::optional<std::string> replay_wrong_epoch(const replay_request& r, const std::string& ours) {
  if (r.epoch.empty() || r.epoch == ours) return std::nullopt;
  json reply{{"ok", false},
             {"error", "epoch " + r.epoch + " is not this box's database (" + ours +
                           "): its events left with the box or database it replaced"},
             {"epoch", ours},
             {"source", r.source}};
  if (!r.request_id.empty()) reply["request_id"] = r.request_id;
  return reply.dump();
}

std::string replay_error(std::string_view payload, const std::string& error) {
  json reply{{"ok", false}, {"error", error}};
  const auto j = json::parse(payload, nullptr, false);
  if (j.is_object())
    if (const auto it = j.find("request_id"); it != j.end() && it->is_string()) reply["request_id"] = *it;
  return reply.dump();
}

}  // namespace kelu::sync
