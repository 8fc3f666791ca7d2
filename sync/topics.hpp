// SPDX-License-Identifier: Apache-2.0
#pragma once
// The MQTT topic tree (docs/mqtt.md): kelu/v1/{tenant}/{store}/...
#include <string>

#include "core/event.hpp"
#include "outbox_address.hpp"

namespace kelu::sync {

class topics {
 public:
  topics(std::string tenant, std::string store);
  const std::string& root() const { return root_; }  // "kelu/v1/acme/store-001/"
  std::string status() const { return root_ + "status"; }
  std::string events(const std::string& stream) const { return root_ + "events/" + stream; }
  std::string stats() const { return root_ + "stats"; }
  // Where the backlog lane's compressed batches of one stream go: backfill/{stream}.
  std::string backfill_root() const { return root_ + "backfill/"; }
  // kind "funnel.hour" -> metrics/funnel/hour; "report.day" -> metrics/report/day.
  std::string metrics(const std::string& kind) const;
  std::string live() const { return root_ + "live"; }
  std::string alerts() const { return root_ + "alerts"; }
  std::string config_desired() const { return root_ + "config/desired"; }    // HQ -> box, retained
  std::string config_reported() const { return root_ + "config/reported"; }  // box -> HQ, retained
  std::string config_changes() const { return root_ + "config/changes"; }    // box -> HQ, the audit log
  std::string software_desired() const { return root_ + "software/desired"; }    // HQ -> box, retained
  std::string software_reported() const { return root_ + "software/reported"; }  // box -> HQ, retained
  // The version HQ wants on every box of the tenant, retained; a store's own software/desired wins.
  // No store topic ends this way: a store's topics all have a level after its id's.
  const std::string& estate_software_desired() const { return estate_software_; }
  std::string commands() const { return root_ + "cmd/#"; }  // what the box subscribes to
  std::string command(const std::string& name) const { return root_ + "cmd/" + name; }
  std::string reply(const std::string& name) const { return root_ + "reply/" + name; }

 private:
  std::string root_;
  std::string estate_software_;
};

// Drop priorities under the outbox quota: raw events go first, aggregates last.
inline constexpr int raw_priority = 0;
inline constexpr int health_priority = 1;
inline constexpr int aggregate_priority = 2;

// How one event travels: topic, QoS, retain, drop priority and kind (an event of its stream, or
// the agent's health on stats).
outbox_address route_for(const core::event& e, const topics& t);

}  // namespace kelu::sync
