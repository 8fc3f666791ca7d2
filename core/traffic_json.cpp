// SPDX-License-Identifier: Apache-2.0
#include "traffic_json.hpp"

#include <stdexcept>

namespace kelu::core::detail {

using nlohmann::json;

namespace {

utc_time time_at(const json& j, const char* key) {
  auto t = parse_iso8601(j.at(key).get<std::string>());
  if (!t) throw std::invalid_argument(std::string(key) + ": " + t.error_message());
  return *t;
}

}  // namespace

json to_json(const traffic_line_cross& p) {
  return {{"camera", p.camera},
          {"line", p.line},
          {"direction", direction_name(p.direction)},
          {"track_id", p.track_id}};
}

json to_json(const traffic_zone_dwell& p) {
  return {{"camera", p.camera},     {"zone", p.zone},         {"track_id", p.track_id},
          {"entered_at", format_iso8601(p.entered_at)}, {"dwell_ms", p.dwell_ms}, {"engaged", p.engaged}};
}

json to_json(const traffic_occupancy& p) {
  json zones = json::array();
  for (const auto& z : p.zones) zones.push_back({{"zone", z.zone}, {"people", z.people}});
  return {{"camera", p.camera}, {"zones", std::move(zones)}};
}

json to_json(const heatmap_tile& p) {
  return {{"camera", p.camera},
          {"period", p.period},
          {"start", format_iso8601(p.start)},
          {"end", format_iso8601(p.end)},
          {"cols", p.cols},
          {"rows", p.rows},
          {"frame_width", p.frame_width},
          {"frame_height", p.frame_height},
          {"cells_ds", p.cells_ds}};
}

json to_json(const camera_gap& p) {
  return {{"camera", p.camera}, {"from", format_iso8601(p.from)}, {"to", format_iso8601(p.to)}, {"reason", p.reason}};
}

json to_json(const camera_health& p) {
  json j{{"camera", p.camera},
         {"state", p.state},
         {"frames_read", p.frames_read},
         {"frames_processed", p.frames_processed},
         {"frames_dropped", p.frames_dropped},
         {"detector_runs", p.detector_runs},
         {"processed_fps_milli", p.processed_fps_milli},
         {"gaps", p.gaps},
         {"last_error", p.last_error}};
  if (p.offline_since) j["offline_since"] = format_iso8601(*p.offline_since);
  return j;
}

traffic_line_cross line_cross_from_json(const json& j) {
  traffic_line_cross p;
  p.camera = j.at("camera").get<std::string>();
  p.line = j.at("line").get<std::string>();
  const auto d = j.at("direction").get<std::string>();
  if (d != "in" && d != "out") throw std::invalid_argument("payload.direction: unknown \"" + d + "\"");
  p.direction = d == "in" ? crossing_direction::in : crossing_direction::out;
  p.track_id = j.at("track_id").get<std::int64_t>();
  return p;
}

traffic_zone_dwell zone_dwell_from_json(const json& j) {
  traffic_zone_dwell p;
  p.camera = j.at("camera").get<std::string>();
  p.zone = j.at("zone").get<std::string>();
  p.track_id = j.at("track_id").get<std::int64_t>();
  p.entered_at = time_at(j, "entered_at");
  p.dwell_ms = j.at("dwell_ms").get<std::int64_t>();
  p.engaged = j.at("engaged").get<bool>();
  return p;
}

traffic_occupancy occupancy_from_json(const json& j) {
  traffic_occupancy p;
  p.camera = j.at("camera").get<std::string>();
  for (const auto& z : j.at("zones")) p.zones.push_back({z.at("zone").get<std::string>(), z.at("people").get<std::int64_t>()});
  return p;
}

heatmap_tile heatmap_tile_from_json(const json& j) {
  heatmap_tile p;
  p.camera = j.at("camera").get<std::string>();
  p.period = j.at("period").get<std::string>();
  p.start = time_at(j, "start");
  p.end = time_at(j, "end");
  p.cols = j.at("cols").get<std::int64_t>();
  p.rows = j.at("rows").get<std::int64_t>();
  p.frame_width = j.at("frame_width").get<std::int64_t>();
  p.frame_height = j.at("frame_height").get<std::int64_t>();
  p.cells_ds = j.at("cells_ds").get<std::vector<std::int64_t>>();
  if (p.cols <= 0 || p.rows <= 0 || static_cast<std::int64_t>(p.cells_ds.size()) != p.cols * p.rows)
    throw std::invalid_argument("payload.cells_ds: expected cols × rows cells");
  return p;
}

camera_gap camera_gap_from_json(const json& j) {
  return {j.at("camera").get<std::string>(), time_at(j, "from"), time_at(j, "to"), j.at("reason").get<std::string>()};
}

json to_json(const traffic_count& p) {
  return {{"sensor", p.sensor}, {"line", p.line}, {"start", format_iso8601(p.start)}, {"end", format_iso8601(p.end)},
          {"in", p.in},         {"out", p.out},   {"pass", p.pass}, {"basis", p.basis}};
}

traffic_count traffic_count_from_json(const json& j) {
  traffic_count p;
  p.sensor = j.at("sensor").get<std::string>();
  p.line = j.at("line").get<std::string>();
  p.start = time_at(j, "start");
  p.end = time_at(j, "end");
  p.in = j.at("in").get<std::int64_t>();
  p.out = j.at("out").get<std::int64_t>();
  p.pass = j.value("pass", std::int64_t{0});
  p.basis = j.at("basis").get<std::string>();
  if (p.basis != "period" && p.basis != "cumulative")
    throw std::invalid_argument("payload.basis: unknown \"" + p.basis + "\"");
  if (p.end <= p.start) throw std::invalid_argument("payload.end: not after start");
  if (p.in < 0 || p.out < 0 || p.pass < 0) throw std::invalid_argument("payload.in/out/pass: negative count");
  return p;
}

camera_health camera_health_from_json(const json& j) {
  camera_health p;
  p.camera = j.at("camera").get<std::string>();
  p.state = j.at("state").get<std::string>();
  p.frames_read = j.at("frames_read").get<std::int64_t>();
  p.frames_processed = j.at("frames_processed").get<std::int64_t>();
  p.frames_dropped = j.at("frames_dropped").get<std::int64_t>();
  p.detector_runs = j.at("detector_runs").get<std::int64_t>();
  p.processed_fps_milli = j.at("processed_fps_milli").get<std::int64_t>();
  p.gaps = j.at("gaps").get<std::int64_t>();
  p.last_error = j.at("last_error").get<std::string>();
  if (j.contains("offline_since")) p.offline_since = time_at(j, "offline_since");
  return p;
}

}  // namespace kelu::core::detail
