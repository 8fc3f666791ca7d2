// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the dashboard shows, from the running agent (dashboard::dashboard_source): today from
// the analytics service's last tick, health from the agent's own counters, the events behind an
// hour from the store. On the io_context thread, like everything it reads.
#include <functional>
#include <string>

#include "analytics/report_json.hpp"
#include "agent/camera_registry.hpp"
#include "core/clock.hpp"
#include "core/time_zone.hpp"
#include "dashboard/dashboard_source.hpp"
#include "config/config.hpp"

namespace kelu::sync {
class event_store;
class run_log;
}  // namespace kelu::sync
namespace kelu::analytics {
class analytics_service;
}  // namespace kelu::analytics

namespace kelu {

class audit_service;

class dashboard_view : public dashboard::dashboard_source {
 public:
  dashboard_view(analytics::analytics_service& analytics, sync::event_store& store, sync::run_log& runs,
                 const core::time_zone& zone, analytics::store_identity identity,
                 const core::clock& clock, std::function<core::agent_health()> health, const config::config& cfg,
                 const camera_registry& cameras, const audit_service* audits);

  nlohmann::json today() override;
  nlohmann::json health() override;
  core::result<nlohmann::json> events(std::string_view day, std::string_view hour) override;
  core::result<nlohmann::json> buckets(std::string_view day) override;
  nlohmann::json heatmap() override;
  std::string metrics() override;

 private:
  analytics::analytics_service& analytics_;
  sync::event_store& store_;
  sync::run_log& runs_;
  const core::time_zone& zone_;
  analytics::store_identity identity_;
  const core::clock& clock_;
  std::function<core::agent_health()> health_;
  const config::config& cfg_;  // the agent's running config: cameras' lines and zones for the heat map
  const camera_registry& cameras_;  // the hour in progress of the heat map
  const audit_service* audits_;           // the lines' audited accuracy; may be null
};

}  // namespace kelu
