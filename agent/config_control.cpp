// SPDX-License-Identifier: Apache-2.0
#include "config_control.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/files.hpp"
#include "config/loader.hpp"
#include "config/schema.hpp"
#include "config/value_diff.hpp"
#include "sync/config_journal.hpp"

namespace kelu {

using nlohmann::json;

namespace {

// A whole configuration is a few KB; anything near this is not one.
constexpr std::size_t max_desired_bytes = 256 * 1024;
}  // namespace

config_control::config_control(boost::asio::any_io_executor ex, config_target& target, sync::config_journal& journal,
                               boot_config boot, std::string file_path, std::string boot_id,
                               const core::clock& clock, std::shared_ptr<spdlog::logger> log)
    : gate_(std::move(ex)),
      target_(target),
      journal_(journal),
      layers_{std::move(boot.file), std::move(boot.technician), std::move(boot.desired)},
      file_path_(std::move(file_path)),
      files_(config::salvage(layers_.file), log),
      boot_id_(std::move(boot_id)),
      clock_(clock),
      log_(std::move(log)),
      file_errors_(std::move(boot.file_errors)) {}

config_control::~config_control() = default;

void config_control::announce() {
  if (!file_errors_.empty()) {
    // Safe mode: HQ and the technician page hear why the box runs an older file.
    refuse("file", std::nullopt, file_errors_);
  } else {
    files_.save_last_good(layers_.file);
  }
  if (layers_.desired.version == 0) return;
  auto r = reported(layers_.desired.applied_version == layers_.desired.version ? "applied" : "rolled_back", "boot",
                    layers_.desired.applied_version);
  target_.report(std::move(r));
}

void config_control::stop() { gate_.cancel(); }

void config_control::note(const std::string& origin, std::vector<std::string> keys, json detail) {
  journal_add({0, clock_.now_utc(), origin, std::nullopt, std::move(keys), "applied", std::move(detail)});
}

json config_control::history(std::size_t limit) {
  json out = json::array();
  try {
    for (const auto& r : journal_.recent(limit)) out.push_back(sync::to_json(r));
  } catch (const std::exception& e) {
    log_->error("config history: {}", e.what());
  }
  return out;
}

json config_control::reported(const std::string& state, const std::string& origin,
                              std::optional<std::int64_t> version) const {
  json r{{"state", state},
         {"origin", origin},
         {"boot_id", boot_id_},
         {"at", core::format_iso8601(clock_.now_utc())},
         {"applied_version", layers_.desired.applied_version},
         {"drift", config::named_paths(layers_.desired.local)},
         {"running_hash", config::hash(target_.running())}};
  if (version) r["version"] = *version;
  return r;
}

std::optional<config::config> config_control::layer(const json& file, const config::desired_state& desired,
                                                    const std::string& origin,
                                                    std::vector<std::string>& errors) const {
  auto loaded = config::load_text(config::layered(file, desired).dump(2), origin);
  for (auto& e : loaded.errors) {
    e.line = 0;  // a line of the layered document, which nobody wrote
    errors.push_back(e.to_string());
  }
  if (!loaded.ok()) return std::nullopt;
  const auto& running = target_.running();
  if (loaded.value.store.tenant != running.store.tenant || loaded.value.store.id != running.store.id) {
    errors.push_back(origin + ": store.tenant/store.id are " + loaded.value.store.tenant + "/" +
                     loaded.value.store.id + ", this box is " + running.store.tenant + "/" + running.store.id);
    return std::nullopt;
  }
  return loaded.value;
}

void config_control::refuse(const std::string& origin, std::optional<std::int64_t> version,
                            std::vector<std::string> errors) {
  for (const auto& e : errors)
    log_->error("{} refused, keeping the running configuration: {}",
                origin == "hq" ? "config/desired" : origin == "technician" ? "the technician page" : file_path_, e);
  journal_add({0, clock_.now_utc(), origin, version, {}, "rejected", json{{"errors", errors}}});
  auto r = reported("rejected", origin, version);
  r["errors"] = std::move(errors);
  answer(origin, std::move(r));
}

void config_control::answer(const std::string& origin, json r) {
  auto& waiting = origin == "file" ? file_reply_ : technician_reply_;
  if ((origin == "file" || origin == "technician") && waiting) {
    auto reply = std::move(waiting);
    waiting = nullptr;
    reply(r);
  }
  target_.report(std::move(r));
}

void config_control::on_desired(const std::string& payload) {
  if (payload.empty()) return;  // HQ cleared the retained message
  if (gate_.busy()) {
    waiting_desired_ = payload;  // the newest wins: versions only grow
    return;
  }
  if (payload.size() > max_desired_bytes) {
    refuse("hq", std::nullopt, {"config/desired: " + std::to_string(payload.size()) + " bytes, more than " +
                                    std::to_string(max_desired_bytes)});
    return;
  }
  const auto msg = config::read_desired(payload, layers_.desired);
  if (msg.verdict == config::desired_verdict::ignore) {
    log_->debug("config/desired: {}", msg.reason);
    return;
  }
  const std::optional<std::int64_t> version = msg.version ? std::optional(msg.version) : std::nullopt;
  if (msg.verdict == config::desired_verdict::refuse) {
    refuse("hq", version, {msg.reason});
    return;
  }
  // HQ's new version replaces every local change to the keys it names.
  config::desired_state next_state{msg.version, msg.version, msg.document, json::object()};
  std::vector<std::string> errors;
  auto next = layer(baseline(layers_.file, layers_.technician), next_state, "config/desired", errors);
  if (!next) {
    refuse("hq", version, std::move(errors));
    return;
  }
  begin({target_.prepared(std::move(*next)), "hq", msg.version, {layers_.file, layers_.technician, std::move(next_state)}});
}

void config_control::on_file_changed(std::function<void(json)> done) {
  if (done) {
    if (file_reply_) file_reply_(json{{"state", "superseded"}, {"origin", "file"}});
    file_reply_ = std::move(done);
  }
  if (file_path_.empty()) return;
  if (gate_.busy()) {
    waiting_file_ = true;
    return;
  }
  const auto text = core::read_file(file_path_);
  if (!text) {
    refuse("file", std::nullopt, {file_path_ + ": cannot read"});
    return;
  }
  const auto own = config::load_text(*text, file_path_);
  const auto file = file_as_json(*text);
  if (!own.ok()) {
    std::vector<std::string> errors;
    for (const auto& e : own.errors) errors.push_back(e.to_string());
    // A file the technician's settings complete runs (a box repaired on the page in minimal mode).
    if (layers_.technician.empty() ||
        !config::load_text(baseline(file, layers_.technician).dump(2), file_path_).ok()) {
      refuse("file", std::nullopt, std::move(errors));
      return;
    }
    log_->warn("{} does not load alone ({}); the technician's settings complete it", file_path_, errors.front());
  }
  auto next_state = layers_.desired;
  next_state.local = config::with_drift(layers_.desired.local, baseline(layers_.file, layers_.technician),
                                        baseline(file, layers_.technician), layers_.desired.document);
  std::vector<std::string> errors;
  auto next = layer(baseline(file, layers_.technician), next_state, file_path_, errors);
  if (!next) {
    refuse("file", std::nullopt, std::move(errors));
    return;
  }
  const auto before = config::named_paths(layers_.desired.local);
  for (const auto& path : config::named_paths(next_state.local))
    if (std::find(before.begin(), before.end(), path) == before.end())
      log_->warn("{}: {} is set by HQ's version {}: the file's value runs until HQ's next version", file_path_, path,
                 layers_.desired.applied_version);
  begin({target_.prepared(std::move(*next)), "file", std::nullopt, {file, layers_.technician, std::move(next_state)}});
}

std::optional<config_control::change> config_control::settings_change(const config::settings_edit& edit,
                                                                      std::vector<std::string>& errors) const {
  const auto running = json::parse(config::to_json_text(target_.running()));
  auto technician = config::apply_settings_edit(layers_.technician, edit, running);
  auto next_state = layers_.desired;
  next_state.local = config::with_drift(layers_.desired.local, baseline(layers_.file, layers_.technician),
                                        baseline(layers_.file, technician),
                                        layers_.desired.document);
  auto next = layer(baseline(layers_.file, technician), next_state, "technician", errors);
  if (!next) return std::nullopt;
  return change{target_.prepared(std::move(*next)), "technician", std::nullopt,
                {layers_.file, std::move(technician), std::move(next_state)}};
}

json config_control::preview_settings(const config::settings_edit& edit) {
  std::vector<std::string> errors;
  const auto c = settings_change(edit, errors);
  json out{{"ok", c.has_value()}, {"errors", errors}};
  if (!c) return out;
  const auto& running = target_.running();
  const auto plan = config::plan_change(running, c->next);
  out["changes"] = config::to_json(
      config::value_diff(json::parse(config::to_json_text(running)), json::parse(config::to_json_text(c->next))));
  out["hot"] = plan.hot;
  out["rebuild"] = plan.rebuild;
  out["geometry"] = plan.geometry;
  out["restart"] = json::array();
  for (const auto& k : plan.restart) out["restart"].push_back({{"key", k}, {"reason", config::restart_reason(k)}});
  const auto hq = config::named_paths(layers_.desired.document);
  out["drift"] = json::array();
  for (const auto& path : config::edited_paths(edit))
    if (std::find(hq.begin(), hq.end(), path) != hq.end()) out["drift"].push_back(path);
  return out;
}

void config_control::apply_settings(const config::settings_edit& edit, std::function<void(json)> done) {
  if (gate_.busy() || technician_reply_) {
    done(json{{"state", "busy"}, {"origin", "technician"},
              {"errors", {"another change is being checked; try again when it settles"}}});
    return;
  }
  technician_reply_ = std::move(done);
  std::vector<std::string> errors;
  auto c = settings_change(edit, errors);
  if (!c) {
    refuse("technician", std::nullopt, std::move(errors));
    return;
  }
  for (const auto& path : config::edited_paths(edit))
    log_->info("technician: {} {}", edit.set.contains(path) ? "sets" : "gives back to the file", path);
  begin(std::move(*c));
}

json config_control::settings() const {
  auto out = settings_listing(
      effective_with_origins(target_.running(), layers_.file, layers_.technician, layers_.desired));
  out["hq_version"] = layers_.desired.applied_version;
  out["drift"] = config::named_paths(layers_.desired.local);
  out["changing"] = gate_.busy();
  return out;
}

void config_control::begin(change c) {
  previous_ = target_.running();
  const auto plan = config::plan_change(previous_, c.next);
  if (plan.empty()) {
    adopt(c);
    log_->info("{}: no changes", c.origin);
    answer(c.origin, reported("applied", c.origin, c.version));
    return;
  }
  const auto now = clock_.now_utc();
  if (plan.needs_restart()) {
    adopt(c);
    journal_add({0, now, c.origin, c.version, plan.keys, "restarting", json{{"restart", plan.restart}}});
    auto r = reported("restarting", c.origin, c.version);
    r["keys"] = plan.keys;
    r["restart"] = plan.restart;
    answer(c.origin, std::move(r));
    target_.restart(c.origin + " changed " + plan.restart.front());
    return;
  }
  applied_ = target_.apply(c.next, c.origin);
  journal_add({0, now, c.origin, c.version, plan.keys, "applying",
               json{{"rebuilt", plan.rebuild}, {"geometry", plan.geometry}, {"hot", plan.hot}}});
  auto checks = target_.gate_checks(applied_);
  for (const auto& e : applied_.errors) checks.push_back({e, [e] { return std::optional<std::string>("not running"); }});
  judged_ = std::move(c);
  gate_.begin(std::move(checks), std::chrono::seconds(target_.running().fleet.gate_s),
              [this](std::vector<std::string> failures) { on_verdict(std::move(failures)); });
}

void config_control::on_verdict(std::vector<std::string> failures) {
  auto c = std::move(*judged_);
  judged_.reset();
  const auto& plan = applied_.plan;
  json detail{{"rebuilt", plan.rebuild}, {"geometry", plan.geometry}, {"hot", plan.hot}};
  if (failures.empty()) {
    adopt(c);
    log_->info("{}: applied {} keys, rebuilt {}", c.origin, plan.keys.size(), json(plan.rebuild).dump());
    journal_outcome("applied", detail);
    auto r = reported("applied", c.origin, c.version);
    r["keys"] = plan.keys;
    r["rebuilt"] = plan.rebuild;
    answer(c.origin, std::move(r));
  } else {
    for (const auto& f : failures) log_->error("{}: change undone: {}", c.origin, f);
    target_.apply(previous_, "rollback");
    // HQ's version was seen and judged: the retained message coming again is not tried again.
    if (c.version) layers_.desired.version = std::max(layers_.desired.version, *c.version);
    files_.save_desired(layers_.desired);
    detail["failures"] = failures;
    journal_outcome("rolled_back", detail);
    auto r = reported("rolled_back", c.origin, c.version);
    r["keys"] = plan.keys;
    r["reason"] = failures;
    answer(c.origin, std::move(r));
  }
  run_waiting();
}

void config_control::run_waiting() {
  if (waiting_file_) {
    waiting_file_ = false;
    on_file_changed();
  }
  if (waiting_desired_ && !gate_.busy()) {
    auto payload = std::move(*waiting_desired_);
    waiting_desired_.reset();
    on_desired(payload);
  }
}

std::int64_t config_control::journal_add(const sync::config_change_row& row) {
  // The history is for people; a change is not held up by SQLite failing to record it.
  auto r = row;
  try {
    r.id = journal_.add(row);
  } catch (const std::exception& e) {
    log_->error("config history: {}", e.what());
  }
  if (r.outcome == "applying")
    journal_row_ = r;  // settled by the verdict
  else
    target_.record(sync::to_json(r));
  return r.id;
}

void config_control::journal_outcome(const std::string& outcome, const json& detail) {
  journal_row_.outcome = outcome;
  journal_row_.detail = detail;
  try {
    if (journal_row_.id > 0) journal_.set_outcome(journal_row_.id, outcome, detail);
  } catch (const std::exception& e) {
    log_->error("config history: {}", e.what());
  }
  target_.record(sync::to_json(journal_row_));
}

void config_control::adopt(change& c) {
  const bool technician_changed = c.layers.technician != layers_.technician;
  layers_ = std::move(c.layers);
  files_.save_desired(layers_.desired);
  if (technician_changed) files_.save_technician(layers_.technician);
  if (c.origin == "file") {
    file_errors_.clear();  // a file that loads: out of safe mode
    files_.save_last_good(layers_.file);
  }
}

}  // namespace kelu
