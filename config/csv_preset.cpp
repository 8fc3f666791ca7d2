// SPDX-License-Identifier: Apache-2.0
#include "csv_preset.hpp"

#include <fstream>
#include <sstream>

namespace kelu::config {

using nlohmann::json;

namespace {

// Keys that belong to a store's box, never to an export layout.
bool own_key(const std::string& k) {
  return k == "enabled" || k == "folder" || k == "preset" || k == "preset_dir" || k == "source_id";
}

}  // namespace

std::optional<std::string> apply_csv_preset(json& root, const std::string& default_dir) {
  const auto sources = root.find("sources");
  if (sources == root.end() || !sources->is_object()) return std::nullopt;
  const auto csv = sources->find("csv");
  if (csv == sources->end() || !csv->is_object()) return std::nullopt;
  const auto name = csv->find("preset");
  if (name == csv->end() || !name->is_string() || name->get<std::string>().empty()) return std::nullopt;
  const auto n = name->get<std::string>();
  std::string dir = default_dir;
  if (const auto d = csv->find("preset_dir"); d != csv->end() && d->is_string()) dir = d->get<std::string>();
  const std::string path = n.find('/') != std::string::npos ? n : dir + "/" + n + ".json";
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read the preset " + path;
  std::ostringstream text;
  text << in.rdbuf();
  json preset;
  try {
    preset = json::parse(text.str(), nullptr, true, /*ignore_comments=*/true);
  } catch (const json::exception& e) {
    return path + ": " + e.what();
  }
  if (!preset.is_object()) return path + ": a preset is a JSON object of sources.csv keys";
  for (const auto& [key, value] : preset.items()) {
    if (own_key(key)) return path + ": the preset sets \"" + key + "\", which is the store's own, not the export's";
    if (key == "columns" && value.is_object()) {
      auto& columns = (*csv)["columns"];
      if (columns.is_null()) columns = json::object();
      if (!columns.is_object()) continue;  // the loader reports the bad type
      for (const auto& [col, header] : value.items())
        if (!columns.contains(col)) columns[col] = header;
    } else if (!csv->contains(key)) {
      (*csv)[key] = value;
    }
  }
  return std::nullopt;
}

}  // namespace kelu::config
