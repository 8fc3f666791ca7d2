// SPDX-License-Identifier: Apache-2.0
#pragma once
// The funnel's hour buckets as HQ files them (docs/mqtt.md, "Identity"): an upsert per local hour
// keeping the highest revision of the newest epoch. A box that sent one (epoch, revision) of an
// hour twice with different figures would leave HQ with whichever came last: never allowed.
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "support/mqtt_collector.hpp"

namespace kelu::test {

// The highest revision of each hour bucket received, by its local start (one epoch: these tests
// run one database).
inline std::map<std::string, nlohmann::json> hour_buckets(const std::vector<received>& m) {
  std::map<std::string, nlohmann::json> hours;
  for (const auto& r : m)
    if (r.topic.ends_with("/metrics/funnel/hour")) {
      auto b = nlohmann::json::parse(r.payload);
      auto& kept = hours[b["local_start"].get<std::string>()];
      if (kept.is_null() || kept["revision"] < b["revision"]) kept = std::move(b);
    }
  return hours;
}

// Hour buckets sent more than once under one (local start, epoch, revision) with different figures.
inline std::vector<std::string> revisions_reused(const std::vector<received>& m) {
  std::map<std::tuple<std::string, std::string, long long>, nlohmann::json> seen;
  std::vector<std::string> out;
  for (const auto& r : m)
    if (r.topic.ends_with("/metrics/funnel/hour")) {
      const auto b = nlohmann::json::parse(r.payload);
      const auto key = std::make_tuple(b["local_start"].get<std::string>(), b.value("epoch", std::string()),
                                       b["revision"].get<long long>());
      const auto [it, first] = seen.emplace(key, b["figures"]);
      if (!first && it->second != b["figures"])
        out.push_back(std::get<0>(key) + " revision " + std::to_string(std::get<2>(key)));
    }
  return out;
}

}  // namespace kelu::test
