// SPDX-License-Identifier: Apache-2.0
#pragma once
// The agent's half of a software update from HQ (docs/fleet.md, "Software updates"). It follows
// the retained software/desired (the store's own, else the estate's), and when the version
// differs from the one running, the document is valid, the version was not already rolled back at
// this attempt, and the maintenance window is open, it asks the updater (root, `kelu update apply`)
// through update_dir's request.json, with the components that are up now: the new version must
// bring up the same ones. Started after an install (applying.json for a nonce with no verdict), it
// judges itself by that health gate and writes the verdict the updater waits for. It reports every
// change of its state on the retained software/reported, the updater's outcome included.
//
// Threading: io_context thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/config_gate.hpp"
#include "core/clock.hpp"
#include "core/time_zone.hpp"
#include "agent/software_desired.hpp"
#include "agent/update_dir.hpp"

namespace spdlog {
class logger;
}

namespace kelu {

class software_control {
 public:
  struct hooks {
    std::function<void(nlohmann::json reported)> report;  // retained, on software/reported
    // What is up now: {"mqtt": bool, "dashboard": bool, "cameras": ["door", ...]} (delivering).
    std::function<nlohmann::json()> components_up;
    // The health gate of a new version: one check per component `up` names.
    std::function<std::vector<gate_check>(const nlohmann::json& up)> checks;
    std::function<std::string()> opening_hours;  // store.opening_hours as it runs: the "closed" window
  };
  struct identity {
    std::string version;  // running
    std::string boot_id;
  };

  // `clock` and `zone` outlive this.
  software_control(boost::asio::any_io_executor ex, update_dir dir, identity id, const core::time_zone& zone,
                   const core::clock& clock, std::shared_ptr<spdlog::logger> log, hooks h);
  ~software_control();
  software_control(const software_control&) = delete;
  software_control& operator=(const software_control&) = delete;

  // After the MQTT link started: judges this boot if it follows an install, reports an outcome
  // waiting in result.json, then looks again every minute (every 5 s while an update is under way).
  void start();
  // A payload of software/desired, the store's (`estate` false) or the tenant's; empty: cleared.
  void on_desired(bool estate, const std::string& payload);
  void stop();
  // What software/reported says now.
  const nlohmann::json& reported() const { return reported_; }

 private:
  struct decision {
    std::string state;  // current, waiting, requested, updating, gating, held, refused
    std::string reason;
    nlohmann::json extra = nlohmann::json::object();
  };
  void schedule();
  void evaluate();
  // What to do about a valid desired document: nothing, wait for the window, or ask the updater.
  decision decide(const software_desired& want);
  // A version already tried at this attempt and rolled back (or failed within the hour).
  std::optional<decision> held(const std::string& version, std::int64_t attempt) const;
  void take_result();
  void begin_gate(const nlohmann::json& applying);
  void publish(const decision& d, const nlohmann::json& desired_ref);

  boost::asio::steady_timer timer_;
  update_dir dir_;
  identity id_;
  const core::time_zone& zone_;
  const core::clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  hooks hooks_;
  config_gate gate_;
  std::string store_payload_, estate_payload_;
  nlohmann::json last_;  // the last outcome (last.json), null when none
  nlohmann::json reported_;
  struct waiting {
    std::string key;  // the window, the opening hours and the gate it was found for
    core::utc_time opens{};
    std::string opens_text;  // empty: not within a week
  } waiting_;
  bool stopped_ = false;
};

}  // namespace kelu
