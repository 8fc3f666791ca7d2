// SPDX-License-Identifier: Apache-2.0
#include "sink_runner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "hq/db/pg_connection.hpp"
#include "hq/db/hq_schema.hpp"

namespace kelu::hq {

std::vector<std::string> sink_filters(const std::string& tenant, const std::string& share_group) {
  const std::string prefix = share_group.empty() ? "" : "$share/" + share_group + "/";
  const std::string root = prefix + "kelu/v1/" + tenant + "/+/";
  return {root + "events/+", root + "stats",  root + "backfill/+",   root + "metrics/+/+",
          root + "status",   root + "alerts", root + "reply/replay"};
}

sink_runner::sink_runner(sink_options options, std::shared_ptr<spdlog::logger> log)
    : options_(std::move(options)), log_(std::move(log)) {}

sink_stats sink_runner::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void sink_runner::add(const filed_counts& c, std::size_t messages) {
  std::lock_guard lock(mutex_);
  stats_.messages += static_cast<std::int64_t>(messages);
  ++stats_.batches;
  stats_.filed += c;
}

void sink_runner::run(const std::atomic<bool>& stop) {
  auto backoff = std::chrono::milliseconds(200);
  while (!stop) {
    const auto started = std::chrono::steady_clock::now();
    const auto st = serve(stop);
    if (stop) break;
    {
      std::lock_guard lock(mutex_);
      ++stats_.errors;
    }
    log_->warn("sink: {}; connecting again in {} ms", st ? std::string("stopped") : st.error_message(), backoff.count());
    // A connection that lasted is not a failing one: start the backoff over.
    if (std::chrono::steady_clock::now() - started > std::chrono::seconds(30)) backoff = std::chrono::milliseconds(200);
    for (auto waited = std::chrono::milliseconds(0); waited < backoff && !stop; waited += options_.poll / 5)
      std::this_thread::sleep_for(options_.poll / 5);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
  }
}

core::status sink_runner::scan_gaps(gap_tracker& gaps, mqtt_consumer& mqtt) {
  auto scanned = gaps.scan();
  if (auto* e = std::get_if<pg_error>(&scanned)) return core::error{"postgresql: gap scan: " + e->message};
  const auto& r = std::get<gap_scan_result>(scanned);
  // Recorded as asked: sent only now. One lost with the connection is asked again after `retry`.
  for (const auto& c : r.requests) {
    log_->info("sink: asking for a replay on {}: {}", c.topic, c.payload);
    if (auto st = mqtt.publish(c.topic, c.payload); !st) return st;
  }
  std::lock_guard lock(mutex_);
  stats_.gap_scans += r.scanned ? 1 : 0;
  stats_.replay_requests += static_cast<std::int64_t>(r.requests.size());
  return core::ok();
}

core::status sink_runner::serve(const std::atomic<bool>& stop) {
  auto db = pg_connection::open(options_.database, options_.timeout);
  if (!db) return core::error{db.error_message()};
  if (auto st = migrate_hq_schema(*db); !st) return st;
  {
    std::lock_guard lock(mutex_);
    ++stats_.database_connects;
  }
  consumer_options co;
  co.uri = options_.mqtt_uri;
  co.tls = options_.tls;
  co.session = connect_packet{options_.client_id, options_.username, options_.password, 30, false};
  co.filters = sink_filters(options_.tenant, options_.share_group);
  co.timeout = options_.timeout;
  // A backfill batch is at most max_message_bytes compressed; the packet adds its topic.
  co.max_packet_bytes = options_.max_message_bytes + 64 * 1024;
  auto mqtt = mqtt_consumer::connect(co);
  if (!mqtt) return core::error{mqtt.error_message()};
  {
    std::lock_guard lock(mutex_);
    ++stats_.broker_connects;
  }
  log_->info("sink: connected to {} (session {}) and PostgreSQL; filing", options_.mqtt_uri,
             mqtt->session_present() ? "resumed" : "new");
  sink_store store(*db, options_.max_message_bytes);
  gap_tracker gaps(*db, options_.gaps);
  auto next_scan = std::chrono::steady_clock::now();
  std::vector<received_message> batch;
  while (!stop) {
    if (std::chrono::steady_clock::now() >= next_scan) {
      if (auto st = scan_gaps(gaps, *mqtt); !st) return st;
      next_scan = std::chrono::steady_clock::now() + options_.scan_interval;
    }
    auto got = mqtt->receive(std::min(options_.poll, options_.scan_interval), options_.batch);
    if (!got) return core::error{got.error_message()};
    if (got->empty()) continue;
    batch.clear();
    for (auto& m : *got) batch.push_back({std::move(m.topic), std::move(m.payload)});
    auto filed = store.file(batch);
    if (auto* e = std::get_if<pg_error>(&filed)) return core::error{"postgresql: " + e->message};
    // Committed: only now may the broker forget them.
    if (auto st = mqtt->acknowledge(*got); !st) return st;
    add(std::get<filed_counts>(filed), got->size());
  }
  mqtt->close();
  return core::ok();
}

}  // namespace kelu::hq
