// SPDX-License-Identifier: Apache-2.0
#include "store_epochs.hpp"

#include <algorithm>

namespace kelu::sync {

bool store_epochs::note(const std::string& store, const std::string& epoch) {
  if (epoch.empty()) return false;
  auto& s = stores_[store];
  if (std::find(s.epochs.begin(), s.epochs.end(), epoch) != s.epochs.end()) return false;
  s.epochs.push_back(epoch);
  return true;
}

bool store_epochs::announce(const std::string& store, const std::string& epoch, const std::string& origin) {
  const bool fresh = note(store, epoch);
  if (origin == "upgraded" && !epoch.empty()) stores_[store].upgraded = epoch;
  return fresh;
}

std::string store_epochs::file_under(const std::string& store, const std::string& epoch) {
  if (!epoch.empty()) {
    note(store, epoch);
    return epoch;
  }
  const auto it = stores_.find(store);
  return it == stores_.end() ? std::string{} : it->second.upgraded;
}

int store_epochs::rank(const std::string& store, const std::string& epoch) const {
  const auto it = stores_.find(store);
  if (epoch.empty() || it == stores_.end()) return -1;
  const auto& e = it->second.epochs;
  const auto at = std::find(e.begin(), e.end(), epoch);
  return at == e.end() ? -1 : static_cast<int>(at - e.begin());
}

std::vector<std::string> store_epochs::of(const std::string& store) const {
  const auto it = stores_.find(store);
  return it == stores_.end() ? std::vector<std::string>{} : it->second.epochs;
}

}  // namespace kelu::sync
