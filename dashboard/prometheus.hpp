// SPDX-License-Identifier: Apache-2.0
#pragma once
// The agent's counters in Prometheus' text exposition format (version 0.0.4), for fleet
// operations scraping GET /metrics. Names follow Prometheus' conventions: `_total` for
// counters, base units (seconds, bytes), labels for the source, camera and drop reason.
#include <string>
#include <vector>

#include "core/event.hpp"

namespace kelu::dashboard {

struct gauge {
  std::string name;  // kelu_...
  std::string help;
  double value = 0;
};

std::string prometheus_text(const core::agent_health& h, const std::vector<gauge>& extra);

}  // namespace kelu::dashboard
