// SPDX-License-Identifier: Apache-2.0
#include "gap_tracker.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <string_view>
#include <utility>

namespace kelu::hq {

namespace {

using params = std::vector<std::optional<std::string>>;

std::vector<std::int64_t> numbers(std::string_view csv) {
  std::vector<std::int64_t> out;
  for (std::size_t at = 0; at < csv.size();) {
    auto end = csv.find_first_of(",-", at);
    if (end == std::string_view::npos) end = csv.size();
    std::int64_t v = 0;
    std::from_chars(csv.data() + at, csv.data() + end, v);
    out.push_back(v);
    at = end + 1;
  }
  return out;
}

template <typename T>
std::string number_array(const std::vector<T>& values) {
  std::string out = "{";
  for (const auto& v : values) out += (out.size() > 1 ? "," : "") + std::to_string(v);
  return out + "}";
}

}  // namespace

struct gap_tracker::stream_view {
  std::string tenant, store, epoch, source;
  std::int64_t contiguous = 0;  // after this scan
  std::int64_t max_seq = 0;     // the highest seq filed; above contiguous: a hole, or more to read
  bool moved = false;
  std::int64_t next_present = 0;  // the first filed seq above the hole; 0: none known
};

gap_tracker::gap_tracker(pg_connection& db, gap_options options) : db_(db), options_(options) {}

std::variant<gap_scan_result, pg_error> gap_tracker::scan() {
  gap_scan_result result;
  if (auto e = db_.exec("BEGIN")) return *e;
  const auto fail = [this](pg_error e) -> std::variant<gap_scan_result, pg_error> {
    db_.exec("ROLLBACK");
    return e;
  };
  auto lock = db_.run("SELECT pg_try_advisory_xact_lock(7150002)");
  if (auto* e = std::get_if<pg_error>(&lock)) return fail(*e);
  if (std::get<pg_rows>(lock).text(0, 0) != "t") {
    db_.exec("ROLLBACK");
    return result;
  }
  std::vector<stream_view> streams;
  if (auto e = read(streams)) return fail(*e);
  if (auto e = update(streams)) return fail(*e);
  if (auto e = ask(streams, result)) return fail(*e);
  auto done = db_.run("UPDATE gap_scans SET scans = scans + 1");
  if (auto* e = std::get_if<pg_error>(&done)) return fail(*e);
  if (auto e = db_.exec("COMMIT")) return *e;
  result.scanned = true;
  result.streams_read = static_cast<std::int64_t>(streams.size());
  for (const auto& s : streams) result.streams_behind += s.max_seq > s.contiguous ? 1 : 0;
  return result;
}

// The streams touched since the last scan (events filed, losses reported: taken off
// stream_touches) and those with a hole: the seqs filed above their contiguous ones and the ranges
// reported lost, walked here.
std::optional<pg_error> gap_tracker::read(std::vector<stream_view>& out) {
  auto taken = db_.run(
      "WITH taken AS (DELETE FROM stream_touches RETURNING tenant, store, epoch, source), fresh AS (INSERT INTO streams "
      "(tenant, store, epoch, source) SELECT DISTINCT * FROM taken ON CONFLICT DO NOTHING) SELECT DISTINCT * FROM taken");
  if (auto* e = std::get_if<pg_error>(&taken)) return *e;
  std::vector<std::string> keys[4];
  const auto& t = std::get<pg_rows>(taken);
  for (int i = 0; i < t.size(); ++i)
    for (int c = 0; c < 4; ++c) keys[c].emplace_back(t.text(i, c));
  auto rows = db_.run(
      "WITH touched AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(tenant, store, "
      "epoch, source) UNION SELECT tenant, store, epoch, source FROM streams WHERE max_seq > contiguous) "
      "SELECT st.tenant, st.store, st.epoch, st.source, st.contiguous, st.max_seq, "
      "(SELECT string_agg(seq::text, ',' ORDER BY seq) FROM (SELECT seq FROM events e WHERE e.tenant = st.tenant "
      "AND e.store = st.store AND e.epoch = st.epoch AND e.source = st.source AND e.seq > st.contiguous "
      "ORDER BY seq LIMIT $5) x), "
      "(SELECT string_agg(from_seq || '-' || to_seq, ',' ORDER BY from_seq) FROM lost_ranges l WHERE "
      "l.tenant = st.tenant AND l.store = st.store AND l.epoch = st.epoch AND l.source = st.source AND "
      "l.to_seq > st.contiguous) "
      "FROM touched JOIN streams st USING (tenant, store, epoch, source)",
      {pg_text_array(keys[0]), pg_text_array(keys[1]), pg_text_array(keys[2]), pg_text_array(keys[3]),
       std::to_string(options_.read_limit)});
  if (auto* e = std::get_if<pg_error>(&rows)) return *e;
  const auto& r = std::get<pg_rows>(rows);
  for (int i = 0; i < r.size(); ++i) {
    stream_view s{std::string(r.text(i, 0)), std::string(r.text(i, 1)), std::string(r.text(i, 2)),
                  std::string(r.text(i, 3)), r.integer(i, 4), r.integer(i, 5), false, 0};
    const auto start = s.contiguous;
    const auto seqs = numbers(r.text(i, 6));
    const auto lost = numbers(r.text(i, 7));  // from, to, from, to, ...
    std::size_t next_seq = 0, next_lost = 0;
    for (;;) {
      while (next_seq < seqs.size() && seqs[next_seq] <= s.contiguous) ++next_seq;
      while (next_lost + 1 < lost.size() && lost[next_lost + 1] <= s.contiguous) next_lost += 2;
      if (next_seq < seqs.size() && seqs[next_seq] == s.contiguous + 1) {
        ++s.contiguous;
      } else if (next_lost + 1 < lost.size() && lost[next_lost] <= s.contiguous + 1) {
        s.contiguous = lost[next_lost + 1];
      } else {
        break;
      }
    }
    // Every seq above contiguous was read unless the limit cut the read short: then there is more
    // to walk next scan, and a max_seq above contiguous has the stream read again.
    const bool cut = seqs.size() == static_cast<std::size_t>(options_.read_limit);
    s.max_seq = std::max(s.contiguous + (cut ? 1 : 0), seqs.empty() ? 0 : seqs.back());
    // The hole ends before the next seq filed or reported lost.
    s.next_present = next_seq < seqs.size() ? seqs[next_seq] : 0;
    if (next_lost < lost.size() && (s.next_present == 0 || lost[next_lost] < s.next_present))
      s.next_present = lost[next_lost];
    s.moved = s.contiguous != start;
    out.push_back(std::move(s));
  }
  return std::nullopt;
}

std::optional<pg_error> gap_tracker::update(const std::vector<stream_view>& streams) {
  if (streams.empty()) return std::nullopt;
  std::vector<std::string> tenants, stores, epochs, sources;
  std::vector<std::int64_t> contiguous, max_seq;
  std::vector<int> moved;
  for (const auto& s : streams) {
    tenants.push_back(s.tenant);
    stores.push_back(s.store);
    epochs.push_back(s.epoch);
    sources.push_back(s.source);
    contiguous.push_back(s.contiguous);
    max_seq.push_back(s.max_seq);
    moved.push_back(s.moved ? 1 : 0);
  }
  auto r = db_.run(
      "UPDATE streams st SET contiguous = u.c, max_seq = u.m, progress_at = CASE WHEN u.moved = 1 THEN now() ELSE "
      "st.progress_at END FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], "
      "$7::int[]) AS u(t, s, e, src, c, m, moved) WHERE st.tenant = u.t AND st.store = u.s AND st.epoch = u.e AND "
      "st.source = u.src",
      params{pg_text_array(tenants), pg_text_array(stores), pg_text_array(epochs), pg_text_array(sources),
             number_array(contiguous), number_array(max_seq), number_array(moved)});
  if (auto* e = std::get_if<pg_error>(&r)) return *e;
  return std::nullopt;
}

// Asks for the first hole of each stream stuck for `grace`, unless it was asked already and
// `retry` has not passed.
std::optional<pg_error> gap_tracker::ask(const std::vector<stream_view>& streams, gap_scan_result& result) {
  constexpr std::int64_t max_span = 100'000;  // a box serves at most this many seqs per request
  for (const auto& s : streams) {
    if (s.next_present == 0 || s.max_seq <= s.contiguous) continue;
    const auto from = s.contiguous + 1;
    const auto to = std::min(s.next_present - 1, from + max_span - 1);
    auto r = db_.run(
        "WITH due AS (UPDATE streams SET asked_at = now(), asked_from = $5, asked_to = $6, request_id = 'hq-' || "
        "nextval('replay_request_ids') WHERE tenant = $1 AND store = $2 AND epoch = $3 AND source = $4 AND "
        "progress_at <= now() - $7::interval AND (request_id IS NULL OR asked_from <> $5 OR asked_at <= now() - "
        "$8::interval) RETURNING request_id) "
        "INSERT INTO replay_requests (request_id, tenant, store, epoch, source, from_seq, to_seq) "
        "SELECT request_id, $1, $2, $3, $4, $5, $6 FROM due RETURNING request_id",
        {s.tenant, s.store, s.epoch, s.source, std::to_string(from), std::to_string(to),
         std::to_string(options_.grace.count()) + " seconds", std::to_string(options_.retry.count()) + " seconds"});
    if (auto* e = std::get_if<pg_error>(&r)) return *e;
    const auto& rows = std::get<pg_rows>(r);
    if (rows.size() == 0) continue;
    const nlohmann::json command{{"request_id", rows.text(0, 0)}, {"epoch", s.epoch}, {"source", s.source},
                                 {"from_seq", from}, {"to_seq", to}};
    result.requests.push_back({"kelu/v1/" + s.tenant + "/" + s.store + "/cmd/replay", command.dump()});
  }
  return std::nullopt;
}

std::variant<bool, pg_error> record_replay_reply(pg_connection& db, const std::string& tenant, const std::string& store,
                                                 const sink_replay_reply& reply) {
  auto asked = db.run("UPDATE replay_requests SET answered_at = now(), answer = $4::jsonb WHERE request_id = $1 AND "
                      "tenant = $2 AND store = $3 RETURNING epoch, source, from_seq, to_seq",
                      {reply.request_id, tenant, store, reply.body});
  if (auto* e = std::get_if<pg_error>(&asked)) return *e;
  const auto& a = std::get<pg_rows>(asked);
  if (a.size() == 0) return false;
  const std::string epoch(a.text(0, 0)), source(a.text(0, 1));
  const auto from = a.integer(0, 2), to = a.integer(0, 3);
  std::vector<std::pair<std::int64_t, std::int64_t>> lost;
  std::string why;
  if (reply.ok) {
    // Gone for good up to the box's last seq (pruned by its retention); beyond it never assigned.
    for (const auto& [f, t] : reply.missing)
      if (std::max(f, from) <= std::min({t, to, reply.last_seq})) lost.emplace_back(std::max(f, from), std::min({t, to, reply.last_seq}));
    why = "the store no longer has them";
  } else if (!reply.epoch.empty() && reply.epoch != epoch) {
    lost.emplace_back(from, to);  // the box that held them was replaced
    why = "they left with a replaced box (the store runs epoch " + reply.epoch + ")";
  }
  if (!lost.empty()) {
    auto touch = db.run("INSERT INTO stream_touches VALUES ($1, $2, $3, $4, $5)",
                        {tenant, store, epoch, source, std::to_string(to)});
    if (auto* e = std::get_if<pg_error>(&touch)) return *e;
  }
  for (const auto& [f, t] : lost) {
    auto r = db.run("INSERT INTO lost_ranges (tenant, store, epoch, source, from_seq, to_seq, reason) VALUES ($1, $2, "
                    "$3, $4, $5, $6, $7) ON CONFLICT (tenant, store, epoch, source, from_seq) DO UPDATE SET to_seq = "
                    "greatest(lost_ranges.to_seq, EXCLUDED.to_seq)",
                    {tenant, store, epoch, source, std::to_string(f), std::to_string(t), why});
    if (auto* e = std::get_if<pg_error>(&r)) return *e;
  }
  return true;
}

}  // namespace kelu::hq
