// SPDX-License-Identifier: Apache-2.0
#include "minimal_technician.hpp"

#include <spdlog/spdlog.h>

#include "config/loader.hpp"
#include "config/schema.hpp"
#include "config/secrets.hpp"
#include "config/value_diff.hpp"

namespace kelu {

using nlohmann::json;

namespace {

const std::string nothing_runs = "minimal mode: nothing runs until the configuration loads";

// Every key as the file and the technician's settings give it, loadable or not: the technician
// sees "Mars/Base" where the time zone should be, not the default that would run instead.
json raw_values(const broken_config& broken) {
  const auto base = baseline(broken.file, broken.technician);
  json out = json::array();
  for (const auto& k : config::keys()) {
    if (k.path.find("[]") != std::string::npos) continue;
    const auto at = config::key_pointer(k.path);
    const auto origin = broken.technician.contains(at) ? "technician" : broken.file.contains(at) ? "file" : "default";
    json value = base.contains(at) ? base[at] : k.default_json.empty() ? json() : json::parse(k.default_json);
    out.push_back({{"key", k.path}, {"value", config::masked(std::move(value), k.path)}, {"origin", origin}});
  }
  return out;
}

}  // namespace

minimal_technician::minimal_technician(const broken_config& broken, std::string file_path, callbacks on,
                                       std::shared_ptr<spdlog::logger> log)
    : broken_(broken),
      file_path_(std::move(file_path)),
      on_loadable_(std::move(on.loadable)),
      on_saved_(std::move(on.saved)),
      log_(std::move(log)) {
  figures_.broken = &broken_;
}

json minimal_technician::state() {
  const auto& c = broken_.salvaged;
  return {{"store", {{"tenant", c.store.tenant}, {"id", c.store.id}, {"name", c.store.name}}},
          {"cameras", json::array()},
          {"sources", json::array()},
          {"broker", {{"uri", c.mqtt.uri}, {"connected", false}, {"acknowledged", 0}, {"outbox_rows", 0}}},
          {"changes", json::array()},
          {"minimal", {{"file", file_path_}, {"errors", broken_.errors}}}};
}

json minimal_technician::config() { return config::masked(baseline(broken_.file, broken_.technician)); }

void minimal_technician::snapshot(std::string_view, std::function<void(core::result<std::string>)> done) {
  done(core::error{nothing_runs});
}

core::result<json> minimal_technician::save_geometry(std::string_view, const json&) {
  return core::error{nothing_runs + "; draw lines once the camera runs"};
}

json minimal_technician::settings() {
  auto out = settings_listing(raw_values(broken_));
  out["hq_version"] = 0;
  out["drift"] = json::array();
  out["changing"] = false;
  out["minimal"] = {{"errors", broken_.errors}};
  return out;
}

minimal_technician::checked minimal_technician::check(const config::settings_edit& edit) const {
  const auto before = baseline(broken_.file, broken_.technician);
  checked out{config::apply_settings_edit(broken_.technician, edit, before), {}};
  auto loaded = config::load_text(baseline(broken_.file, out.technician).dump(2), file_path_);
  for (auto& e : loaded.errors) {
    e.line = 0;  // a line of the layered document, which nobody wrote
    out.errors.push_back(e.to_string());
  }
  return out;
}

json minimal_technician::preview_settings(const json& edit) {
  config::settings_edit e;
  if (auto why = config::read_settings_edit(edit, e)) return {{"ok", false}, {"errors", {*why}}};
  const auto c = check(e);
  const auto before = config::masked(baseline(broken_.file, broken_.technician));
  const auto after = config::masked(baseline(broken_.file, c.technician));
  return {{"ok", c.errors.empty()},
          {"errors", c.errors},
          {"changes", config::to_json(config::value_diff(before, after))},
          {"hot", json::array()},
          {"rebuild", json::array()},
          {"geometry", json::array()},
          {"restart", json::array()},
          {"drift", json::array()},
          {"starts", c.errors.empty()}};
}

void minimal_technician::apply_settings(const json& edit, std::function<void(json)> done) {
  config::settings_edit e;
  if (auto why = config::read_settings_edit(edit, e)) {
    done({{"state", "rejected"}, {"origin", "technician"}, {"errors", {*why}}});
    return;
  }
  auto c = check(e);
  std::vector<std::string> own;  // errors in what the edit sets: nothing of it is kept
  for (const auto& err : c.errors)
    for (const auto& path : config::edited_paths(e))
      if (err.find(path + ":") != std::string::npos || err.find(path + "[") != std::string::npos ||
          err.find(path + ".") != std::string::npos) {
        own.push_back(err);
        break;
      }
  if (!own.empty()) {
    done({{"state", "rejected"}, {"origin", "technician"}, {"errors", own}});
    return;
  }
  config_files(config::salvage(broken_.file), log_).save_technician(c.technician);
  if (!c.errors.empty()) {
    // Progress kept (a password to open this page, one error of three fixed): the rest to fix.
    log_->info("minimal mode: the technician's settings are kept; {} errors remain", c.errors.size());
    done({{"state", "saved"}, {"origin", "technician"}, {"errors", c.errors}});
    on_saved_();
    return;
  }
  log_->info("minimal mode: the technician's settings make the configuration load; starting the agent");
  done({{"state", "restarting"}, {"origin", "technician"}});
  on_loadable_();
}

void minimal_technician::test(std::string_view target, std::function<void(json)> done) {
  done({{"target", std::string(target)}, {"ok", false}, {"detail", nothing_runs}, {"ms", 0}});
}

core::result<json> minimal_technician::start_audit(std::string_view, std::int64_t) {
  return core::error{nothing_runs};
}
core::result<json> minimal_technician::audit(std::string_view) { return core::error{nothing_runs}; }
core::result<std::string> minimal_technician::audit_clip(std::string_view) { return core::error{nothing_runs}; }
core::result<json> minimal_technician::finish_audit(std::string_view, const json&) {
  return core::error{nothing_runs};
}
core::status minimal_technician::cancel_audit(std::string_view) { return core::error{nothing_runs}; }

core::result<json> minimal_technician::no_figures::events(std::string_view, std::string_view) {
  return core::error{nothing_runs};
}
core::result<json> minimal_technician::no_figures::buckets(std::string_view) { return core::error{nothing_runs}; }
std::optional<std::string> minimal_technician::no_figures::unavailable() {
  return "this box is being set up: its configuration does not load yet (" +
         (broken->errors.empty() ? std::string("no errors named") : broken->errors.front()) + ")";
}

}  // namespace kelu
