// SPDX-License-Identifier: Apache-2.0
#include "camera_options.hpp"

namespace kelu::vision {

pipeline_options pipeline_options_for(const config::camera_config& cam) {
  pipeline_options po;
  for (const auto& l : cam.lines) po.lines.push_back({l.name, {l.from.x, l.from.y}, {l.to.x, l.to.y}});
  for (const auto& z : cam.zones) {
    zone_definition d{z.name, {}, z.staff_only};
    for (const auto& pt : z.polygon) d.polygon.push_back({pt.x, pt.y});
    po.zones.push_back(std::move(d));
  }
  po.zoning.engaged_dwell_s = static_cast<double>(cam.engaged_dwell_s);
  po.zoning.staff_after_s = static_cast<double>(cam.staff_after_h) * 3600;
  po.motion_gate = cam.motion_gate;
  po.heat_cols = static_cast<int>(cam.heat_cols);
  po.heat_rows = static_cast<int>(cam.heat_rows);
  return po;
}

detector_options detector_options_for(const config::camera_config& cam) {
  detector_options d;
  d.kind = cam.detector;
  d.model = cam.model;
  d.person_height_px = static_cast<double>(cam.person_height_px);
  return d;
}

}  // namespace kelu::vision
