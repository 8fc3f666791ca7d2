// SPDX-License-Identifier: Apache-2.0
#pragma once
// The text form of weekly time ranges shared by opening hours and the staff schedule:
// entries separated by ',' or ';', each "<days> HH:MM-HH:MM[ xN]" where days is "daily", a
// day ("mon") or a range ("mon-fri", "fri-mon"); an end before the start runs past midnight.
// Parsed here so the loader can reject a bad text with the key's path; kelu::analytics turns
// the ranges into UTC intervals in the store's zone.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kelu::config {

struct weekly_range {
  unsigned days = 0;  // bit 0 Monday .. bit 6 Sunday
  int from_min = 0;
  int to_min = 0;     // 1..1440; below from_min: ends the next day
  std::int64_t count = 1;
  bool operator==(const weekly_range&) const = default;
};

// On success fills `out` and returns nothing; otherwise the problem, naming the entry and
// its character offset. Headcounts ("x2") only where `allow_count`.
std::optional<std::string> parse_weekly_ranges(std::string_view text, bool allow_count, std::vector<weekly_range>& out);

}  // namespace kelu::config
