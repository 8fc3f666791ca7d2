// SPDX-License-Identifier: Apache-2.0
#pragma once
// After an accuracy audit, the clip counted again by every detector this camera could run, each
// judged against the technician's taps: which detector counts this door best, measured on its own
// footage (issue 17: the detector per camera chosen from measured accuracy, not habit). The
// figure that counts for the installation stays the live audit's; this one says what to change.
//
// The recounts run on a thread of this object's, one comparison at a time; the answer comes on
// the executor. Destroying it (on the executor's thread) cancels a comparison under way at its
// next frame and waits for the thread; the answer is then never delivered.
#include <boost/asio/any_io_executor.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/accuracy_audit.hpp"
#include "camera/camera_control.hpp"
#include "core/result.hpp"
#include "config/config.hpp"

namespace kelu {

// recount_clip (clip_recount.hpp) or a stand-in in tests; `cancelled` is set when the answer is
// no longer wanted.
using recounter = std::function<core::result<std::vector<camera::audit_crossing>>(
    const camera::clip&, const config::camera_config&, const std::vector<config::camera_line_config>&,
    const std::string& detector, const std::atomic<bool>& cancelled)>;

struct detector_score {
  std::string detector;
  std::string error;              // the recount failed (the clip could not be read, no model)
  std::vector<line_audit> lines;  // judged against the taps
  std::optional<double> pooled;   // over every line; none when nothing was tapped
};

// bgs always; dnn when the camera names a model. Not hog: a second a frame on a box.
std::vector<std::string> comparable_detectors(const config::camera_config& cam);

// 1 − Σ(|in − in_tapped| + |out − out_tapped|) ÷ Σ tapped over the lines, at least 0.
std::optional<double> pooled_accuracy(const std::vector<line_audit>& lines);

// {"in_use", "detectors": [{"detector", "in_use", "accuracy", "lines": [{line, in_box, out_box,
// accuracy}], "error"}], "best": name or null, "advice": {"en", "zh"} or null}. Best: the highest
// pooled accuracy, the detector in use on a tie; advice only when best is another detector.
nlohmann::json comparison_json(const std::vector<detector_score>& scores, const std::string& camera,
                               const std::string& in_use);

class detector_comparison {
 public:
  detector_comparison(boost::asio::any_io_executor ex, recounter recount);
  ~detector_comparison();
  detector_comparison(const detector_comparison&) = delete;
  detector_comparison& operator=(const detector_comparison&) = delete;

  bool running() const { return running_; }
  // The answer is no longer wanted (the audit ended): the recount stops at its next frame and
  // answers with what it has.
  void cancel() { cancelled_ = true; }
  // Recounts `recorded` with each of `detectors` and judges each against `taps`; `done` on the
  // executor. The clip's file must stay until then. Refused while another runs.
  core::status start(camera::clip recorded, config::camera_config cam, std::vector<config::camera_line_config> lines,
                     std::vector<camera::audit_crossing> taps, std::vector<std::string> detectors,
                     std::function<void(std::vector<detector_score>)> done);

 private:
  boost::asio::any_io_executor ex_;
  recounter recount_;
  std::thread worker_;
  std::atomic<bool> cancelled_{false};
  bool running_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kelu
