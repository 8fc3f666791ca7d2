// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the agent's files share (agent.cpp, agent_changes.cpp, agent_health.cpp): the store's
// identity from the running config. Internal to kelu_agent.
#include "analytics/report_json.hpp"
#include "config/config.hpp"

namespace kelu {

inline analytics::store_identity store_identity_of(const config::config& c) {
  return {c.store.tenant, c.store.id, c.store.name, c.store.currency};
}

}  // namespace kelu
