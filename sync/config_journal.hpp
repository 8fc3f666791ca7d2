// SPDX-License-Identifier: Apache-2.0
#pragma once
// The audit log of configuration changes (docs/fleet.md, "Audit log"): every change the agent
// applied, refused or rolled back, with where it came from and the key paths it touched. Values are
// never kept, so a password changed by HQ appears as "mqtt.password" and nothing more. Kept like
// the events (storage.events_retention_days). On the io_context thread; calls throw
// std::runtime_error when SQLite fails.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "database.hpp"

namespace kelu::sync {

struct config_change_row {
  std::int64_t id = 0;  // assigned by add()
  core::utc_time at{};
  std::string origin;                   // "file", "hq", "technician"
  std::optional<std::int64_t> version;  // HQ's desired version
  std::vector<std::string> keys;
  std::string outcome;  // "applied", "rolled_back", "rejected", "restarting"
  nlohmann::json detail = nlohmann::json::object();
};

class config_journal {
 public:
  explicit config_journal(database& db);
  // Returns the row's id.
  std::int64_t add(const config_change_row& row);
  // A later verdict on a change already logged (the health gate's).
  void set_outcome(std::int64_t id, const std::string& outcome, const nlohmann::json& detail);
  // The newest `limit` changes, newest first.
  std::vector<config_change_row> recent(std::size_t limit);
  std::int64_t prune(core::utc_time before);

 private:
  database& db_;
};

nlohmann::json to_json(const config_change_row& r);

}  // namespace kelu::sync
