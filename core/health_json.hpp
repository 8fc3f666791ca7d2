// SPDX-License-Identifier: Apache-2.0
#pragma once
// agent.health's payload as JSON (docs/schemas/event.schema.json), for whoever shows it
// besides the event encoder: the dashboard's health API.
#include <nlohmann/json.hpp>

#include "event.hpp"

namespace kelu::core {

nlohmann::json to_json(const agent_health& h);

}  // namespace kelu::core
