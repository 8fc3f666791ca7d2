#pragma once
// Wall-clock instants are UTC with millisecond resolution everywhere in Kelu; the store's
// zone is applied only when presenting or bucketing. Intervals use the steady clock.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "result.hpp"

namespace kelu::core {

using utc_time = std::chrono::sys_time<std::chrono::milliseconds>;

// Milliseconds since the Unix epoch: the storage form.
std::int64_t to_unix_ms(utc_time t);
utc_time from_unix_ms(std::int64_t ms);

// "2026-11-27T10:00:00.123Z".
std::string format_iso8601(utc_time t);

// Accepts "YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM|±HHMM]" (a space may replace the T).
// A time without a zone designator is rejected: guessing the zone is how hours go missing.
result<utc_time> parse_iso8601(std::string_view text);

}  // namespace kelu::core
