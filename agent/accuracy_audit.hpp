// SPDX-License-Identifier: Apache-2.0
#pragma once
// An accuracy audit judged (docs/dashboard.md, "Accuracy audit"): the crossings a technician
// tapped while watching a clip against the ones the box counted over the same frames, per line.
// Accuracy is the counter vendors' and bench/vision_accuracy's figure,
//   1 − (|in − in_tapped| + |out − out_tapped|) ÷ (in_tapped + out_tapped), at least 0,
// and none (with "no_crossings") for a line nobody crossed: it proves nothing. Crossings are
// also paired in time (same line and direction, within `tolerance`, closest first) so the technician sees
// which ones the box missed and which it counted that were not there. Pure.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "camera/camera_control.hpp"
#include "core/time.hpp"

namespace kelu {

struct line_audit {
  std::string line;
  std::int64_t in_box = 0, out_box = 0;
  std::int64_t in_tapped = 0, out_tapped = 0;
  std::optional<double> accuracy;
  std::vector<camera::audit_crossing> missed;  // tapped, with no counted crossing near it
  std::vector<camera::audit_crossing> extra;   // counted, with no tap near it
};

// The accuracy above from the four counts; none when nothing was tapped.
std::optional<double> count_accuracy(std::int64_t in_box, std::int64_t out_box, std::int64_t in_tapped,
                                     std::int64_t out_tapped);

// `lines`: the camera's lines when the clip was recorded; crossings on other lines are ignored.
std::vector<line_audit> judge_audit(const std::vector<std::string>& lines, const std::vector<camera::audit_crossing>& counted,
                                    const std::vector<camera::audit_crossing>& tapped,
                                    std::chrono::milliseconds tolerance = std::chrono::milliseconds(2000));

}  // namespace kelu
