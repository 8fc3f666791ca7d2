// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal to kelu::core: the JSON forms of the camera payloads (docs/schemas/event.schema.json).
#include <nlohmann/json.hpp>

#include "traffic.hpp"

namespace kelu::core::detail {

nlohmann::json to_json(const traffic_line_cross& p);
nlohmann::json to_json(const traffic_zone_dwell& p);
nlohmann::json to_json(const traffic_occupancy& p);
nlohmann::json to_json(const heatmap_tile& p);
nlohmann::json to_json(const camera_gap& p);
nlohmann::json to_json(const camera_health& p);
nlohmann::json to_json(const traffic_count& p);

// Throw std::exception on a missing or mistyped field.
traffic_line_cross line_cross_from_json(const nlohmann::json& j);
traffic_zone_dwell zone_dwell_from_json(const nlohmann::json& j);
traffic_occupancy occupancy_from_json(const nlohmann::json& j);
heatmap_tile heatmap_tile_from_json(const nlohmann::json& j);
camera_gap camera_gap_from_json(const nlohmann::json& j);
camera_health camera_health_from_json(const nlohmann::json& j);
traffic_count traffic_count_from_json(const nlohmann::json& j);

}  // namespace kelu::core::detail
