// SPDX-License-Identifier: Apache-2.0
#include "detector_comparison.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace kelu {

using nlohmann::json;

std::vector<std::string> comparable_detectors(const config::camera_config& cam) {
  std::vector<std::string> out{"bgs"};
  if (!cam.model.empty()) out.emplace_back("dnn");
  return out;
}

std::optional<double> pooled_accuracy(const std::vector<line_audit>& lines) {
  std::int64_t errors = 0, tapped = 0;
  for (const auto& l : lines) {
    errors += std::llabs(l.in_box - l.in_tapped) + std::llabs(l.out_box - l.out_tapped);
    tapped += l.in_tapped + l.out_tapped;
  }
  if (tapped == 0) return std::nullopt;
  return std::max(0.0, 1.0 - static_cast<double>(errors) / static_cast<double>(tapped));
}

namespace {

json accuracy_or_null(const std::optional<double>& a) {
  return a ? json(std::round(*a * 10000) / 10000) : json();
}

std::string percent(double a) {
  char text[16];
  std::snprintf(text, sizeof text, "%.1f%%", a * 100);
  return text;
}

}  // namespace

json comparison_json(const std::vector<detector_score>& scores, const std::string& camera, const std::string& in_use) {
  json detectors = json::array();
  const detector_score* best = nullptr;
  const detector_score* current = nullptr;
  for (const auto& s : scores) {
    json lines = json::array();
    for (const auto& l : s.lines)
      lines.push_back({{"line", l.line}, {"in_box", l.in_box}, {"out_box", l.out_box}, {"accuracy", accuracy_or_null(l.accuracy)}});
    detectors.push_back({{"detector", s.detector},
                         {"in_use", s.detector == in_use},
                         {"accuracy", accuracy_or_null(s.pooled)},
                         {"lines", std::move(lines)},
                         {"error", s.error.empty() ? json() : json(s.error)}});
    if (s.detector == in_use) current = &s;
    if (!s.pooled) continue;
    // A tie keeps the detector in use: changing costs a restart and proves nothing.
    if (!best || *s.pooled > *best->pooled || (*s.pooled == *best->pooled && s.detector == in_use)) best = &s;
  }
  json j{{"in_use", in_use}, {"detectors", std::move(detectors)}, {"best", best ? json(best->detector) : json()},
         {"advice", json()}};
  if (best && best->detector != in_use) {
    const auto now = current && current->pooled ? percent(*current->pooled) : std::string("—");
    j["advice"] = {{"en", best->detector + " counted this clip at " + percent(*best->pooled) + " against " + now +
                              " for " + in_use + ": set cameras[" + camera + "].detector to \"" + best->detector +
                              "\" and audit again"},
                   {"zh", best->detector + " 在这段录像上准确率 " + percent(*best->pooled) + "，当前的 " + in_use + " 为 " +
                              now + "：建议将 cameras[" + camera + "].detector 改为 \"" + best->detector +
                              "\" 后再审核一次"}};
  }
  return j;
}

detector_comparison::detector_comparison(boost::asio::any_io_executor ex, recounter recount)
    : ex_(std::move(ex)), recount_(std::move(recount)) {}

detector_comparison::~detector_comparison() {
  *alive_ = false;
  cancelled_ = true;
  if (worker_.joinable()) worker_.join();
}

core::status detector_comparison::start(camera::clip recorded, config::camera_config cam,
                                        std::vector<config::camera_line_config> lines, std::vector<camera::audit_crossing> taps,
                                        std::vector<std::string> detectors,
                                        std::function<void(std::vector<detector_score>)> done) {
  if (running_) return core::error{"a detector comparison is already running"};
  if (!recount_) return core::error{"this kelu cannot recount clips (built without vision)"};
  if (worker_.joinable()) worker_.join();  // the last one has answered: its thread is ending
  running_ = true;
  cancelled_ = false;
  worker_ = std::thread([this, recorded = std::move(recorded), cam = std::move(cam), lines = std::move(lines),
                         taps = std::move(taps), detectors = std::move(detectors), done = std::move(done)]() mutable {
    std::vector<std::string> names;
    for (const auto& l : lines) names.push_back(l.name);
    std::vector<detector_score> scores;
    for (const auto& d : detectors) {
      if (cancelled_) break;  // still answers, so running() ends
      detector_score s{d, {}, {}, std::nullopt};
      if (auto counted = recount_(recorded, cam, lines, d, cancelled_)) {
        s.lines = judge_audit(names, *counted, taps);
        s.pooled = pooled_accuracy(s.lines);
      } else {
        s.error = counted.error_message();
      }
      scores.push_back(std::move(s));
    }
    boost::asio::post(ex_, [this, alive = alive_, scores = std::move(scores), done = std::move(done)]() mutable {
      if (!*alive) return;
      running_ = false;
      done(std::move(scores));
    });
  });
  return core::ok();
}

}  // namespace kelu
