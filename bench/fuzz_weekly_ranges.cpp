// SPDX-License-Identifier: Apache-2.0
// Any opening-hours or staff-schedule text parses into sane ranges or is refused with a
// reason, and the ranges turn into ordered UTC intervals on any day.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analytics/weekly_hours.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const bool counts : {false, true}) {
    std::vector<kelu::config::weekly_range> ranges;
    if (auto problem = kelu::config::parse_weekly_ranges(text, counts, ranges)) {
      if (problem->empty()) std::abort();
      continue;
    }
    for (const auto& r : ranges)
      if (r.days == 0 || r.days > 0x7f || r.from_min < 0 || r.from_min >= 1440 || r.to_min < 0 || r.to_min > 1440 ||
          r.from_min == r.to_min || r.count < 1 || (!counts && r.count != 1))
        std::abort();
    const auto hours = kelu::analytics::weekly_hours::parse(text, counts);
    if (!hours) std::abort();
    const auto zone = kelu::core::time_zone::utc();
    for (int d = 0; d < 8; ++d)
      for (const auto& i : hours->on(std::chrono::sys_days{std::chrono::days{20'000 + d}}, zone))
        if (i.to <= i.from || i.to - i.from > std::chrono::hours{24}) std::abort();
  }
  return 0;
}
