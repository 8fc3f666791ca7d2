// SPDX-License-Identifier: Apache-2.0
#pragma once
// How a people counter's reports (traffic.count) enter a day's analysis. Internal to
// kelu::analytics. A counter reports counts per period, not per person, so its counts are
// shared among the quarters a period overlaps (exactly: the shares add up to the count), and
// its coverage is the time its periods cover: a period it did not report is a gap, the same
// as a camera's outage.
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "weekly_hours.hpp"

namespace kelu::analytics {

// Per counter in `counters`: the time in [from, to) that none of its reports in `events` covers.
std::map<std::string, std::vector<utc_interval>> counter_gaps(std::span<const core::event* const> events,
                                                              const std::set<std::string>& counters,
                                                              core::utc_time from, core::utc_time to);

// `count` shared among consecutive `step`-long buckets starting at `origin`, in proportion to
// the overlap of [start, end) with each (largest remainder, so the shares add up to `count`).
// Index i is the bucket starting at origin + i·step; buckets before `origin` are left out and
// their share with them. A period longer than 31 days is not shared out (empty).
struct share {
  std::size_t bucket = 0;
  std::int64_t count = 0;
};
std::vector<share> spread(std::int64_t count, core::utc_time start, core::utc_time end, core::utc_time origin,
                          std::chrono::milliseconds step);

}  // namespace kelu::analytics
