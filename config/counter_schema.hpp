// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal to kelu::config: the keys of one element of the `counters` array (people counters
// already installed), declared once like every other key, and the whole array's parsing.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "schema.hpp"

namespace kelu::config::detail {

// Rows for `keys()` and the sample, with paths "counters[].id", ...
std::vector<key_info> counter_keys();

// Parses the whole array; a problem starts with the element's place ("[1].url: ...").
std::optional<std::string> parse_counters(const nlohmann::json& v, std::vector<counter_config>& out);
nlohmann::json counters_to_json(const std::vector<counter_config>& counters);
std::string counter_sample_note();

}  // namespace kelu::config::detail
