// SPDX-License-Identifier: Apache-2.0
#pragma once
// Xovis sensors' line-count data push (JSON), as a Xovis sensor sends it to an HTTP(S) data-push
// agent every interval:
//
//   {"sensor-info": {"serial-number": "...", "name": "...", ...},
//    "sensor-time": {"timezone": "Europe/Zurich", "time": "..."},
//    "content": {"element": [
//      {"element-id": 0, "element-name": "Entrance", "data-type": "LINE", "resolution": "ONE_MINUTE",
//       "measurement": [{"from": "2026-12-01T10:00:00+08:00", "to": "2026-12-01T10:01:00+08:00",
//                        "value": [{"label": "fw", "value": 3}, {"label": "bw", "value": 1}]}]}]}}
//
// Each measurement is a period of one element (a counting line): `fw` (forward, the line's
// direction) is in, `bw` out; other labels are not read. The element's name is its channel.
// Zone and occupancy pushes carry no line counts and give no reading. Pure function; no I/O.
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time_zone.hpp"
#include "counter_reading.hpp"

namespace kelu::drivers {

// An error names the path ("content.element[0].measurement[2].to: ...").
core::result<std::vector<counter_reading>> parse_xovis_push(std::string_view body, const core::time_zone& zone);

}  // namespace kelu::drivers
