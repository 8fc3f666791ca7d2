// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal to kelu::config: arrays of objects (cameras, alert rules) whose element keys are
// declared once each, like every other key, with type, default, range and description.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "schema.hpp"

namespace kelu::config::detail {

template <class T>
struct element_key {
  key_info info;  // path "cameras[].id"
  bool required = false;
  std::function<std::optional<std::string>(T&, const nlohmann::json&)> set;
  std::function<nlohmann::json(const T&)> get;
};

// The leaf of "cameras[].id": "id".
inline std::string element_leaf(const std::string& path) { return path.substr(path.find("[].") + 3); }

// One element: every key known, every required key present, each value set. `at` is the
// element's place ("[2]"); a problem starts with it ("[2].url: ...").
template <class T>
std::optional<std::string> parse_element(const std::vector<element_key<T>>& table, const nlohmann::json& e,
                                         const std::string& at, T& out) {
  if (!e.is_object()) return at + ": expected an object, got " + e.dump();
  for (const auto& [name, value] : e.items()) {
    const std::string leaf = name;  // clang 14 cannot capture a structured binding
    const auto it = std::find_if(table.begin(), table.end(),
                                 [&](const element_key<T>& k) { return element_leaf(k.info.path) == leaf; });
    if (it == table.end()) return at + "." + leaf + ": unknown key";
    if (auto p = it->set(out, value)) return at + "." + leaf + ((*p)[0] == '[' || (*p)[0] == ':' ? "" : ": ") + *p;
  }
  for (const auto& k : table)
    if (k.required && !e.contains(element_leaf(k.info.path)))
      return at + "." + element_leaf(k.info.path) + ": required key is missing (" + k.info.description + ")";
  return std::nullopt;
}

template <class T>
T element_defaults(const std::vector<element_key<T>>& table) {
  T t;
  for (const auto& k : table)
    if (!k.required) (void)k.set(t, nlohmann::json::parse(k.info.default_json));
  return t;
}

template <class T>
nlohmann::json element_to_json(const std::vector<element_key<T>>& table, const T& t) {
  nlohmann::json o = nlohmann::json::object();
  for (const auto& k : table) o[element_leaf(k.info.path)] = k.get(t);
  return o;
}

// The sample's commented example element: each key's description, type and default, with
// `examples` standing in for required keys and showing typical values.
template <class T>
std::string element_sample_note(const std::vector<element_key<T>>& table, const std::string& what,
                                const nlohmann::json& examples) {
  std::ostringstream note;
  note << "One element per " << what << ", for example:\n{\n";
  const auto defaults = element_to_json(table, element_defaults(table));
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& r = table[i].info;
    const auto leaf = element_leaf(r.path);
    note << "  // " << r.description << ".\n  // " << r.type << (r.range.empty() ? "" : " " + r.range)
         << (r.default_json.empty() ? "; REQUIRED" : "; default " + r.default_json) << "\n  "
         << nlohmann::json(leaf).dump() << ": " << (examples.contains(leaf) ? examples[leaf] : defaults[leaf]).dump()
         << (i + 1 < table.size() ? "," : "") << "\n";
  }
  note << "}";
  return note.str();
}

}  // namespace kelu::config::detail
