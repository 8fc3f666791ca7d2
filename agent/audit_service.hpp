// SPDX-License-Identifier: Apache-2.0
#pragma once
// Accuracy audits on the box, as people-counter vendors sell them (docs/dashboard.md, "Accuracy
// audit"): a technician starts one from the technician page, the camera records a short clip of
// the frames it analyses, the technician plays it on the page and taps each crossing in or out,
// and the box compares the taps with what it counted over the same frames. The audited accuracy
// per line is kept (sync::audit_store) and shown on the manager's page and in `status`.
//
// Privacy: the clip is written to `dir` on the box only (owner-only), served only inside a
// technician's session with Cache-Control: no-store, and deleted when the audit has ended:
// finished (and, with a recounter, once every detector has counted it again for the comparison,
// detector_comparison.hpp), cancelled, left for `clip_lifetime`, or found left over at start. One
// audit at a time.
// On the io_context thread; calls that touch SQLite throw std::runtime_error when it fails.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/camera_registry.hpp"
#include "agent/detector_comparison.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/time_zone.hpp"
#include "config/config.hpp"

namespace spdlog {
class logger;
}
namespace kelu::sync {
class event_store;
class audit_store;
}  // namespace kelu::sync

namespace kelu {

struct audit_limits {
  std::int64_t min_seconds = 10;
  std::int64_t max_seconds = 120;
  std::chrono::minutes clip_lifetime{30};  // a recorded clip nobody finishes is deleted after this
};

class audit_service {
 public:
  // `cfg` is the agent's running configuration (it outlives this service; cameras' lines change under it).
  audit_service(boost::asio::any_io_executor ex, std::filesystem::path dir, const camera_registry& cameras,
                const config::config& cfg, sync::event_store& events, sync::audit_store& audits,
                const core::clock& clock, core::time_zone zone, std::shared_ptr<spdlog::logger> log,
                recounter recount = {}, audit_limits limits = {});
  ~audit_service();  // deletes a clip still on the box
  audit_service(const audit_service&) = delete;
  audit_service& operator=(const audit_service&) = delete;

  // Called after an audit is stored (the agent republishes `status`).
  void on_audited(std::function<void()> listener) { on_audited_ = std::move(listener); }
  // Starts recording `seconds` of `camera`. Refused (with why): an unknown or offline camera, a
  // length outside the limits, another audit under way.
  core::result<nlohmann::json> start(std::string_view camera, std::int64_t seconds);
  // {"id", "camera", "state": "recording"|"ready"|"failed"|"comparing"|"compared", "seconds",
  // "error", and once ready "width", "height", "lines" (as drawn), "frames": [[offset, size, ms
  // after the first]...]; once compared "comparison" (comparison_json) and no clip}. The last
  // compared audit answers until the next one starts.
  core::result<nlohmann::json> state(std::string_view id) const;
  // The clip's bytes (the frames' JPEGs back to back), once ready.
  core::result<std::string> clip_bytes(std::string_view id) const;
  // {"taps": [{"line", "direction": "in"|"out", "frame": index}]}: judged against the box's own
  // crossings over the clip's frames, stored; the result per line with what the box missed and
  // counted extra, and "comparison": "running" while the clip is counted again by each detector
  // (state() then has it), else the clip is deleted now. A bad tap is refused naming it
  // ("taps[3].frame: ...").
  core::result<nlohmann::json> finish(std::string_view id, const nlohmann::json& body);
  // Ends the audit without a result and deletes its clip; a comparison under way stops at its next frame.
  core::status cancel(std::string_view id);
  // Detectors are still counting a clip again (until their answer comes, even after a cancel).
  bool comparing() const { return comparison_.running(); }
  // Every line of every camera with its latest audit, or none ("never"), and the door lines
  // pooled: what the manager's page and `status` show.
  nlohmann::json audited_lines() const;

 private:
  struct audit;
  void on_recorded(core::result<camera::clip> recorded);
  void on_compared(const std::string& id, const std::vector<detector_score>& scores);
  void end(const char* why);
  core::result<audit*> find(std::string_view id) const;
  const config::camera_config* camera_config(std::string_view id) const;

  boost::asio::steady_timer expiry_;
  std::filesystem::path dir_;
  const camera_registry& cameras_;
  const config::config& cfg_;
  sync::event_store& events_;
  sync::audit_store& audits_;
  const core::clock& clock_;
  core::time_zone zone_;
  std::shared_ptr<spdlog::logger> log_;
  audit_limits limits_;
  std::unique_ptr<audit> current_;
  detector_comparison comparison_;
  nlohmann::json compared_;  // the last audit whose comparison ended
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // a camera's late answer finds it gone
  std::function<void()> on_audited_;
};

}  // namespace kelu
