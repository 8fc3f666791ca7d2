// SPDX-License-Identifier: Apache-2.0
#pragma once
// What every fault case shares: how long scripts/soak asks it to run, and the `fault_figure` line
// it prints with what it measured (scripts/soak gathers them into docs/RELIABILITY.md's table).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>

namespace kelu::test {

// KELU_FAULT_SCALE=N (scripts/soak): each case N times longer (more sales, cuts, longer outages).
inline int fault_scale() {
  const char* s = std::getenv("KELU_FAULT_SCALE");
  return s ? std::max(1, std::atoi(s)) : 1;
}

inline void fault_figure(const std::string& name, nlohmann::json values) {
  values["case"] = name;
  values["scale"] = fault_scale();
  std::cout << "fault_figure " << values.dump() << std::endl;
}

}  // namespace kelu::test
