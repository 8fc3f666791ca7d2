// SPDX-License-Identifier: Apache-2.0
#pragma once
// Loads a golden case from tests/data/analytics/<case>/: the store's config and its events
// as the store keeps them, one JSON per line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "analytics/funnel.hpp"
#include "analytics/report_json.hpp"
#include "config/loader.hpp"

namespace kelu::test {

struct golden_day {
  config::config cfg;
  analytics::funnel_rules rules;
  core::time_zone zone = core::time_zone::utc();
  std::vector<core::event> events;
  analytics::store_identity store;

  static golden_day load(const std::string& name) {
    golden_day g;
    const std::filesystem::path dir = std::filesystem::path(KELU_TEST_DATA) / "analytics" / name;
    auto loaded = config::load_file((dir / "config.json").string());
    for (const auto& e : loaded.errors) ADD_FAILURE() << e.to_string();
    g.cfg = loaded.value;
    auto rules = analytics::rules_for(g.cfg);
    EXPECT_TRUE(rules.ok());
    if (rules) g.rules = *rules;
    g.zone = core::time_zone::load(g.cfg.store.time_zone).value();
    std::ifstream in(dir / "events.jsonl");
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      auto e = core::decode(line);
      if (!e) {
        ADD_FAILURE() << name << "/events.jsonl:" << line_no << ": " << e.error_message();
        continue;
      }
      g.events.push_back(std::move(e).value());
    }
    EXPECT_FALSE(g.events.empty()) << dir;
    g.store = {g.cfg.store.tenant, g.cfg.store.id, g.cfg.store.name, g.cfg.store.currency};
    return g;
  }

  // The local day of the case's first event.
  std::chrono::sys_days day() const {
    for (const auto& e : events)
      if (!std::holds_alternative<core::camera_gap>(e.body)) return analytics::local_day(e.observed_at, zone);
    return {};
  }

  // The whole day, as after it closed.
  analytics::day_analysis analyse() const {
    return analytics::analyse_day(day(), zone, rules, events, core::utc_time::max());
  }
};

}  // namespace kelu::test
