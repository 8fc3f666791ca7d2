// SPDX-License-Identifier: Apache-2.0
#pragma once
// `sources.csv.preset`: a back office's export layout kept as data, not code. A preset is a
// JSON object of sources.csv keys (delimiter, encoding, time_format, columns.*, ...) in a
// file; naming it in the configuration fills in every key the configuration does not set
// itself, so a new back office is a new file, and a store whose export differs in one column
// sets that column and keeps the rest.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace kelu::config {

// Merges the preset named by root["sources"]["csv"]["preset"] (a name looked up as
// <preset_dir>/<name>.json, or a path when it holds a '/') under that section, in place.
// Returns why it could not ("cannot read /usr/share/kelu/presets/csv/x.json", "line 3: ...",
// "the preset sets \"folder\", which is the store's own"); nothing when there is no preset.
std::optional<std::string> apply_csv_preset(nlohmann::json& root, const std::string& default_dir);

}  // namespace kelu::config
