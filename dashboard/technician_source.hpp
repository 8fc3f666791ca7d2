// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the technician page works with, from the running agent. Called by the router on the
// io_context thread; the two that wait for something (a camera's next frame, a connection
// test) answer through `done`, exactly once, on the io_context thread, within a few seconds.
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace kelu::dashboard {

class technician_source {
 public:
  virtual ~technician_source() = default;
  // Cameras (frame size, lines, zones, health, live counts since their lines were last set),
  // POS sources and the broker with their health (docs/dashboard.md, GET /tech/api/state).
  virtual nlohmann::json state() = 0;
  // The running configuration (lines and zones as drawn) as canonical JSON, secrets masked.
  virtual nlohmann::json config() = 0;
  // The camera's next frame as a JPEG, nothing drawn on it: for the technician's screen only,
  // never stored or sent anywhere else. An error names the camera or says why there is none.
  virtual void snapshot(std::string_view camera, std::function<void(core::result<std::string>)> done) = 0;
  // A camera's new lines and zones ({"lines": [...], "zones": [...]} as in cameras[] of the
  // config): validated, applied to the running camera at once and kept across restarts. The
  // error names the key path of the first problem.
  virtual core::result<nlohmann::json> save_geometry(std::string_view camera, const nlohmann::json& body) = 0;
  // Every setting: its value (secrets masked), where it comes from, and the key table's type,
  // range, default, description and reload class; the element keys of cameras, counters and
  // alerts (docs/dashboard.md, GET /tech/api/settings).
  virtual nlohmann::json settings() = 0;
  // What an edit ({"set": {KEY: VALUE}, "reset": [KEY]}) would change, checked like any
  // configuration, without changing anything: {"ok", "errors", "changes", "rebuild", "restart", ...}.
  virtual nlohmann::json preview_settings(const nlohmann::json& edit) = 0;
  // Makes the edit: `done` gets the verdict ({"state": "applied" | "rolled_back" | "rejected" |
  // "restarting" | "busy", ...}) once the health gate has judged it, within fleet.gate_s.
  virtual void apply_settings(const nlohmann::json& edit, std::function<void(nlohmann::json)> done) = 0;
  // Tests "broker" or "source:{id}" now: {"target", "ok", "detail", "ms"}.
  virtual void test(std::string_view target, std::function<void(nlohmann::json)> done) = 0;
  // Accuracy audits (docs/dashboard.md, "Accuracy audit"): start recording a camera's clip,
  // its state, the clip's bytes (for the technician's screen only), finish with the tapped
  // crossings, or cancel. Each refusal says why.
  virtual core::result<nlohmann::json> start_audit(std::string_view camera, std::int64_t seconds) = 0;
  virtual core::result<nlohmann::json> audit(std::string_view id) = 0;
  virtual core::result<std::string> audit_clip(std::string_view id) = 0;
  virtual core::result<nlohmann::json> finish_audit(std::string_view id, const nlohmann::json& body) = 0;
  virtual core::status cancel_audit(std::string_view id) = 0;
};

}  // namespace kelu::dashboard
