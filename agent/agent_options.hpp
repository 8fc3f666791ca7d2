// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the agent's files share (agent.cpp, agent_changes.cpp, agent_health.cpp): options built
// from the running config for the parts the agent owns. Internal to kelu_agent.
#include <chrono>

#include "agent/analytics_service.hpp"
#include "config/config.hpp"

namespace kelu {

inline analytics_service_options analytics_options_for(const config::config& c) {
  analytics_service_options o;
  o.close_grace = std::chrono::seconds(c.analytics.close_grace_s);
  o.live_interval = std::chrono::seconds(c.analytics.live_interval_s);
  o.forecast.weeks = static_cast<int>(c.analytics.forecast_weeks);
  o.forecast.target_star = static_cast<double>(c.analytics.target_star);
  return o;
}

inline analytics::store_identity store_identity_of(const config::config& c) {
  return {c.store.tenant, c.store.id, c.store.name, c.store.currency};
}

}  // namespace kelu
