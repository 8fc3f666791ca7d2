// SPDX-License-Identifier: Apache-2.0
#pragma once
// A staged configuration push (`kelu-hq config push`, docs/hq.md "Pushing configuration"), as a
// state machine without I/O: which stores get HQ's desired configuration now, and what each
// answered. The canary stores get it first; the rest only once every canary answered `applied` on
// config/reported, is online, and stayed so for `soak` with nothing worse heard. A canary that
// rolls back, rejects it, goes offline, does not answer in time, or applies but is not seen online
// within the deadline halts the push: the rest are never sent it.
//
// Fed what the boxes publish (config/reported, status), each with the steady time it came; the
// caller publishes what publish_now() names and records the table at the end.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hq/store_fields.hpp"

namespace kelu::hq {

using steady = std::chrono::steady_clock;

struct rollout_options {
  std::int64_t version = 0;
  std::chrono::seconds soak{60};      // how long applied canaries must stay healthy
  std::chrono::seconds deadline{900};  // per stage: how long a store may take to answer
};

// Where one store stands. Final: applied, rolled_back, rejected, no_answer, not_sent, offline.
struct store_outcome {
  std::string store;
  bool canary = false;
  std::string state = "pending";  // pending, sent, restarting, applied, rolled_back, rejected, no_answer,
                                  // not_sent (a canary halted the push), offline (went offline after applying)
  std::string detail;             // errors or reasons as the box gave them
  steady::time_point sent{};
  steady::time_point answered{};
};

class rollout {
 public:
  // `canaries` are among `stores`; every store appears once.
  rollout(std::vector<std::string> stores, const std::vector<std::string>& canaries, rollout_options options);

  // The stores to publish to now (each is then `sent`); empty while waiting.
  std::vector<std::string> publish_now(steady::time_point now);
  void on_reported(const std::string& store, const nlohmann::json& reported, steady::time_point now);
  void on_status(const std::string& store, const nlohmann::json& status, steady::time_point now);
  // Marks stores that ran out of time; true once every store has its final state.
  bool settle(steady::time_point now);
  bool halted() const { return halted_; }
  const std::string& halt_reason() const { return halt_reason_; }
  const std::vector<store_outcome>& outcomes() const { return outcomes_; }

 private:
  store_outcome* find(const std::string& store);
  bool canaries_passed(steady::time_point now) const;
  void halt(const std::string& why);

  std::vector<store_outcome> outcomes_;
  std::map<std::string, bool> online_;
  rollout_options options_;
  bool rest_released_ = false;
  bool halted_ = false;
  std::string halt_reason_;
  steady::time_point started_{};
  steady::time_point rest_sent_{};
};

// Picks `count` canaries spread by a stable hash of (version, store), so pushes rotate the stores
// that go first and a given push always picks the same ones.
std::vector<std::string> pick_canaries(const std::vector<std::string>& stores, std::size_t count, std::int64_t version);

}  // namespace kelu::hq
