// SPDX-License-Identifier: Apache-2.0
#pragma once
// Every configuration change of a running agent, wherever it comes from (docs/fleet.md): HQ's
// versioned config/desired, the file on SIGHUP, the technician page's settings. It layers HQ's
// desired document over the technician's settings over the file (config/desired_config.hpp,
// config/settings_edit.hpp), has the agent apply the result component by component, judges the
// change by the health gate and undoes it when the gate fails, keeps the audit log
// (sync/config_journal.hpp), persists what HQ desired beside the database, and answers HQ on the
// retained config/reported.
//
// One change at a time: what arrives while the gate judges the previous change waits for its
// verdict (of HQ's messages, only the newest waits).
//
// Threading: io_context thread.
#include <boost/asio/any_io_executor.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/boot_config.hpp"
#include "agent/config_gate.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "config/change_plan.hpp"
#include "config/config.hpp"
#include "config/desired_config.hpp"
#include "config/settings_edit.hpp"
#include "sync/config_journal.hpp"

namespace spdlog {
class logger;
}

namespace kelu {

struct applied_change {
  config::change_plan plan;
  std::vector<std::string> errors;  // components that could not be rebuilt: "sources.pos_tcp: port 9750 in use"
};

// What config_control changes: the running agent.
class config_target {
 public:
  virtual ~config_target() = default;
  virtual const config::config& running() const = 0;
  // `c` as the agent runs it: the technician's saved lines and zones over the cameras'.
  virtual config::config prepared(config::config c) const = 0;
  // Applies every key of `next` a running agent can take; restart-class keys stay as they are.
  virtual applied_change apply(const config::config& next, std::string_view origin) = 0;
  // One check per component `change` rebuilt, each against that component's state before it.
  virtual std::vector<gate_check> gate_checks(const applied_change& change) = 0;
  // Stops cleanly and starts the process again (restart-class keys).
  virtual void restart(const std::string& why) = 0;
  // Publishes `reported`, retained, on config/reported.
  virtual void report(nlohmann::json reported) = 0;
  // Sends one settled entry of the audit log to HQ (config/changes).
  virtual void record(nlohmann::json change) = 0;
};

class config_control {
 public:
  // `journal` outlives this. `gate_s` is read from the running config at each change.
  config_control(boost::asio::any_io_executor ex, config_target& target, sync::config_journal& journal,
                 boot_config boot, std::string file_path, std::string boot_id, const core::clock& clock,
                 std::shared_ptr<spdlog::logger> log);
  ~config_control();
  config_control(const config_control&) = delete;
  config_control& operator=(const config_control&) = delete;

  // After start: tells HQ which desired version runs (after a restart a change asked for, the
  // answer it is waiting for).
  void announce();
  // A config/desired payload (empty: HQ cleared it; nothing to do).
  void on_desired(const std::string& payload);
  // SIGHUP, or `kelu config apply` through the control socket: the file may have changed. `done`
  // (if given) gets the answer HQ gets once the change is judged, refused or found empty.
  void on_file_changed(std::function<void(nlohmann::json)> done = {});
  // The technician page's settings (config/settings_edit.hpp). `preview` says what the edit would
  // do without doing it: {"ok", "errors", "changes": [{"key", "from", "to"}], "hot", "rebuild",
  // "geometry", "restart": [{"key", "reason"}], "drift"}. `apply` makes the change, judged by the
  // gate like every other, and gives `done` the answer HQ gets; while another change is judged it
  // answers {"state": "busy"} at once. The settings are kept (technician.json) once they hold.
  nlohmann::json preview_settings(const config::settings_edit& edit);
  void apply_settings(const config::settings_edit& edit, std::function<void(nlohmann::json)> done);
  // Every key with its value, origin, type, range, default, description and reload class, and
  // the element keys of cameras, counters and alerts: what the technician page edits.
  nlohmann::json settings() const;
  // The agent's stop: a gate under way is abandoned, the change it judged stays.
  void stop();
  // A change made elsewhere and already applied (the technician's lines and zones): into the
  // history and to HQ, like every other.
  void note(const std::string& origin, std::vector<std::string> keys, nlohmann::json detail);
  // The newest `limit` entries of the history, newest first (the technician page).
  nlohmann::json history(std::size_t limit);

  const config::desired_state& desired() const { return layers_.desired; }
  bool changing() const { return gate_.busy(); }

 private:
  // What a change sets, from the bottom: the file, the technician's settings, HQ's state.
  struct layer_set {
    nlohmann::json file;
    nlohmann::json technician;
    config::desired_state desired;
  };
  struct change {
    config::config next;
    std::string origin;  // "hq", "file", "technician"
    std::optional<std::int64_t> version;
    layer_set layers;  // the box's layers once the change holds
  };
  // The change the technician's `edit` makes, or the errors that stop it.
  std::optional<change> settings_change(const config::settings_edit& edit, std::vector<std::string>& errors) const;
  // The change holds (or changed nothing): its state becomes the box's, kept on disk.
  void adopt(change& c);
  void begin(change c);
  void on_verdict(std::vector<std::string> failures);
  // `loaded` from layering `file` and `desired`; errors named after `origin`, without the
  // line numbers of a document nobody wrote.
  std::optional<config::config> layer(const nlohmann::json& file, const config::desired_state& desired,
                                      const std::string& origin, std::vector<std::string>& errors) const;
  // Tells HQ (config/reported) and, for the file, whoever asked for the reload.
  void answer(const std::string& origin, nlohmann::json reported);
  void refuse(const std::string& origin, std::optional<std::int64_t> version, std::vector<std::string> errors);

  // The audit log: kept in SQLite and, once settled, sent to HQ.
  std::int64_t journal_add(const sync::config_change_row& row);
  void journal_outcome(const std::string& outcome, const nlohmann::json& detail);
  nlohmann::json reported(const std::string& state, const std::string& origin,
                          std::optional<std::int64_t> version) const;
  void run_waiting();

  config_gate gate_;
  config_target& target_;
  sync::config_journal& journal_;
  layer_set layers_;
  std::string file_path_;
  config_files files_;
  std::string boot_id_;
  const core::clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  // The change the gate judges, what ran before it, and its journal row.
  std::optional<change> judged_;
  config::config previous_;
  applied_change applied_;
  sync::config_change_row journal_row_;  // the judged change's entry, settled by the verdict
  std::optional<std::string> waiting_desired_;
  bool waiting_file_ = false;
  std::function<void(nlohmann::json)> file_reply_;        // who waits for the file's verdict
  std::function<void(nlohmann::json)> technician_reply_;  // and for the technician's
  std::vector<std::string> file_errors_;  // safe mode's reason, told to HQ by announce()
};

}  // namespace kelu
