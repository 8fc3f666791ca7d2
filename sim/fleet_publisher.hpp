// SPDX-License-Identifier: Apache-2.0
#pragma once
// Publishes a simulated fleet's trading day to a broker as its boxes would (`kelu simulate
// --fleet N`), to load HQ: each store's retained status (birth), then every event on its topic
// (sync::route_for, payloads by core::encode) in time order across the fleet, QoS 1, at most
// `inflight` unacknowledged per connection; then, after the day, each store's closed hour
// buckets and day report. A share of messages is sent twice, as a box resends what it had
// no PUBACK for when its connection dropped: HQ must count those once.
//
// `speedup` 60 plays an hour a minute; 0 publishes as fast as the broker takes it. Memory holds
// one hour of the fleet's events at a time (store_day.hpp).
#include <chrono>
#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "fleet_profile.hpp"

namespace kelu::sim {

struct publish_options {
  std::string uri;                       // tcp://host:port
  std::string client_prefix = "kelu-sim";
  std::string username, password;
  int connections = 8;                   // stores share them round robin
  int inflight = 64;                     // unacknowledged messages per connection
  double speedup = 0;
  double redeliver = 0.005;              // share of messages sent twice
  std::chrono::sys_days day{};           // the local trading day played
  std::uint64_t seed = 1;
};

struct publish_stats {
  std::int64_t messages = 0;     // distinct messages
  std::int64_t redelivered = 0;  // sent a second time
  std::int64_t events = 0;
  std::int64_t aggregates = 0;
  std::int64_t bytes = 0;
  double seconds = 0;
};

// Plays the day; progress lines through `progress` (nullptr: none).
core::result<publish_stats> publish_fleet_day(const fleet_profile& fleet, const publish_options& options,
                                              void (*progress)(const std::string&));

}  // namespace kelu::sim
