// SPDX-License-Identifier: Apache-2.0
#include "drivers/till_clock.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace kelu::drivers {

std::int64_t till_clock::nearest_zero_ms(const terminal_state& t) {
  return std::min_element(t.window.begin(), t.window.end(),
                          [](const sample& a, const sample& b) { return std::llabs(a.offset_ms) < std::llabs(b.offset_ms); })
      ->offset_ms;
}

std::optional<std::int64_t> till_clock::observe(const std::string& terminal, core::utc_time observed_at,
                                                core::utc_time received_at) {
  if (!terminals_.count(terminal) && terminals_.size() >= max_terminals) {
    const auto oldest = std::min_element(terminals_.begin(), terminals_.end(), [](const auto& a, const auto& b) {
      return a.second.last_heard < b.second.last_heard;
    });
    terminals_.erase(oldest);
  }
  auto& t = terminals_[terminal];
  t.last_heard = ++heard_;
  t.window.push_back({received_at, (observed_at - received_at).count()});
  while (t.window.size() > max_samples || t.window.front().received_at < received_at - keep) t.window.pop_front();

  const bool within = std::llabs(nearest_zero_ms(t)) < std::chrono::milliseconds(threshold).count();
  const bool enough = t.window.size() >= min_samples && t.window.back().received_at - t.window.front().received_at >= span;
  const bool was = t.off;
  if (within)
    t.off = false;
  else if (enough)
    t.off = true;  // otherwise too little to judge: the verdict stands
  if (t.off == was) return std::nullopt;
  return t.off ? nearest_zero_ms(t) / 1000 : 0;
}

std::vector<core::till_clock_offset> till_clock::offsets() const {
  std::vector<core::till_clock_offset> out;
  for (const auto& [terminal, t] : terminals_)
    if (t.off) out.push_back({terminal, nearest_zero_ms(t) / 1000});
  return out;
}

std::string till_clock_change(const std::string& terminal, std::int64_t offset_s) {
  if (offset_s == 0)
    return "terminal " + terminal + "'s clock is within " + std::to_string(till_clock::threshold.count() / 60) +
           " min of the box's again";
  const auto off = std::llabs(offset_s);
  return "terminal " + terminal + "'s clock is " + std::to_string(off / 3600) + " h " +
         std::to_string(off % 3600 / 60) + " min " + (offset_s > 0 ? "ahead of" : "behind") +
         " the box's; its sales keep the till's time, so set the till's clock";
}

}  // namespace kelu::drivers
