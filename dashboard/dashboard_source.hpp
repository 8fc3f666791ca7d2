// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the dashboard shows, from the running agent. Called by the router on the io_context
// thread, once per request: implementations answer from what they already hold (the analytics
// service's last tick, the agent's counters) or from the local database, never from the network.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace kelu::dashboard {

class dashboard_source {
 public:
  virtual ~dashboard_source() = default;
  // Today so far (docs/dashboard.md): funnel, hours, associates, products, alerts, forecast,
  // store name, currency and zone. `null` figures before the first analytics tick.
  virtual nlohmann::json today() = 0;
  // Data health for the banner: cameras, POS sources, sync lag, coverage.
  virtual nlohmann::json health() = 0;
  // The raw events behind one local hour ("HH:MM") of a local day ("YYYY-MM-DD"); a refusal
  // says which argument is wrong.
  virtual core::result<nlohmann::json> events(std::string_view day, std::string_view hour) = 0;
  // The hourly buckets of a past local day ("YYYY-MM-DD"), as `today`'s report has them.
  virtual core::result<nlohmann::json> buckets(std::string_view day) = 0;
  // Where people stood today, per camera: person-seconds per grid cell over the closed hours,
  // with the camera's lines and zones to find one's way (never an image from the camera).
  virtual nlohmann::json heatmap() = 0;
  // The agent's counters in Prometheus' text exposition format.
  virtual std::string metrics() = 0;
  // Why there are no figures to serve at all (a box in minimal mode): the API answers 503 with it.
  virtual std::optional<std::string> unavailable() { return std::nullopt; }
};

}  // namespace kelu::dashboard
