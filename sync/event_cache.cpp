// SPDX-License-Identifier: Apache-2.0
#include "event_cache.hpp"

#include <iterator>

namespace kelu::sync {

event_cache::event_cache(event_store& store, std::size_t max_entries)
    : store_(store), max_entries_(max_entries == 0 ? 1 : max_entries) {}

event_cache::entry& event_cache::find_or_add(const std::vector<event_span>& spans) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if (it->spans == spans) {
      entries_.splice(entries_.begin(), entries_, it);
      return entries_.front();
    }
  if (entries_.size() >= max_entries_) {
    stats_.events_held -= static_cast<std::int64_t>(entries_.back().events.size());
    entries_.pop_back();
  }
  entries_.push_front(entry{spans, {}, store_.pruned(), {}});
  return entries_.front();
}

const std::vector<core::event>& event_cache::observed(const std::vector<event_span>& spans,
                                                      std::int64_t* undecodable) {
  auto& e = find_or_add(spans);
  if (e.pruned != store_.pruned()) {  // rows went away: start over
    stats_.events_held -= static_cast<std::int64_t>(e.events.size());
    e.events.clear();
    e.read.clear();
    e.pruned = store_.pruned();
  }
  // The marks first: a row committed after this read has a seq beyond them and waits for the
  // next call rather than being read twice.
  auto upto = store_.last_seqs();
  ++(e.read.empty() ? stats_.full_reads : stats_.refreshes);
  auto fresh = store_.observed_in(spans, e.read, upto, undecodable);
  stats_.rows_decoded += static_cast<std::int64_t>(fresh.size());
  stats_.events_held += static_cast<std::int64_t>(fresh.size());
  e.events.insert(e.events.end(), std::make_move_iterator(fresh.begin()), std::make_move_iterator(fresh.end()));
  e.read = std::move(upto);
  return e.events;
}

}  // namespace kelu::sync
