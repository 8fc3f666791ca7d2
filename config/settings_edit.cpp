// SPDX-License-Identifier: Apache-2.0
#include "settings_edit.hpp"

#include <set>

#include "schema.hpp"
#include "secrets.hpp"

namespace kelu::config {

using nlohmann::json;

namespace {

// Keys a technician can set: every row of `kelu config show` (an element's keys go with its array).
const std::set<std::string>& settable() {
  static const std::set<std::string> paths = [] {
    std::set<std::string> out;
    for (const auto& k : keys())
      if (k.path.find("[]") == std::string::npos) out.insert(k.path);
    return out;
  }();
  return paths;
}

// Removes the key at `at` and the objects it leaves empty.
void erase(json& doc, json::json_pointer at) {
  while (!at.empty()) {
    const auto parent = at.parent_pointer();
    if (!doc.contains(parent) || !doc[parent].is_object()) return;
    doc[parent].erase(at.back());
    if (parent.empty() || !doc[parent].empty()) return;
    at = parent;
  }
}

}  // namespace

std::optional<std::string> read_settings_edit(const json& body, settings_edit& out) {
  if (!body.is_object()) return "expected {\"set\": {...}, \"reset\": [...]}";
  for (const auto& [k, v] : body.items())
    if (k != "set" && k != "reset") return k + ": unknown key (expected set, reset)";
  settings_edit edit;
  if (body.contains("set")) {
    if (!body["set"].is_object()) return "set: expected an object of key paths and values";
    for (const auto& [path, value] : body["set"].items()) {
      if (!settable().count(path)) return "set." + path + ": no such key";
      if (value.is_null()) return "set." + path + ": null is not a value (reset the key instead)";
    }
    edit.set = body["set"];
  }
  if (body.contains("reset")) {
    if (!body["reset"].is_array()) return "reset: expected an array of key paths";
    for (std::size_t i = 0; i < body["reset"].size(); ++i) {
      const auto& path = body["reset"][i];
      if (!path.is_string() || !settable().count(path.get<std::string>()))
        return "reset[" + std::to_string(i) + "]: no such key: " + path.dump();
      edit.reset.push_back(path.get<std::string>());
    }
  }
  if (edit.set.empty() && edit.reset.empty()) return "nothing to change";
  out = std::move(edit);
  return std::nullopt;
}

json apply_settings_edit(json layer, const settings_edit& edit, const json& current) {
  if (!layer.is_object()) layer = json::object();
  for (const auto& path : edit.reset) erase(layer, key_pointer(path));
  for (const auto& [path, value] : edit.set.items()) {
    const auto at = key_pointer(path);
    layer[at] = unmasked(value, current.contains(at) ? current[at] : json(), path);
  }
  return layer;
}

std::vector<std::string> edited_paths(const settings_edit& edit) {
  std::vector<std::string> out;
  for (const auto& [path, value] : edit.set.items()) out.push_back(path);
  out.insert(out.end(), edit.reset.begin(), edit.reset.end());
  return out;
}

}  // namespace kelu::config
