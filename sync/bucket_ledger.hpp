// SPDX-License-Identifier: Apache-2.0
#pragma once
// The latest version of every closed aggregate an HQ consumer has received (funnel buckets, day
// reports, weekly reviews), keyed by (store, kind, start) as docs/mqtt.md says: within an epoch
// the higher `revision` wins; across epochs the newer epoch wins (store_epochs ranks them), so
// the replaced box's figures are never overwritten by the old box's late revisions, nor the new
// box's revision 1 ignored for being lower than the old box's 3.
//
// Pure bookkeeping, no I/O; not thread-safe (hq_tail holds it under its mutex).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "store_epochs.hpp"

namespace kelu::sync {

struct ledger_entry {
  std::string epoch;  // the epoch it was filed under ("" before epochs)
  std::int64_t revision = 0;
  std::string payload;
};

class bucket_ledger {
 public:
  enum class outcome { first, newer, stale };
  // Files one aggregate; `epoch` as store_epochs::file_under() gave it.
  outcome file(const store_epochs& epochs, const std::string& store, const std::string& kind,
               const std::string& start, const std::string& epoch, std::int64_t revision, std::string payload);
  std::optional<ledger_entry> find(const std::string& store, const std::string& kind, const std::string& start) const;
  std::size_t size() const { return entries_.size(); }

 private:
  std::map<std::tuple<std::string, std::string, std::string>, ledger_entry> entries_;
};

}  // namespace kelu::sync
