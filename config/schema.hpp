// SPDX-License-Identifier: Apache-2.0
#pragma once
// The table of every configuration key. Loading, the commented sample, hashing and
// diffing all read this one table, so a key cannot be documented in one place and
// parsed differently in another.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"

namespace kelu::config {

// How a changed key reaches the running agent: set in place (hot), by rebuilding the component whose
// section holds it (rebuild: a source, a camera, the MQTT link, the dashboard; change_plan.hpp), or
// only by restarting the process (restart: the few keys listed in docs/fleet.md with the reason).
enum class reload { hot, rebuild, restart };

struct key_info {
  std::string path;         // "mqtt.keep_alive_s"
  std::string type;         // "string", "integer", "boolean", "enum"
  std::string default_json; // the default as JSON text; empty for required keys
  std::string range;        // "1..65535", "full|normal", "" when free-form
  std::string description;
  reload when = reload::rebuild;
};

std::vector<key_info> keys();

// Where a key lives in the configuration's JSON: "mqtt.uri" -> /mqtt/uri (key names are
// identifiers: nothing to escape).
nlohmann::json::json_pointer key_pointer(std::string path);

// A config with every default applied and required keys empty.
config defaults();

// Every key of `file` (a configuration document) whose value loads on its own, over the defaults;
// the rest keep their defaults. Not a configuration to run: for a box whose file does not load,
// to find where its data lives and how its technician page is reached (docs/fleet.md, minimal mode).
config salvage(const nlohmann::json& file);

// The complete, commented sample: valid as it stands (placeholders for required keys).
std::string sample_text();

// The effective configuration as canonical JSON (sorted keys): what the hash covers.
std::string to_json_text(const config& c);

// 16 hex digits (FNV-1a 64 of to_json_text); published in the birth message so HQ sees drift.
std::string hash(const config& c);
// The same 64-bit FNV-1a, as 16 hex digits, of any text: stable across builds and machines.
std::string hash_text(std::string_view text);

// Key paths whose values differ.
std::vector<std::string> diff(const config& a, const config& b);

// `running` with every key a running agent can take (all but restart-class) from `next`.
config merge_live(const config& running, const config& next);

// A camera's lines and zones from {"lines": [...], "zones": [...]} (either may be left out), as
// the technician page and calibration.json give them, checked exactly as the config file's are.
// `cam` is unchanged on a problem, which starts with its sub-path (".lines[1].to: ...").
std::optional<std::string> set_geometry(camera_config& cam, const nlohmann::json& geometry);
// {"lines": [...], "zones": [...]} of `cam`, in the config file's form.
nlohmann::json geometry_json(const camera_config& cam);

}  // namespace kelu::config
