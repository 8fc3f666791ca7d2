// SPDX-License-Identifier: Apache-2.0
#pragma once
// Inbound commands from HQ (`cmd/{name}`). Every command gets exactly one reply on
// `reply/{name}`, queued through the outbox like everything else, so a reply survives a
// lost link. A malformed, oversized (> 64 KiB) or unknown command gets an error reply and
// changes nothing.
// On the io_context thread.
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "event_store.hpp"
#include "outbox.hpp"
#include "topics.hpp"

namespace spdlog {
class logger;
}

namespace kelu::sync {

class command_handler {
 public:
  command_handler(database& db, event_store& store, outbox& out, topics t, const core::clock& clock,
                  std::shared_ptr<spdlog::logger> log);

  // Returns true when a reply was queued (always, for topics under cmd/).
  bool handle(const std::string& topic, const std::string& payload);

 private:
  void reply(const std::string& name, const std::string& payload);

  database& db_;
  event_store& store_;
  outbox& out_;
  topics topics_;
  const core::clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace kelu::sync
