// SPDX-License-Identifier: Apache-2.0
#pragma once
// What changed between two configurations, value by value, as a person reads it: "mqtt.uri",
// "cameras[door].url", "alerts[low-conversion].threshold" (array elements named by their "id" or
// "name"; an element added or removed is one entry with a null side). Secrets masked
// (config/secrets.hpp). Pure: the technician page's preview and `kelu config diff` show it.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace kelu::config {

struct value_change {
  std::string path;
  nlohmann::json from;  // null: not there before
  nlohmann::json to;    // null: gone
};

// Every leaf that differs between `before` and `after` (configuration JSON, the file's shape).
std::vector<value_change> value_diff(const nlohmann::json& before, const nlohmann::json& after);

nlohmann::json to_json(const std::vector<value_change>& changes);

}  // namespace kelu::config
