// SPDX-License-Identifier: Apache-2.0
#pragma once
// Lines and zones a technician drew on the dashboard's technician page, kept in
// `calibration.json` beside the database: the config file itself may not be writable by the
// agent (the packaged unit makes /etc read-only to it), and a drawn line should survive both a
// restart and a config reload. For each camera it lists, the file's lines and zones replace
// the config's; cameras it does not list keep the config's.
//
//   {"cameras": {"door": {"lines": [...], "zones": [...], "saved_at": "2026-11-28T09:00:00Z"}}}
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "config/config.hpp"

namespace kelu {

struct calibration {
  // camera id -> {"lines", "zones", "saved_at"}, as the file has them
  std::map<std::string, nlohmann::json> cameras;
};

// calibration.json beside storage.path.
std::filesystem::path calibration_path(const config::config& c);

// A missing file is an empty calibration; a bad one is an error naming the file and the key.
core::result<calibration> load_calibration(const std::filesystem::path& file);
// Atomically (a temp file, fsync, rename): a power cut leaves the old file or the new one.
core::status save_calibration(const std::filesystem::path& file, const calibration& cal);

// `c` with each listed camera's lines and zones from `cal`; the cameras it changed in `used`.
// A camera whose entry no longer parses (the schema tightened) keeps the config's, named in `problems`.
config::config with_calibration(config::config c, const calibration& cal, std::vector<std::string>* used = nullptr,
                                std::vector<std::string>* problems = nullptr);

}  // namespace kelu
