// SPDX-License-Identifier: Apache-2.0
#pragma once
// The limit every ingest benchmark is measured against: the same rows the agent writes
// (events + outbox), encoded beforehand so only SQLite is timed, in one transaction with
// prepared statements, the agent's own schema and the same synchronous setting.
#include <chrono>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include "core/event.hpp"
#include "sync/database.hpp"

namespace kelu::bench {

inline std::filesystem::path fresh_db(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("kelu-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto p = dir / name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + suffix);
  return p;
}

// Seconds to insert `events` (numbered 1..n here) the way the store does, in bulk.
inline double raw_sqlite_seconds(std::vector<core::event> events, bool full_sync) {
  auto db = sync::database::open({fresh_db("raw.db").string(), full_sync}).value();
  std::vector<std::string> bodies;
  std::int64_t seq = 0;
  for (auto& e : events) {
    e.seq = ++seq;
    bodies.push_back(core::encode(e));
  }
  const auto t0 = std::chrono::steady_clock::now();
  sync::transaction tx{*db};
  sync::statement ev{db->handle(),
                     "INSERT INTO events(source, seq, id, stream, type, observed_at, received_at, dedupe_key, body) "
                     "VALUES(?,?,?,?,?,?,?,?,?)"};
  sync::statement ob{db->handle(),
                     "INSERT INTO outbox(topic, payload, qos, retain, priority, created_at, kind, stream) "
                     "VALUES(?,?,?,?,?,?,1,'pos')"};
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    ev.reset();
    ev.bind(1, e.source).bind(2, e.seq).bind(3, e.id).bind(4, e.stream).bind(5, core::type_name(e.body));
    ev.bind(6, std::int64_t{0}).bind(7, std::int64_t{0}).bind(8, core::dedupe_key(e)).bind(9, bodies[i]);
    ev.step();
    ob.reset();
    ob.bind(1, std::string_view{"kelu/v1/bench/s1/events/pos"}).bind_blob(2, bodies[i]).bind(3, std::int64_t{1});
    ob.bind(4, std::int64_t{0}).bind(5, std::int64_t{0}).bind(6, std::int64_t{0});
    ob.step();
  }
  tx.commit();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace kelu::bench
