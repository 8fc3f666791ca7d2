#include "config_control.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "agent/core/files.hpp"
#include "config/loader.hpp"
#include "config/schema.hpp"
#include "sync/config_journal.hpp"

namespace kelu {

using nlohmann::json;

namespace {

// A whole configuration is a few KB; anything near this is not one.
constexpr std::size_t max_desired_bytes = 256 * 1024;

// The file as JSON for layering; the loader has already said what is wrong with a bad one.
json file_json(const std::string& text) {
  auto j = json::parse(text, nullptr, false, /*ignore_comments=*/true);
  return j.is_object() ? j : json::object();
}

bool is_secret(const std::string& path) {
  for (const char* s : {"password", "secret", "token"})
    if (path.find(s) != std::string::npos) return true;
  return false;
}

}  // namespace

std::filesystem::path desired_state_path(const config::config& file_cfg) {
  return std::filesystem::path(file_cfg.storage.path).parent_path() / "desired.json";
}

std::filesystem::path last_good_path(const config::config& file_cfg) {
  return std::filesystem::path(file_cfg.storage.path).parent_path() / "last-good.json";
}

namespace {

// Safe mode: the file does not load. Where would its data directory be? Its storage.path if
// that much can be read, the default otherwise.
core::result<boot_config> last_good(const std::string& file_path, const std::string& text,
                                    std::vector<std::string> errors) {
  auto guess = config::defaults();
  const auto partial = json::parse(text, nullptr, false, true);
  const json::json_pointer path("/storage/path");
  if (partial.is_object() && partial.contains(path) && partial[path].is_string())
    guess.storage.path = partial[path].get<std::string>();
  const auto kept_path = last_good_path(guess);
  const auto kept = core::read_file(kept_path.string());
  const auto joined = [&] {
    std::string all;
    for (const auto& e : errors) all += (all.empty() ? "" : "\n") + e;
    return all;
  };
  if (!kept) return core::error{joined()};
  auto loaded = config::load_text(*kept, kept_path.string());
  if (!loaded.ok()) return core::error{joined() + "\n" + kept_path.string() + ": " + loaded.errors.front().to_string()};
  boot_config boot;
  boot.value = loaded.value;
  boot.file = file_json(*kept);
  boot.file_errors = std::move(errors);
  boot.warnings.push_back(file_path + " does not load; safe mode: running the last file that did, kept in " +
                          kept_path.string() + ", until it is fixed and reloaded");
  return boot;
}

}  // namespace

core::result<boot_config> load_boot_config(const std::string& file_path) {
  const auto text = core::read_file(file_path);
  if (!text) return core::error{file_path + ": cannot read"};
  auto loaded = config::load_text(*text, file_path);
  core::result<boot_config> started = boot_config{};
  if (!loaded.ok()) {
    std::vector<std::string> errors;
    for (const auto& e : loaded.errors) errors.push_back(e.to_string());
    started = last_good(file_path, *text, std::move(errors));
    if (!started) return started;
  } else {
    started->value = loaded.value;
    started->file = file_json(*text);
  }
  auto& boot = *started;
  const auto state_file = desired_state_path(boot.value);
  const auto state_text = core::read_file(state_file.string());
  if (!state_text) return started;  // HQ never desired anything of this box
  std::string why;
  if (!config::from_text(*state_text, boot.desired, why)) {
    boot.warnings.push_back(state_file.string() + ": " + why + "; HQ's desired configuration is set aside");
    boot.desired = {};
    return started;
  }
  auto layered = config::load_text(config::layered(boot.file, boot.desired).dump(2), state_file.string());
  if (!layered.ok()) {
    boot.warnings.push_back(state_file.string() + ": version " + std::to_string(boot.desired.applied_version) +
                            " does not load over " + file_path + " (" + layered.errors.front().to_string() +
                            "); the file runs alone until HQ sends a version that does");
    const auto seen = boot.desired.version;
    boot.desired = {};
    boot.desired.version = seen;
    return started;
  }
  boot.value = layered.value;
  return started;
}

json effective_with_origins(const boot_config& boot) {
  std::set<std::string> from_hq, from_local;
  for (const auto& p : config::named_paths(boot.desired.document)) from_hq.insert(p);
  for (const auto& p : config::named_paths(boot.desired.local)) from_local.insert(p);
  const auto in_file = config::named_paths(boot.file);
  const std::set<std::string> from_file(in_file.begin(), in_file.end());
  const auto values = json::parse(config::to_json_text(boot.value));
  json out = json::array();
  for (const auto& k : config::keys()) {
    const auto origin = from_local.count(k.path)  ? "local"
                        : from_hq.count(k.path)   ? "hq"
                        : from_file.count(k.path) ? "file"
                                                  : "default";
    json value = values.value(json::json_pointer("/" + [&] {
      auto p = k.path;
      for (auto& ch : p)
        if (ch == '.') ch = '/';
      return p;
    }()), json());
    if (is_secret(k.path) && value.is_string() && !value.get<std::string>().empty()) value = "***";
    out.push_back({{"key", k.path}, {"value", value}, {"origin", origin}});
  }
  return out;
}

config_control::config_control(boost::asio::any_io_executor ex, config_target& target, sync::config_journal& journal,
                               boot_config boot, std::string file_path, std::string boot_id,
                               const core::clock& clock, std::shared_ptr<spdlog::logger> log)
    : gate_(std::move(ex)),
      target_(target),
      journal_(journal),
      desired_(std::move(boot.desired)),
      file_(std::move(boot.file)),
      file_path_(std::move(file_path)),
      state_path_(desired_state_path(boot.value)),
      last_good_path_(last_good_path(boot.value)),
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
    remember_file();
  }
  if (desired_.version == 0) return;
  auto r = reported(desired_.applied_version == desired_.version ? "applied" : "rolled_back", "boot",
                    desired_.applied_version);
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
         {"applied_version", desired_.applied_version},
         {"drift", config::named_paths(desired_.local)},
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
    log_->error("{} refused, keeping the running configuration: {}", origin == "hq" ? "config/desired" : file_path_, e);
  journal_add({0, clock_.now_utc(), origin, version, {}, "rejected", json{{"errors", errors}}});
  auto r = reported("rejected", origin, version);
  r["errors"] = std::move(errors);
  answer(origin, std::move(r));
}

void config_control::answer(const std::string& origin, json r) {
  if (origin == "file" && file_reply_) {
    auto reply = std::move(file_reply_);
    file_reply_ = nullptr;
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
  const auto msg = config::read_desired(payload, desired_);
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
  auto next = layer(file_, next_state, "config/desired", errors);
  if (!next) {
    refuse("hq", version, std::move(errors));
    return;
  }
  begin({target_.prepared(std::move(*next)), "hq", msg.version, std::move(next_state), file_});
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
  if (!own.ok()) {
    std::vector<std::string> errors;
    for (const auto& e : own.errors) errors.push_back(e.to_string());
    refuse("file", std::nullopt, std::move(errors));
    return;
  }
  const auto file = file_json(*text);
  auto next_state = desired_;
  next_state.local = config::with_drift(desired_.local, file_, file, desired_.document);
  std::vector<std::string> errors;
  auto next = layer(file, next_state, file_path_, errors);
  if (!next) {
    refuse("file", std::nullopt, std::move(errors));
    return;
  }
  const auto before = config::named_paths(desired_.local);
  for (const auto& path : config::named_paths(next_state.local))
    if (std::find(before.begin(), before.end(), path) == before.end())
      log_->warn("{}: {} is set by HQ's version {}: the file's value runs until HQ's next version", file_path_, path,
                 desired_.applied_version);
  begin({target_.prepared(std::move(*next)), "file", std::nullopt, std::move(next_state), file});
}

void config_control::begin(change c) {
  previous_ = target_.running();
  const auto plan = config::plan_change(previous_, c.next);
  if (plan.empty()) {
    desired_ = std::move(c.desired);
    file_ = std::move(c.file);
    persist();
    if (c.origin == "file") {
      file_errors_.clear();  // a file fixed to what ran in safe mode
      remember_file();
    }
    log_->info("{}: no changes", c.origin);
    answer(c.origin, reported("applied", c.origin, c.version));
    return;
  }
  const auto now = clock_.now_utc();
  if (plan.needs_restart()) {
    desired_ = std::move(c.desired);
    file_ = std::move(c.file);
    persist();
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
    desired_ = std::move(c.desired);
    file_ = std::move(c.file);
    persist();
    if (c.origin == "file") {
      file_errors_.clear();  // out of safe mode
      remember_file();
    }
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
    if (c.version) desired_.version = std::max(desired_.version, *c.version);
    persist();
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

void config_control::remember_file() {
  if (auto st = core::write_file_atomically(last_good_path_, file_.dump(2) + "\n", 0600); !st)
    log_->error("the file that loaded is not kept for safe mode: {}", st.error_message());
}

void config_control::persist() {
  if (desired_.version == 0) return;
  if (auto st = core::write_file_atomically(state_path_, config::to_text(desired_), 0600); !st)
    log_->error("HQ's desired configuration not kept for the next start: {}", st.error_message());
}

}  // namespace kelu
