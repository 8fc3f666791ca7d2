// SPDX-License-Identifier: Apache-2.0
#pragma once
// One sink member (`kelu-hq sink`): stores' topics from the broker into PostgreSQL, a batch at a
// time — receive, file in one transaction, then acknowledge — so a member killed at any point
// has acknowledged only what is committed and the broker redelivers the rest to its persistent
// session (another member's, with a shared subscription). Between batches, about once every
// `scan_interval`, it scans the streams for gaps and asks stores for replays (gap_tracker.hpp).
// Errors on either side end the connection, not the member: it connects again with backoff, and
// nothing unacknowledged is lost.
//
// run() blocks until `stop` is set (checked at least every `poll`); stats() from any thread.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gap_tracker.hpp"
#include "mqtt_consumer.hpp"
#include "sink_store.hpp"

namespace spdlog {
class logger;
}

namespace kelu::hq {

struct sink_options {
  std::string mqtt_uri;        // tcp://host:port or ssl://host:port
  transport_tls tls;           // for ssl://
  std::string client_id;       // stable across restarts: the broker keeps its session
  std::string username;
  std::string password;
  std::string tenant = "+";    // one tenant's stores, or every tenant's
  std::string share_group;     // several members: $share/{group}/...; empty: this member alone
  std::string database;        // libpq conninfo
  std::size_t batch = 1000;    // messages per transaction at most
  std::size_t max_message_bytes = 1 << 20;
  std::chrono::seconds timeout{10};           // connecting, each statement, each broker exchange
  std::chrono::milliseconds poll{500};        // how long a receive waits for a first message
  gap_options gaps;                           // when a gap is asked for (gap_tracker.hpp)
  std::chrono::milliseconds scan_interval{1000};  // how often this member tries to scan for gaps
};

struct sink_stats {
  std::int64_t messages = 0;  // filed and acknowledged
  std::int64_t batches = 0;
  filed_counts filed;
  std::int64_t broker_connects = 0;
  std::int64_t database_connects = 0;
  std::int64_t errors = 0;  // a connection lost or refused, on either side
  std::int64_t gap_scans = 0;        // scans this member made (one member scans at a time)
  std::int64_t replay_requests = 0;  // cmd/replay it sent
};

// The filters a member subscribes to: events, stats, backfill batches, closed aggregates, status,
// alerts, and the stores' answers to replay requests.
std::vector<std::string> sink_filters(const std::string& tenant, const std::string& share_group);

class sink_runner {
 public:
  sink_runner(sink_options options, std::shared_ptr<spdlog::logger> log);
  void run(const std::atomic<bool>& stop);
  sink_stats stats() const;

 private:
  // One connection's life on both sides; returns when either fails or `stop` is set.
  core::status serve(const std::atomic<bool>& stop);
  // Scans for gaps (when no other member is) and sends the replay requests it recorded.
  core::status scan_gaps(gap_tracker& gaps, mqtt_consumer& mqtt);
  void add(const filed_counts& c, std::size_t messages);

  sink_options options_;
  std::shared_ptr<spdlog::logger> log_;
  mutable std::mutex mutex_;
  sink_stats stats_;
};

}  // namespace kelu::hq
