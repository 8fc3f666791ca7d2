// SPDX-License-Identifier: Apache-2.0
#include "change_plan.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "key_def.hpp"

namespace kelu::config {

namespace {

const detail::key_def* find_key(const std::string& path) {
  for (const auto& k : detail::key_table())
    if (k.info.path == path) return &k;
  return nullptr;
}

// Cameras compared by id: an added, removed or otherwise changed camera is rebuilt; one whose lines
// or zones alone changed keeps running and takes the new geometry from its next frame.
void plan_cameras(const config& running, const config& next, std::set<std::string>& rebuild,
                  std::vector<std::string>& geometry) {
  std::map<std::string, const camera_config*> before;
  for (const auto& c : running.cameras) before[c.id] = &c;
  for (const auto& c : next.cameras) {
    const auto it = before.find(c.id);
    if (it == before.end()) {
      rebuild.insert(camera_component(c.id));
      continue;
    }
    const auto& old = *it->second;
    before.erase(it);
    if (old == c) continue;
    auto same_but_geometry = old;
    same_but_geometry.lines = c.lines;
    same_but_geometry.zones = c.zones;
    if (same_but_geometry == c)
      geometry.push_back(c.id);
    else
      rebuild.insert(camera_component(c.id));
  }
  for (const auto& [id, cam] : before) rebuild.insert(camera_component(id));
}

}  // namespace

std::string camera_component(const std::string& id) { return "cameras[" + id + "]"; }

std::string component_of(const std::string& key_path) {
  // The keys of an array's elements, as `keys()` documents them: each camera is its own component.
  if (key_path.starts_with("cameras[")) return "cameras[id]";
  if (key_path.starts_with("counters[")) return "counters";
  const auto* k = find_key(key_path);
  if (!k || k->info.when != reload::rebuild) return "";
  if (key_path.starts_with("sources.counter_push.") || key_path == "counters") return "counters";
  if (key_path.starts_with("sources.")) {
    const auto second = key_path.find('.', 8);
    return key_path.substr(0, second);
  }
  const auto dot = key_path.find('.');
  return dot == std::string::npos ? key_path : key_path.substr(0, dot);
}

std::string restart_reason(const std::string& key_path) {
  static const std::map<std::string, std::string> reasons{
      {"store.tenant", "the box's identity: every topic, the client id and the events already stored carry it; a box "
                       "moves to another store by re-enrolment, not by configuration"},
      {"store.id", "the box's identity: every topic, the client id and the events already stored carry it; a box "
                   "moves to another store by re-enrolment, not by configuration"},
      {"store.time_zone", "every component reckons business days and opening hours in it, and the buckets of the day "
                          "in progress were cut by it: all of them restart together, which is a restart"},
      {"storage.path", "the database every component writes to and the outbox HQ's messages wait in; switching files "
                       "under running sources would split acknowledged events between two databases"},
      {"storage.synchronous", "fixed when the database is opened, for every connection to it"},
  };
  const auto it = reasons.find(key_path);
  if (it != reasons.end()) return it->second;
  const auto* k = find_key(key_path);
  return k && k->info.when == reload::restart ? "declared restart-only in the key table" : "";
}

change_plan plan_change(const config& running, const config& next) {
  change_plan p;
  std::set<std::string> rebuild;
  for (const auto& k : detail::key_table()) {
    if (k.get(running) == k.get(next)) continue;
    const auto& path = k.info.path;
    p.keys.push_back(path);
    switch (k.info.when) {
      case reload::hot:
        p.hot.push_back(path);
        break;
      case reload::restart:
        p.restart.push_back(path);
        break;
      case reload::rebuild:
        if (path == "cameras")
          plan_cameras(running, next, rebuild, p.geometry);
        else
          rebuild.insert(component_of(path));
        break;
    }
  }
  // Drivers stamp records that name no currency with the store's: they are rebuilt to take it.
  if (running.store.currency != next.store.currency) {
    const auto enabled = [](const config& c) {
      const auto& s = c.sources;
      return std::vector<std::pair<const char*, bool>>{{"sources.pos_tcp", s.pos_tcp.enabled},
                                                       {"sources.poslog", s.poslog.enabled},
                                                       {"sources.csv", s.csv.enabled},
                                                       {"sources.webhook", s.webhook.enabled},
                                                       {"sources.escpos", s.escpos.enabled}};
    };
    const auto before = enabled(running), after = enabled(next);
    for (std::size_t i = 0; i < before.size(); ++i)
      if (before[i].second || after[i].second) rebuild.insert(before[i].first);
  }
  p.rebuild.assign(rebuild.begin(), rebuild.end());
  return p;
}

}  // namespace kelu::config
