// SPDX-License-Identifier: Apache-2.0
#include "bucket_ledger.hpp"

namespace kelu::sync {

bucket_ledger::outcome bucket_ledger::file(const store_epochs& epochs, const std::string& store,
                                           const std::string& kind, const std::string& start,
                                           const std::string& epoch, std::int64_t revision, std::string payload) {
  const auto [it, inserted] = entries_.try_emplace({store, kind, start});
  auto& held = it->second;
  if (!inserted) {
    const int mine = epochs.rank(store, epoch);
    const int theirs = epochs.rank(store, held.epoch);
    if (mine < theirs || (mine == theirs && revision <= held.revision)) return outcome::stale;
  }
  held = {epoch, revision, std::move(payload)};
  return inserted ? outcome::first : outcome::newer;
}

std::optional<ledger_entry> bucket_ledger::find(const std::string& store, const std::string& kind,
                                                const std::string& start) const {
  const auto it = entries_.find({store, kind, start});
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

}  // namespace kelu::sync
