// SPDX-License-Identifier: Apache-2.0
#include "clock_watch.hpp"

namespace kelu::core {

std::optional<std::chrono::milliseconds> clock_watch::observe(utc_time wall, std::chrono::steady_clock::time_point steady) {
  const auto previous = last_;
  last_ = {wall, steady};
  if (!previous) return std::nullopt;
  const auto wall_moved = wall - previous->first;
  const auto steady_moved = std::chrono::duration_cast<std::chrono::milliseconds>(steady - previous->second);
  const auto step = wall_moved - steady_moved;
  if (step < tolerance_ && step > -tolerance_) return std::nullopt;
  ++seen_.count;
  seen_.last_step_s = std::chrono::duration_cast<std::chrono::seconds>(step).count();
  seen_.last_at = wall;
  return step;
}

}  // namespace kelu::core
