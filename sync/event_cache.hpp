// SPDX-License-Identifier: Apache-2.0
#pragma once
// Decoded events kept current from the store, so that analytics, which recomputes today on every
// tick, decodes each stored event once rather than the whole day's JSON every 15 s (decoding was
// 7x the cost of reading the rows; docs/BENCHMARKS.md, Analytics).
//
// What arrived since the last read is found by seq: the store assigns each source's seqs at
// commit, gap-free, in the transaction that stores the rows (event_store::last_seqs), so the rows
// of a source beyond the seq last read are exactly what was committed since, by this process or
// another (`kelu ingest`). Stored events never change; a prune deletes some, and then the cache
// reads its spans afresh. Bounded: at most `max_entries` sets of spans, the least recently used
// dropped first.
//
// Threading: one thread (the analytics service's, the io_context's); the store is not shared
// with another thread while a call runs.
#include <cstdint>
#include <list>
#include <vector>

#include "core/event.hpp"
#include "event_store.hpp"

namespace kelu::sync {

struct event_cache_stats {
  std::int64_t full_reads = 0;    // spans read whole: first use, after a prune, after being dropped
  std::int64_t refreshes = 0;     // reads of only what arrived since
  std::int64_t rows_decoded = 0;  // events decoded, by either read
  std::int64_t events_held = 0;   // in memory now, over every entry
};

class event_cache {
 public:
  // `store` outlives the cache.
  event_cache(event_store& store, std::size_t max_entries);

  // The events of `spans`, the same set event_store::observed_in returns for them with every
  // seq stored so far, in no particular order. The reference is valid until the next call.
  // Rows that do not decode are skipped and counted in `undecodable` once, when first read.
  const std::vector<core::event>& observed(const std::vector<event_span>& spans,
                                           std::int64_t* undecodable = nullptr);

  const event_cache_stats& stats() const { return stats_; }

 private:
  struct entry {
    std::vector<event_span> spans;
    seq_marks read;  // per source, the last seq read
    std::int64_t pruned = 0;
    std::vector<core::event> events;
  };
  entry& find_or_add(const std::vector<event_span>& spans);

  event_store& store_;
  std::size_t max_entries_;
  std::list<entry> entries_;  // most recently used first
  event_cache_stats stats_;
};

}  // namespace kelu::sync
