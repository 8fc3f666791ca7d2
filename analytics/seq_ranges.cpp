// SPDX-License-Identifier: Apache-2.0
#include "seq_ranges.hpp"

#include <algorithm>
#include <iterator>

namespace kelu::analytics {

void seq_ranges::add(const std::string& source, std::int64_t first, std::int64_t last) {
  auto& runs = runs_[source];
  // Swallow every run that overlaps or touches [first, last], then insert the union.
  auto it = runs.upper_bound(first);
  if (it != runs.begin() && std::prev(it)->second + 1 >= first) --it;
  while (it != runs.end() && it->first <= last + 1) {
    first = std::min(first, it->first);
    last = std::max(last, it->second);
    it = runs.erase(it);
  }
  runs.emplace(first, last);
}

void seq_ranges::add(const seq_ranges& other) {
  for (const auto& [source, runs] : other.runs_)
    for (const auto& [first, last] : runs) add(source, first, last);
}

std::vector<seq_range> seq_ranges::ranges() const {
  std::vector<seq_range> out;
  for (const auto& [source, runs] : runs_)
    for (const auto& [first, last] : runs) out.push_back({source, first, last});
  return out;
}

std::int64_t seq_ranges::count() const {
  std::int64_t n = 0;
  for (const auto& [source, runs] : runs_)
    for (const auto& [first, last] : runs) n += last - first + 1;
  return n;
}

bool seq_ranges::contains(const std::string& source, std::int64_t seq) const {
  const auto it = runs_.find(source);
  if (it == runs_.end()) return false;
  auto next = it->second.upper_bound(seq);
  if (next == it->second.begin()) return false;
  return std::prev(next)->second >= seq;
}

}  // namespace kelu::analytics
