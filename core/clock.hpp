// SPDX-License-Identifier: Apache-2.0
#pragma once
// Time as a dependency, so tests can hold it still. Wall time for timestamps, steady
// time for intervals and deadlines.
#include <chrono>

#include "time.hpp"

namespace kelu::core {

class clock {
 public:
  virtual ~clock() = default;
  virtual utc_time now_utc() const = 0;
  virtual std::chrono::steady_clock::time_point now_steady() const = 0;
};

class system_clock final : public clock {
 public:
  utc_time now_utc() const override {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  }
  std::chrono::steady_clock::time_point now_steady() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace kelu::core
