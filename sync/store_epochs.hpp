// SPDX-License-Identifier: Apache-2.0
#pragma once
// What an HQ consumer knows of each store's epochs (docs/mqtt.md, "Identity"): every database a
// store's events came from, ranked by when the consumer first heard of it, so a replaced box (a
// new epoch) outranks the one it replaced whatever the boxes' clocks said. Events sent before
// epochs existed carry none; once the store announces the epoch its database got when it was
// upgraded (`epoch_origin` "upgraded" in `status`), they are filed under that epoch.
//
// Pure bookkeeping, no I/O; not thread-safe (hq_tail holds it under its mutex).
#include <map>
#include <string>
#include <vector>

namespace kelu::sync {

class store_epochs {
 public:
  // A `status` message's announcement. True when `epoch` was not known for `store` before.
  bool announce(const std::string& store, const std::string& epoch, const std::string& origin);
  // The epoch an event is filed under: its own, or for an event without one the epoch its store's
  // database got when it was upgraded (empty while that is not known). Notes the epoch as seen.
  std::string file_under(const std::string& store, const std::string& epoch);
  // Higher is newer: the order the epochs were first seen in; -1 for "" (before epochs).
  int rank(const std::string& store, const std::string& epoch) const;
  // The store's epochs, oldest first.
  std::vector<std::string> of(const std::string& store) const;

 private:
  bool note(const std::string& store, const std::string& epoch);
  struct known {
    std::vector<std::string> epochs;  // first seen first
    std::string upgraded;             // the epoch events without one belong to
  };
  std::map<std::string, known> stores_;
};

}  // namespace kelu::sync
