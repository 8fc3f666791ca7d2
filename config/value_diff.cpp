// SPDX-License-Identifier: Apache-2.0
#include "value_diff.hpp"

#include "secrets.hpp"

namespace kelu::config {

using nlohmann::json;

namespace {

std::string name_of(const json& e) {
  if (e.is_object())
    for (const char* k : {"id", "name"})
      if (e.contains(k) && e[k].is_string()) return e[k].get<std::string>();
  return {};
}

bool named_elements(const json& a) {
  for (const auto& e : a)
    if (name_of(e).empty()) return false;
  return true;
}

// `path` in the table's form ("cameras[].url"), for masking.
std::string table_path(const std::string& shown) {
  std::string out;
  for (std::size_t i = 0; i < shown.size(); ++i) {
    out += shown[i];
    if (shown[i] == '[') {
      i = shown.find(']', i);
      if (i == std::string::npos) break;
      out += ']';
    }
  }
  return out;
}

void add(std::vector<value_change>& out, const std::string& path, const json& from, const json& to) {
  const auto at = table_path(path);
  out.push_back({path, from.is_null() ? json() : masked(from, at), to.is_null() ? json() : masked(to, at)});
}

void walk(const json& a, const json& b, const std::string& path, std::vector<value_change>& out);

void walk_arrays(const json& a, const json& b, const std::string& path, std::vector<value_change>& out) {
  if (!named_elements(a) || !named_elements(b)) {
    add(out, path, a, b);  // lines and zones, lists of strings: shown whole
    return;
  }
  const auto find = [](const json& list, const std::string& name) -> const json* {
    for (const auto& e : list)
      if (name_of(e) == name) return &e;
    return nullptr;
  };
  for (const auto& e : a) {
    const auto name = name_of(e);
    const auto* other = find(b, name);
    const auto at = path + "[" + name + "]";
    if (other == nullptr)
      add(out, at, e, json());
    else
      walk(e, *other, at, out);
  }
  for (const auto& e : b)
    if (find(a, name_of(e)) == nullptr) add(out, path + "[" + name_of(e) + "]", json(), e);
}

void walk(const json& a, const json& b, const std::string& path, std::vector<value_change>& out) {
  if (a == b) return;
  if (a.is_object() && b.is_object()) {
    for (const auto& [k, v] : a.items()) walk(v, b.contains(k) ? b[k] : json(), path.empty() ? k : path + "." + k, out);
    for (const auto& [k, v] : b.items())
      if (!a.contains(k)) walk(json(), v, path.empty() ? k : path + "." + k, out);
    return;
  }
  if (a.is_array() && b.is_array()) {
    walk_arrays(a, b, path, out);
    return;
  }
  add(out, path, a, b);
}

}  // namespace

std::vector<value_change> value_diff(const json& before, const json& after) {
  std::vector<value_change> out;
  walk(before, after, "", out);
  return out;
}

json to_json(const std::vector<value_change>& changes) {
  json out = json::array();
  for (const auto& c : changes) out.push_back({{"key", c.path}, {"from", c.from}, {"to", c.to}});
  return out;
}

}  // namespace kelu::config
