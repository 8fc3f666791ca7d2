// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal to kelu::config: the keys of one element of the `alerts` array (an alert rule),
// declared once like every other key, and the whole array's parsing.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "schema.hpp"

namespace kelu::config::detail {

std::vector<key_info> alert_keys();  // paths "alerts[].name", ...
std::optional<std::string> parse_alerts(const nlohmann::json& v, std::vector<alert_rule_config>& out);
nlohmann::json alerts_to_json(const std::vector<alert_rule_config>& alerts);
std::string alert_sample_note();

}  // namespace kelu::config::detail
