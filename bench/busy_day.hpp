// SPDX-License-Identifier: Apache-2.0
#pragma once
// A busy store day, open 10-22: 4,000 visitors in and out through two door cameras, 1,500
// zone visits, occupancy every minute per camera, 800 sales of 3 lines, associates signing
// on; 13,186 events in the order the sources number them. The benchmarks that need a day's
// worth of real event kinds share it, so their figures are about the same data. `scale`
// multiplies the visitors, zone visits and sales (not the per-minute occupancy or the sign-ons),
// for a store many times busier: 29 is a 23,200-sale day.
#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "core/event.hpp"

namespace kelu::bench {

inline std::vector<core::event> busy_day(core::utc_time start, int scale = 1) {
  using namespace std::chrono;
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> in_day(10 * 3'600'000LL, 22 * 3'600'000LL - 1);
  std::vector<core::event> events;
  const auto make = [&](const std::string& source, core::utc_time t, core::payload body) {
    core::event e;
    e.id = core::new_event_id();
    e.store = "s1";
    e.source = source;
    e.stream = source.starts_with("camera") ? "traffic" : "pos";
    e.observed_at = t;
    e.received_at = t;
    e.body = std::move(body);
    events.push_back(std::move(e));
  };
  for (int i = 0; i < 4000 * scale; ++i) {
    const auto cam = i % 2 ? std::string("door-a") : std::string("door-b");
    make("camera-" + cam, start + milliseconds(in_day(rng)), core::traffic_line_cross{cam, "entrance", core::crossing_direction::in, i});
    make("camera-" + cam, start + milliseconds(in_day(rng)), core::traffic_line_cross{cam, "entrance", core::crossing_direction::out, i});
  }
  for (int i = 0; i < 1500 * scale; ++i) {
    const auto t = start + milliseconds(in_day(rng));
    make("camera-door-a", t, core::traffic_zone_dwell{"door-a", i % 3 ? "promo" : "shoes", i, t - seconds(40), 40000, true});
  }
  for (int m = 0; m < 24 * 60; ++m)
    for (const char* cam : {"door-a", "door-b"})
      make(std::string("camera-") + cam, start + minutes(m), core::traffic_occupancy{cam, {{"promo", m % 7}, {"shoes", m % 3}}});
  for (int i = 0; i < 800 * scale; ++i) {
    core::pos_transaction tx;
    tx.terminal = "T" + std::to_string(i % 4);
    tx.transaction_id = std::to_string(i);
    tx.business_day = "2026-11-27";
    tx.operator_id = "op" + std::to_string(i % 6);
    tx.currency = "CNY";
    for (int k = 0; k < 3; ++k) tx.items.push_back({"SKU" + std::to_string((i * 7 + k) % 300), "item", "", 1000, 2500, 2500, 0, "", "", ""});
    tx.total_minor = 7500;
    make("pos-tcp", start + milliseconds(in_day(rng)), tx);
  }
  for (int o = 0; o < 6; ++o) {
    make("pos-tcp", start + hours(10), core::pos_operator{"T" + std::to_string(o % 4), "s" + std::to_string(o), "2026-11-27",
                                                          "op" + std::to_string(o), "", core::pos_operator_action::sign_on, ""});
  }

  // Sources number their events in the order things happen, as the agent stores them.
  std::sort(events.begin(), events.end(),
            [](const core::event& x, const core::event& y) { return x.observed_at < y.observed_at; });
  return events;
}

}  // namespace kelu::bench
