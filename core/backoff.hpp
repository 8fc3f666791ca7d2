// SPDX-License-Identifier: Apache-2.0
#pragma once
// Capped exponential backoff with full jitter: every retry loop in Kelu uses it, so a
// thousand stores coming back after an outage do not reconnect in lockstep.
#include <chrono>
#include <cstdint>
#include <random>

namespace kelu::core {

class backoff {
 public:
  backoff(std::chrono::milliseconds first, std::chrono::milliseconds cap, std::uint64_t seed);

  // The delay before the next attempt: uniform in [ceiling/2, ceiling], where ceiling
  // doubles per failure from `first` up to `cap`.
  std::chrono::milliseconds next();
  void reset() { failures_ = 0; }
  int failures() const { return failures_; }

 private:
  std::chrono::milliseconds first_;
  std::chrono::milliseconds cap_;
  int failures_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace kelu::core
