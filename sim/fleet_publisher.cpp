// SPDX-License-Identifier: Apache-2.0
#include "fleet_publisher.hpp"

#include <mqtt/async_client.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <random>
#include <thread>

#include "store_day.hpp"
#include "sync/topics.hpp"

namespace kelu::sim {

namespace {

using clock = std::chrono::steady_clock;

struct pending {
  core::utc_time at;
  std::size_t store = 0;
  std::string topic;
  std::string payload;
};

// One broker connection with a bounded window of unacknowledged publishes.
class link {
 public:
  link(const publish_options& o, int index) : client_(o.uri, o.client_prefix + "-" + std::to_string(index)), inflight_(o.inflight) {
    mqtt::connect_options c;
    c.set_clean_session(true);
    c.set_max_inflight(o.inflight);
    if (!o.username.empty()) c.set_user_name(o.username);
    if (!o.password.empty()) c.set_password(o.password);
    c.set_connect_timeout(10);
    client_.connect(c)->wait_for(std::chrono::seconds(15));
  }
  ~link() {
    try {
      drain();
      client_.disconnect()->wait_for(std::chrono::seconds(10));
    } catch (const mqtt::exception&) {
    }
  }
  void publish(const std::string& topic, const std::string& payload, bool retain) {
    while (static_cast<int>(window_.size()) >= inflight_) {
      window_.front()->wait_for(std::chrono::seconds(30));
      window_.pop_front();
    }
    window_.push_back(client_.publish(topic, payload.data(), payload.size(), 1, retain));
  }
  void drain() {
    for (auto& t : window_) t->wait_for(std::chrono::seconds(30));
    window_.clear();
  }

 private:
  mqtt::async_client client_;
  int inflight_;
  std::deque<mqtt::delivery_token_ptr> window_;
};

}  // namespace

core::result<publish_stats> publish_fleet_day(const fleet_profile& fleet, const publish_options& o,
                                              void (*progress)(const std::string&)) {
  auto zone = core::time_zone::load(fleet.time_zone);
  if (!zone) return core::error{"time zone " + fleet.time_zone + ": " + zone.error_message()};
  publish_stats stats;
  const auto started = clock::now();
  try {
    std::vector<std::unique_ptr<link>> links;
    for (int i = 0; i < std::max(1, o.connections); ++i) links.push_back(std::make_unique<link>(o, i));
    std::vector<store_day> days;
    std::vector<sync::topics> topics;
    for (const auto& s : fleet.stores) {
      days.emplace_back(fleet, s, o.day, *zone, o.seed);
      topics.emplace_back(s.tenant, s.id);
    }
    std::mt19937_64 rng(o.seed);
    std::uniform_real_distribution<double> chance(0, 1);
    const auto day_start = days.empty() ? core::utc_time{} : days[0].start();
    const auto send = [&](std::size_t store, const std::string& topic, const std::string& payload, bool retain) {
      auto& l = *links[store % links.size()];
      l.publish(topic, payload, retain);
      ++stats.messages;
      stats.bytes += static_cast<std::int64_t>(payload.size());
      if (!retain && chance(rng) < o.redeliver) {
        l.publish(topic, payload, false);
        ++stats.redelivered;
      }
    };
    for (std::size_t s = 0; s < days.size(); ++s)
      send(s, topics[s].status(), days[s].status(day_start).dump(), true);
    std::vector<pending> carried;
    for (int h = 0; h < 24; ++h) {
      std::vector<pending> slice = std::move(carried);
      carried.clear();
      for (std::size_t s = 0; s < days.size(); ++s)
        for (const auto& e : days[s].hour(h))
          slice.push_back({e.observed_at, s, sync::route_for(e, topics[s]).topic, core::encode(e)});
      std::stable_sort(slice.begin(), slice.end(), [](const pending& a, const pending& b) { return a.at < b.at; });
      const auto hour_end = days.empty() ? core::utc_time{} : day_start + std::chrono::hours(h + 1);
      for (auto& m : slice) {
        if (h < 23 && m.at >= hour_end) {
          carried.push_back(std::move(m));
          continue;
        }
        if (o.speedup > 0) {
          const auto due = started + std::chrono::duration_cast<clock::duration>((m.at - day_start) / o.speedup);
          if (due > clock::now()) std::this_thread::sleep_until(due);
        }
        send(m.store, m.topic, m.payload, false);
        ++stats.events;
      }
      if (progress) progress("hour " + std::to_string(h) + ": " + std::to_string(stats.messages) + " messages");
    }
    // The day is over: each box closes its hours and its day.
    for (std::size_t s = 0; s < days.size(); ++s)
      for (const auto& [kind, body] : days[s].closed(days[s].end() + std::chrono::minutes(5))) {
        send(s, topics[s].metrics(kind), body.dump(), false);
        ++stats.aggregates;
      }
    for (auto& l : links) l->drain();
  } catch (const mqtt::exception& e) {
    return core::error{"MQTT " + o.uri + ": " + e.what()};
  }
  stats.seconds = std::chrono::duration<double>(clock::now() - started).count();
  return stats;
}

}  // namespace kelu::sim
