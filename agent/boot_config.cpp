// SPDX-License-Identifier: Apache-2.0
#include "boot_config.hpp"

#include <spdlog/spdlog.h>

#include <optional>
#include <set>

#include "core/files.hpp"
#include "config/change_plan.hpp"
#include "config/loader.hpp"
#include "config/schema.hpp"
#include "config/secrets.hpp"

namespace kelu {

using nlohmann::json;

json file_as_json(const std::string& text) {
  auto j = json::parse(text, nullptr, false, /*ignore_comments=*/true);
  return j.is_object() ? j : json::object();
}

json baseline(json file, const json& technician) {
  file.merge_patch(technician);
  return file;
}

std::filesystem::path desired_state_path(const config::config& file_cfg) {
  return std::filesystem::path(file_cfg.storage.path).parent_path() / "desired.json";
}

std::filesystem::path last_good_path(const config::config& file_cfg) {
  return std::filesystem::path(file_cfg.storage.path).parent_path() / "last-good.json";
}

std::filesystem::path technician_settings_path(const config::config& file_cfg) {
  return std::filesystem::path(file_cfg.storage.path).parent_path() / "technician.json";
}

namespace {

std::string joined(const std::vector<std::string>& errors) {
  std::string all;
  for (const auto& e : errors) all += (all.empty() ? "" : "\n") + e;
  return all;
}

// technician.json beside the data `file` names: nullopt when the page never saved a setting,
// discarded JSON when it is not an object.
std::optional<json> read_technician_settings(const json& file) {
  const auto text = core::read_file(technician_settings_path(config::salvage(file)).string());
  if (!text) return std::nullopt;
  auto j = json::parse(*text, nullptr, false);
  return j.is_object() ? j : json(json::value_t::discarded);
}

// The technician's settings, if the page ever saved any that read as settings.
json technician_settings_of(const json& file) {
  const auto j = read_technician_settings(file);
  return j && !j->is_discarded() ? *j : json::object();
}

// The file does not load alone: the technician's settings may complete it (a box whose file
// was broken from the start, fixed on the technician page in minimal mode).
std::optional<boot_config> completed_by_technician(const std::string& file_path, const std::string& text,
                                                   const std::vector<std::string>& errors) {
  boot_config boot;
  boot.file = file_as_json(text);
  boot.technician = technician_settings_of(boot.file);
  if (boot.technician.empty()) return std::nullopt;
  auto loaded = config::load_text(baseline(boot.file, boot.technician).dump(2), file_path);
  if (!loaded.ok()) return std::nullopt;
  boot.value = loaded.value;
  boot.warnings.push_back(file_path + " does not load alone (" + errors.front() +
                          "); the technician's settings complete it");
  return boot;
}

// Safe mode: the file does not load. Where would its data directory be? Its storage.path if
// that much can be read, the default otherwise.
core::result<boot_config> last_good(const std::string& file_path, const std::string& text,
                                    std::vector<std::string> errors) {
  const auto kept_path = last_good_path(config::salvage(file_as_json(text)));
  const auto kept = core::read_file(kept_path.string());
  if (!kept) return core::error{joined(errors)};
  auto loaded = config::load_text(*kept, kept_path.string());
  if (!loaded.ok())
    return core::error{joined(errors) + "\n" + kept_path.string() + ": " + loaded.errors.front().to_string()};
  boot_config boot;
  boot.value = loaded.value;
  boot.file = file_as_json(*kept);
  boot.file_errors = std::move(errors);
  boot.warnings.push_back(file_path + " does not load; safe mode: running the last file that did, kept in " +
                          kept_path.string() + ", until it is fixed and reloaded");
  return boot;
}

// The technician's settings over the file, when they are there and still load over it.
void add_technician_settings(boot_config& boot, const std::string& file_path) {
  const auto path = technician_settings_path(config::salvage(boot.file));
  auto settings = read_technician_settings(boot.file);
  if (!settings) return;  // nobody changed a setting on the page
  if (settings->is_discarded()) {
    boot.warnings.push_back(path.string() + ": not a JSON object; the technician's settings are set aside");
    return;
  }
  auto loaded = config::load_text(baseline(boot.file, *settings).dump(2), path.string());
  if (!loaded.ok()) {
    boot.warnings.push_back(path.string() + ": does not load over " + file_path + " (" +
                            loaded.errors.front().to_string() + "); the technician's settings are set aside");
    return;
  }
  boot.value = loaded.value;
  boot.technician = std::move(*settings);
}

void add_desired(boot_config& boot, const std::string& file_path) {
  const auto state_file = desired_state_path(config::salvage(boot.file));
  const auto state_text = core::read_file(state_file.string());
  if (!state_text) return;  // HQ never desired anything of this box
  std::string why;
  if (!config::from_text(*state_text, boot.desired, why)) {
    boot.warnings.push_back(state_file.string() + ": " + why + "; HQ's desired configuration is set aside");
    boot.desired = {};
    return;
  }
  const auto base = baseline(boot.file, boot.technician);
  auto layered = config::load_text(config::layered(base, boot.desired).dump(2), state_file.string());
  if (!layered.ok()) {
    boot.warnings.push_back(state_file.string() + ": version " + std::to_string(boot.desired.applied_version) +
                            " does not load over " + file_path + " (" + layered.errors.front().to_string() +
                            "); the file runs without it until HQ sends a version that does");
    const auto seen = boot.desired.version;
    boot.desired = {};
    boot.desired.version = seen;
    return;
  }
  boot.value = layered.value;
}

}  // namespace

core::result<boot_config> load_boot_config(const std::string& file_path) {
  const auto text = core::read_file(file_path);
  if (!text) return core::error{file_path + ": cannot read"};
  auto loaded = config::load_text(*text, file_path);
  // A plain value until the end: GCC 12 at -O3 takes a result<boot_config> built from a temporary
  // for one read uninitialised (-Wmaybe-uninitialized in std::string's copy).
  boot_config started;
  if (loaded.ok()) {
    started.value = loaded.value;
    started.file = file_as_json(*text);
    add_technician_settings(started, file_path);
  } else {
    std::vector<std::string> errors;
    for (const auto& e : loaded.errors) errors.push_back(e.to_string());
    if (auto completed = completed_by_technician(file_path, *text, errors)) {
      started = std::move(*completed);
    } else {
      auto last = last_good(file_path, *text, std::move(errors));
      if (!last) return last;
      started = std::move(*last);
      add_technician_settings(started, file_path);
    }
  }
  add_desired(started, file_path);
  return started;
}

broken_config read_broken_config(const std::string& file_path) {
  broken_config out;
  const auto text = core::read_file(file_path);
  if (!text) {
    out.errors.push_back(file_path + ": cannot read");
    return out;
  }
  out.file = file_as_json(*text);
  out.technician = technician_settings_of(out.file);
  const auto base = baseline(out.file, out.technician);
  out.salvaged = config::salvage(base);
  // Line numbers are the file's only when the file is all there is.
  auto loaded = out.technician.empty() ? config::load_text(*text, file_path)
                                       : config::load_text(base.dump(2), file_path);
  for (auto& e : loaded.errors) {
    if (!out.technician.empty()) e.line = 0;
    out.errors.push_back(e.to_string());
  }
  return out;
}

json effective_with_origins(const config::config& value, const json& file, const json& technician,
                            const config::desired_state& desired) {
  const auto paths = [](const json& doc) {
    const auto p = config::named_paths(doc);
    return std::set<std::string>(p.begin(), p.end());
  };
  const auto from_local = paths(desired.local), from_hq = paths(desired.document), from_tech = paths(technician),
             from_file = paths(file);
  const auto values = config::masked(json::parse(config::to_json_text(value)));
  json out = json::array();
  for (const auto& k : config::keys()) {
    if (k.path.find("[]") != std::string::npos) continue;  // an element's key: in its array's value
    const auto origin = from_local.count(k.path)  ? "local"
                        : from_hq.count(k.path)   ? "hq"
                        : from_tech.count(k.path) ? "technician"
                        : from_file.count(k.path) ? "file"
                                                  : "default";
    const auto at = config::key_pointer(k.path);
    out.push_back({{"key", k.path}, {"value", values.contains(at) ? values[at] : json()}, {"origin", origin}});
  }
  return out;
}

namespace {

const char* reload_name(config::reload r) {
  switch (r) {
    case config::reload::hot: return "hot";
    case config::reload::restart: return "restart";
    case config::reload::rebuild: break;
  }
  return "rebuild";
}

json key_row(const config::key_info& k) {
  json row{{"key", k.path}, {"type", k.type}, {"range", k.range}, {"description", k.description},
           {"reload", reload_name(k.when)}};
  row["default"] = k.default_json.empty() ? json() : json::parse(k.default_json);
  row["required"] = k.default_json.empty();
  if (k.when == config::reload::restart) row["reason"] = config::restart_reason(k.path);
  const auto component = config::component_of(k.path);
  if (!component.empty()) row["component"] = component;
  return row;
}

}  // namespace

json settings_listing(const json& values) {
  json keys = json::array(), elements = json::object();
  for (const auto& k : config::keys()) {
    const auto mark = k.path.find("[].");
    if (mark == std::string::npos)
      keys.push_back(key_row(k));
    else
      elements[k.path.substr(0, mark)].push_back(key_row(k));
  }
  for (std::size_t i = 0; i < keys.size() && i < values.size(); ++i) {
    keys[i]["value"] = values[i]["value"];
    keys[i]["origin"] = values[i]["origin"];
  }
  return {{"keys", std::move(keys)}, {"elements", std::move(elements)}};
}

json effective_with_origins(const boot_config& boot) {
  return effective_with_origins(boot.value, boot.file, boot.technician, boot.desired);
}

config_files::config_files(const config::config& file_cfg, std::shared_ptr<spdlog::logger> log)
    : desired_(desired_state_path(file_cfg)),
      technician_(technician_settings_path(file_cfg)),
      last_good_(last_good_path(file_cfg)),
      log_(std::move(log)) {}

void config_files::save_desired(const config::desired_state& s) const {
  if (s.version == 0) return;
  if (auto st = core::write_file_atomically(desired_, config::to_text(s), 0600); !st)
    log_->error("HQ's desired configuration not kept for the next start: {}", st.error_message());
}

void config_files::save_technician(const json& settings) const {
  if (auto st = core::write_file_atomically(technician_, settings.dump(2) + "\n", 0600); !st)
    log_->error("the technician's settings are not kept for the next start: {}", st.error_message());
}

void config_files::save_last_good(const json& file) const {
  const auto text = file.dump(2) + "\n";
  // Most starts run the file the last one kept: nothing to check again, and no write and fsync on
  // the box's flash before the agent is ready.
  if (core::read_file(last_good_) == text) return;
  // Safe mode runs it alone: a file the technician's settings had to complete is no use there.
  if (!config::load_text(file.dump(), last_good_.string()).ok()) return;
  if (auto st = core::write_file_atomically(last_good_, text, 0600); !st)
    log_->error("the file that loaded is not kept for safe mode: {}", st.error_message());
}

}  // namespace kelu
