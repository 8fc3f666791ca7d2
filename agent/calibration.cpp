// SPDX-License-Identifier: Apache-2.0
#include "calibration.hpp"


#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/files.hpp"
#include "config/schema.hpp"

namespace kelu {

using nlohmann::json;

std::filesystem::path calibration_path(const config::config& c) {
  return std::filesystem::path(c.storage.path).parent_path() / "calibration.json";
}

core::result<calibration> load_calibration(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return calibration{};
    return core::error{file.string() + ": " + std::strerror(errno)};
  }
  std::ostringstream text;
  text << in.rdbuf();
  const auto j = json::parse(text.str(), nullptr, false);
  if (j.is_discarded()) return core::error{file.string() + ": not JSON"};
  if (!j.is_object() || !j.contains("cameras") || !j["cameras"].is_object())
    return core::error{file.string() + ": cameras: expected an object of camera id -> {lines, zones}"};
  calibration cal;
  for (const auto& [id, entry] : j["cameras"].items()) {
    if (!entry.is_object()) return core::error{file.string() + ": cameras." + id + ": expected an object"};
    cal.cameras[id] = entry;
  }
  return cal;
}

core::status save_calibration(const std::filesystem::path& file, const calibration& cal) {
  json j{{"cameras", json::object()}};
  for (const auto& [id, entry] : cal.cameras) j["cameras"][id] = entry;
  return core::write_file_atomically(file, j.dump(2) + "\n", 0644);
}

config::config with_calibration(config::config c, const calibration& cal, std::vector<std::string>* used,
                                std::vector<std::string>* problems) {
  for (auto& cam : c.cameras) {
    const auto it = cal.cameras.find(cam.id);
    if (it == cal.cameras.end()) continue;
    json geometry = json::object();
    for (const char* k : {"lines", "zones"})
      if (it->second.contains(k)) geometry[k] = it->second[k];
    if (auto p = config::set_geometry(cam, geometry)) {
      if (problems) problems->push_back("calibration.json: cameras." + cam.id + *p);
      continue;
    }
    if (used) used->push_back(cam.id);
  }
  return c;
}

}  // namespace kelu
