// SPDX-License-Identifier: Apache-2.0
#pragma once
// The HTTP receiver people counters push to: Hikvision cameras set to notify an "HTTP host", and
// Xovis sensors' data-push agents, at http://box:{sources.counter_push.port}/counters/{id}. One listener serves every
// pushing counter; each counter is its own source ("counter-{id}") with its own credentials
// and health.
//
// Answers: 200 once the counts are stored (or the push held no counts: a heartbeat, another
// event type); 401 with a challenge for missing credentials (Digest's first leg) and for wrong
// ones (those counted per counter and named in its health);
// 400 for a body that is not a people-counting alert (counted, named in health, the agent
// unaffected); 404 for an unknown counter; 405 for another method; 413 past max_body_bytes;
// 503 with Retry-After when the store cannot commit now (the device sends again; a resent
// period is stored once). Bounded: connections, body size, a deadline on every read and write.
// All methods on the io_context thread.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/event_ingest.hpp"
#include "core/time_zone.hpp"
#include "counter_emitter.hpp"
#include "drivers/health_recorder.hpp"
#include "drivers/http_listener.hpp"
#include "drivers/source.hpp"
#include "http_auth.hpp"

namespace spdlog {
class logger;
}

namespace kelu::drivers {

// One pushing counter: what the receiver needs to take its pushes.
struct push_counter {
  push_counter(std::string vendor_name, counter_identity id, http_auth_check check)
      : vendor(std::move(vendor_name)), emitter(std::move(id)), auth(std::move(check)), health(emitter.source_id(), vendor) {}
  std::string vendor;  // "hikvision" | "xovis": how its pushes are read
  counter_emitter emitter;
  http_auth_check auth;
  health_recorder health;
  std::int64_t unauthorized = 0;
  std::int64_t other_channel = 0;
};

// A pushing counter as the agent sees it: its health; the receiver does the listening.
class push_counter_source final : public source {
 public:
  explicit push_counter_source(std::shared_ptr<push_counter> c) : c_(std::move(c)) {}
  core::status start() override { return core::ok(); }
  void stop() override {}
  core::source_health health() const override { return c_->health.snapshot(); }

 private:
  std::shared_ptr<push_counter> c_;
};

// Built by counter_receiver_options_for(): the values, defaults included, are the key table's
// (sources.counter_push.*, config/schema.cpp), never this struct's own.
struct counter_receiver_options {
  std::string listen;
  std::uint16_t port = 0;  // 0: any free port (tests)
  std::size_t max_body_bytes = 0;
  std::size_t max_connections = 64;  // not a key: a store has a handful of counters
  // Not a key either: a counter pushes over one or two connections; one address on the LAN
  // holding idle ones must leave the others their places.
  std::size_t max_connections_per_client = 8;
  std::chrono::seconds timeout{};
  core::time_zone zone = core::time_zone::utc();  // for device times without an offset
};

counter_receiver_options counter_receiver_options_for(const config::config& c, const core::time_zone& store_zone);

struct counter_receiver_stats {
  std::int64_t requests = 0;
  std::int64_t stored = 0;          // 200 with counts committed
  std::int64_t no_counts = 0;       // 200 for a push without people counts
  std::int64_t challenged = 0;      // 401 to a request without credentials: Digest's first leg
  std::int64_t unauthorized = 0;    // 401 to wrong credentials
  std::int64_t bad_requests = 0;    // 400, 404, 405
  std::int64_t too_large = 0;       // 413
  std::int64_t retry_later = 0;     // 503
};

class counter_receiver final : public source {
 public:
  counter_receiver(boost::asio::any_io_executor ex, core::event_ingest& ingest, const core::clock& clock,
                   counter_receiver_options options, std::map<std::string, std::shared_ptr<push_counter>> counters,
                   std::shared_ptr<spdlog::logger> log);
  ~counter_receiver() override;

  // Binds; the error names sources.counter_push.
  core::status start() override;
  void stop() override;
  // Requests that reached no counter (unknown path, wrong method, oversize).
  core::source_health health() const override { return health_.snapshot(); }
  std::uint16_t port() const { return port_; }
  const counter_receiver_stats& stats() const { return stats_; }

 private:
  void on_request(const std::shared_ptr<http_exchange>& x);
  void take(const std::shared_ptr<http_exchange>& x, const std::shared_ptr<push_counter>& counter, core::utc_time now);
  void on_committed(const std::shared_ptr<http_exchange>& x, const std::shared_ptr<push_counter>& counter,
                    const std::vector<counter_emitter::step>& steps,
                    const core::result<std::vector<core::commit_outcome>>& r);
  void unauthorized(const std::shared_ptr<http_exchange>& x, push_counter& counter, const std::string& why,
                    core::utc_time now);

  core::event_ingest& ingest_;
  const core::clock& clock_;
  counter_receiver_options options_;
  std::map<std::string, std::shared_ptr<push_counter>> counters_;  // by counter id
  std::shared_ptr<spdlog::logger> log_;
  http_listener listener_;
  std::uint16_t port_ = 0;
  counter_receiver_stats stats_;
  health_recorder health_{"counter-push", "counter-http"};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kelu::drivers
