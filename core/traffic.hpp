// SPDX-License-Identifier: Apache-2.0
#pragma once
// Payloads of what cameras report: only counts, durations and grids, never an image.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "time.hpp"

namespace kelu::core {

// One type for both sides of the camera runtime: the line counter's crossings become events
// without a conversion.
enum class crossing_direction { in, out };
inline const char* direction_name(crossing_direction d) { return d == crossing_direction::in ? "in" : "out"; }

// A person's foot point crossed a counting line; `in` is the line's right-hand side
// (config: cameras[].lines). The envelope's observed_at is the frame's time.
struct traffic_line_cross {
  std::string camera;
  std::string line;
  crossing_direction direction = crossing_direction::in;
  std::int64_t track_id = 0;  // unique per camera run; lets HQ pair an in with a later out
  bool operator==(const traffic_line_cross&) const = default;
};

// A visit to a zone ended (observed_at is when the person left it).
struct traffic_zone_dwell {
  std::string camera;
  std::string zone;
  std::int64_t track_id = 0;
  utc_time entered_at{};
  std::int64_t dwell_ms = 0;
  bool engaged = false;  // dwell ≥ cameras[].engaged_dwell_s
  bool operator==(const traffic_zone_dwell&) const = default;
};

struct zone_count {
  std::string zone;
  std::int64_t people = 0;
  bool operator==(const zone_count&) const = default;
};

// People in each zone at observed_at (staff excluded).
struct traffic_occupancy {
  std::string camera;
  std::vector<zone_count> zones;
  bool operator==(const traffic_occupancy&) const = default;
};

// Person-seconds per cell of a camera's frame over an hour or a day (tenths of a second,
// integers, row-major from the top-left): where people stood, from their foot points.
struct heatmap_tile {
  std::string camera;
  std::string period;  // "hour" | "day"
  utc_time start{};
  utc_time end{};
  std::int64_t cols = 0;
  std::int64_t rows = 0;
  std::int64_t frame_width = 0;
  std::int64_t frame_height = 0;
  std::vector<std::int64_t> cells_ds;
  bool operator==(const heatmap_tile&) const = default;
};

// The camera saw nothing between `from` and `to` (stream down, decoder failure, agent
// stopped): counts for that time are missing, not zero.
struct camera_gap {
  std::string camera;
  utc_time from{};
  utc_time to{};
  std::string reason;
  bool operator==(const camera_gap&) const = default;
};

// A people counter already on the ceiling (Hikvision, Dahua, Axis) counted `in` and `out`
// crossings of its line over [start, end). The envelope's observed_at is `start`. The sensor
// plays a camera's part in the funnel: its line has a role (config: counters[].role), and the
// periods it reported are the time it saw; time it did not report is a gap in its coverage.
struct traffic_count {
  std::string sensor;  // the configured counter id
  std::string line;    // the counter's line (config: counters[].line)
  utc_time start{};
  utc_time end{};
  std::int64_t in = 0;
  std::int64_t out = 0;
  std::int64_t pass = 0;  // walked past the door without entering, where the device counts it
  // "period": the device's own counts for the interval; "cumulative": the difference of two
  // readings of its running totals (the device counts, Kelu subtracts).
  std::string basis = "period";
  bool operator==(const traffic_count&) const = default;
};

// One camera's figures in agent.health.
struct camera_health {
  std::string camera;
  std::string state;  // "online" | "offline"
  std::int64_t frames_read = 0;
  std::int64_t frames_processed = 0;
  std::int64_t frames_dropped = 0;  // replaced in the mailbox before the vision thread took them
  std::int64_t detector_runs = 0;   // frames the motion gate let through
  std::int64_t processed_fps_milli = 0;
  std::int64_t gaps = 0;
  std::string last_error;
  std::optional<utc_time> offline_since;  // while offline: since when (alerts: "camera offline > 5 min")
  bool operator==(const camera_health&) const = default;
};

}  // namespace kelu::core
