// SPDX-License-Identifier: Apache-2.0
#pragma once
// The technician page's change to the box's settings (docs/fleet.md, "The technician's settings"):
//   {"set": {"mqtt.uri": "tcp://hq:1883", "cameras": [...]}, "reset": ["mqtt.keep_alive_s"]}
// `set` names keys as `kelu config show` lists them (cameras, counters and alerts as whole
// arrays), with values as the page showed them (secrets masked: config/secrets.hpp); `reset`
// gives keys back to the file. The technician's values form a layer of their own over the file
// (technician.json beside the database: the service cannot write /etc/kelu), and HQ's desired
// document goes over both. Pure: values are checked when the layered result is loaded.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace kelu::config {

struct settings_edit {
  nlohmann::json set = nlohmann::json::object();  // key path -> value
  std::vector<std::string> reset;
};

// Reads a request body. The error names what is wrong ("set.mqtt.urx: no such key").
std::optional<std::string> read_settings_edit(const nlohmann::json& body, settings_edit& out);

// The technician's layer after `edit`. `current` is the running configuration's JSON: a masked
// value the page sent back unchanged keeps the running value.
nlohmann::json apply_settings_edit(nlohmann::json layer, const settings_edit& edit, const nlohmann::json& current);

// The key paths `edit` names, set and reset alike.
std::vector<std::string> edited_paths(const settings_edit& edit);

}  // namespace kelu::config
