// SPDX-License-Identifier: Apache-2.0
#pragma once
// A configured POS source as the agent sees it. Telegraf's Input is the model: start, stop,
// and a health snapshot; what a source reads and how it acknowledges is its own business,
// bound by event_ingest's contract (acknowledge only after commit).
#include <optional>

#include "core/event.hpp"
#include "core/result.hpp"

namespace kelu::drivers {

class source {
 public:
  virtual ~source() = default;
  // Binds, opens or starts watching; an error value (naming the config key) if it cannot.
  // Called once, on the io_context thread.
  virtual core::status start() = 0;
  // Stops taking input. After it returns the source submits nothing new; what it read and
  // has not seen committed is not acknowledged, so its peer sends it again (the dedupe
  // makes that safe). On the io_context thread.
  virtual void stop() = 0;
  // A snapshot for agent.health; any thread.
  virtual core::source_health health() const = 0;
  // Cameras also report frame figures (agent.health's cameras[]); other sources have none.
  virtual std::optional<core::camera_health> camera() const { return std::nullopt; }
};

}  // namespace kelu::drivers
