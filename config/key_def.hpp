// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal to kelu::config: one row of the key table, with the typed accessors the
// loader needs. Not installed, not included outside config/.
#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "schema.hpp"

namespace kelu::config::detail {

struct key_def {
  key_info info;
  bool required = false;
  nlohmann::json example;  // placeholder in the sample for a required key
  std::string sample_note;  // extra comment lines for the sample (an array element's keys)
  // Checks type and range; on success stores the value. Returns the problem otherwise.
  std::function<std::optional<std::string>(config&, const nlohmann::json&)> set;
  std::function<nlohmann::json(const config&)> get;
};

const std::vector<key_def>& key_table();

// Topic levels, client ids and the names in events (sources, cameras, lines, zones) must not
// carry MQTT wildcards or separators: 1 to 64 letters, digits, '-', '_' or '.'.
std::optional<std::string> identifier(const std::string& s);

// Problems that involve more than one key ("reconnect_min_ms > reconnect_max_ms").
struct cross_error {
  std::string key_path;
  std::string message;
};
std::vector<cross_error> cross_check(const config& c);

}  // namespace kelu::config::detail
