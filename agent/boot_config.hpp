// SPDX-License-Identifier: Apache-2.0
#pragma once
// The layers a box's configuration is made of (docs/fleet.md, "The technician's settings"), lowest
// first: the key table's defaults, the file, the technician page's settings (technician.json),
// HQ's desired document and the local drift from it (desired.json); and what is kept beside the
// database for the next start (config_files). Reading happens once, at start; config_control
// changes the layers of a running agent and writes them back through config_files.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "config/config.hpp"
#include "config/desired_config.hpp"

namespace spdlog {
class logger;
}

namespace kelu {

// The configuration an agent starts with: the file, the technician's settings and HQ's persisted
// desired document over it.
struct boot_config {
  config::config value;
  config::desired_state desired;
  nlohmann::json file = nlohmann::json::object();        // the file as JSON, comments gone
  nlohmann::json technician = nlohmann::json::object();  // the technician's settings over it
  std::vector<std::string> warnings;                      // a kept layer set aside, and why
  // Safe mode: the file did not load (these are its errors) and the last file that did runs.
  std::vector<std::string> file_errors;
};

// The files kept beside the database are found through the file's own storage.path (what a
// start knows before any layer is read): `file_cfg` is the file's, config::salvage(file) when
// the file does not load.
// Where HQ's desired document is kept: desired.json beside the file's storage.path.
std::filesystem::path desired_state_path(const config::config& file_cfg);
// Where the last file that loaded is kept for safe mode: last-good.json, beside desired.json.
std::filesystem::path last_good_path(const config::config& file_cfg);
// Where the technician page's settings are kept: technician.json, beside desired.json.
std::filesystem::path technician_settings_path(const config::config& file_cfg);

// A file's text as JSON for layering (comments allowed); {} when it is not an object, whose
// errors the loader names.
nlohmann::json file_as_json(const std::string& text);
// What HQ's document goes over: `file` with the technician's settings merged over it (RFC 7386).
nlohmann::json baseline(nlohmann::json file, const nlohmann::json& technician);

// Loads `file_path`, the technician's settings and the persisted desired state. A file that does
// not load alone may be completed by the technician's settings (it runs, with a warning);
// otherwise the box is in safe mode: the last file that did runs (with the layers over it) and
// `file_errors` says why; with none kept, the file's errors (each naming line and key) are the
// error value (minimal mode: read_broken_config). A desired document or technician's settings
// that no longer load over the file are set aside (a warning) and the rest runs, rather than the
// box not starting.
core::result<boot_config> load_boot_config(const std::string& file_path);

// What a box whose configuration does not load at all (and never did: no last good one) can
// still tell, for minimal mode: the file and the technician's settings as JSON, the errors of the
// two layered (each naming its key path; line numbers when the file is all there is), and the
// keys that load on their own (where the data lives, how the technician page is reached).
struct broken_config {
  config::config salvaged;
  nlohmann::json file = nlohmann::json::object();
  nlohmann::json technician = nlohmann::json::object();
  std::vector<std::string> errors;
};
broken_config read_broken_config(const std::string& file_path);

// Every key's value and where it comes from ("file", "technician", "hq", "local", "default"),
// as `kelu config show --effective` prints it: [{"key", "value", "origin"}]; secrets masked;
// an array's element keys are in the array's value.
nlohmann::json effective_with_origins(const boot_config& boot);
nlohmann::json effective_with_origins(const config::config& value, const nlohmann::json& file,
                                      const nlohmann::json& technician, const config::desired_state& desired);

// What the technician page's settings editor lists: {"keys": [{key, type, range, default,
// required, description, reload, reason, component, value, origin}], "elements": {"cameras":
// [element keys], ...}}, from `values` as effective_with_origins gives them (same order).
nlohmann::json settings_listing(const nlohmann::json& values);

// Writes the layers that change while the agent runs, each atomically with mode 0600. A failure
// is logged and nothing more: the running agent is right, only its next start would differ.
class config_files {
 public:
  config_files(const config::config& file_cfg, std::shared_ptr<spdlog::logger> log);  // the file's, as above
  void save_desired(const config::desired_state& s) const;  // nothing while HQ never sent a version
  void save_technician(const nlohmann::json& settings) const;
  // For safe mode; only a file that loads alone, and only when it differs from the one kept.
  void save_last_good(const nlohmann::json& file) const;

 private:
  std::filesystem::path desired_;
  std::filesystem::path technician_;
  std::filesystem::path last_good_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace kelu
