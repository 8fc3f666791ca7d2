// SPDX-License-Identifier: Apache-2.0
// Any bytes as a Hikvision push: readings or an error naming the fault, never a crash; a period
// always ends after it starts, within a day, and no count is negative.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "drivers/counters/hikvision_counting.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto zone = kelu::core::time_zone::utc();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto r = kelu::drivers::parse_hikvision_alert(body, zone);
  if (!r) {
    if (r.error_message().empty()) std::abort();
    return 0;
  }
  for (const auto& c : *r) {
    if (c.in < 0 || c.out < 0 || c.pass < 0) std::abort();
    if (c.cumulative ? c.start != c.end : (c.end <= c.start || c.end - c.start > std::chrono::hours{24})) std::abort();
  }
  return 0;
}
