// SPDX-License-Identifier: Apache-2.0
#pragma once
// What a new configuration changes in a running agent: keys set in place, components rebuilt
// from their own section, and the few keys only a restart applies (docs/fleet.md). Pure: the
// agent, `kelu config diff` and the tests read the same plan.
//
// Components are named after the section they are built from: "mqtt", "dashboard",
// "sources.pos_tcp" (and poslog, csv, webhook, escpos), "cameras[door]", "counters" (every
// counter and the receiver of pushing ones, sources.counter_push).
#include <string>
#include <vector>

#include "config.hpp"

namespace kelu::config {

struct change_plan {
  std::vector<std::string> keys;      // every key path whose value differs, in table order
  std::vector<std::string> hot;       // of `keys`: set in place
  std::vector<std::string> rebuild;   // components to rebuild, sorted, each once
  std::vector<std::string> geometry;  // camera ids whose lines or zones alone changed: set on the running camera
  std::vector<std::string> restart;   // of `keys`: only a restart applies them
  bool empty() const { return keys.empty(); }
  bool needs_restart() const { return !restart.empty(); }
};

change_plan plan_change(const config& running, const config& next);

// A camera's component name: "cameras[door]".
std::string camera_component(const std::string& id);

// The component a rebuild-class key belongs to ("sources.csv.delimiter" -> "sources.csv");
// "" for hot keys and restart keys. Array keys name the array ("cameras", "counters").
std::string component_of(const std::string& key_path);

// Why a restart-only key cannot change in a running process; "" for the others.
std::string restart_reason(const std::string& key_path);

}  // namespace kelu::config
