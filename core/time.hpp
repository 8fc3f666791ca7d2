// SPDX-License-Identifier: Apache-2.0
#pragma once
// Wall-clock instants are UTC with millisecond resolution everywhere in Kelu; the store's
// zone is applied only when presenting or bucketing. Intervals use the steady clock.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "result.hpp"

namespace kelu::core {

using utc_time = std::chrono::sys_time<std::chrono::milliseconds>;
using local_time = std::chrono::local_time<std::chrono::milliseconds>;

// Milliseconds since the Unix epoch: the storage form.
std::int64_t to_unix_ms(utc_time t);
utc_time from_unix_ms(std::int64_t ms);

// "2026-11-27T10:00:00.123Z".
std::string format_iso8601(utc_time t);

// "YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM|±HHMM]" (a space may replace the T), split into the
// wall time as written and the offset, if one was given.
struct iso8601_parts {
  local_time wall;
  std::optional<std::chrono::minutes> offset;  // Z is +00:00
};
result<iso8601_parts> parse_iso8601_parts(std::string_view text);

// Years accepted from any source: events are stored and sent as four-digit ISO 8601 years
// (bad_time in time.cpp spells the range out).
inline constexpr int min_year = 1900;
inline constexpr int max_year = 2199;

// A time without a zone designator is rejected here; time_zone.hpp has the overload that
// reads it in the store's zone.
result<utc_time> parse_iso8601(std::string_view text);

}  // namespace kelu::core
