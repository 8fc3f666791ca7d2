// SPDX-License-Identifier: Apache-2.0
#pragma once
// Weekly time ranges in the store's local time (config/weekly_ranges.hpp has the text form):
// opening hours ("mon-fri 09:00-21:00, sat-sun 10:00-18:00") and a staff schedule with
// headcounts ("mon-fri 09:00-17:00 x2"). Turned into UTC intervals per local date, so DST days
// come out right (a skipped hour is simply absent, a repeated one lasts two hours).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "core/time_zone.hpp"
#include "config/weekly_ranges.hpp"

namespace kelu::analytics {

struct utc_interval {
  core::utc_time from{};
  core::utc_time to{};
  std::int64_t count = 1;  // headcount for a schedule; 1 for opening hours
  bool operator==(const utc_interval&) const = default;
};

class weekly_hours {
 public:
  // An empty text is an empty schedule. Errors name the entry and the character offset.
  static core::result<weekly_hours> parse(std::string_view text, bool allow_count);
  static weekly_hours always();  // daily 00:00-24:00

  bool empty() const { return ranges_.empty(); }
  // The ranges that touch local date `day` (including last night's overflow), clipped to it.
  std::vector<utc_interval> on(std::chrono::sys_days day, const core::time_zone& zone) const;
  const std::string& text() const { return text_; }

 private:
  std::vector<config::weekly_range> ranges_;
  std::string text_;
};

// UTC instant of local midnight starting `day` in `zone` (or the first instant after it, when
// midnight itself is skipped by a DST change).
core::utc_time local_midnight(std::chrono::sys_days day, const core::time_zone& zone);
// The local date of an instant.
std::chrono::sys_days local_day(core::utc_time t, const core::time_zone& zone);
// "2026-03-29T01:00:00+01:00": the wall time and offset at `t`.
std::string format_local(core::utc_time t, const core::time_zone& zone);
// "01:00": the wall clock at `t`, as hours are labelled in compact payloads and on screen.
std::string local_hhmm(core::utc_time t, const core::time_zone& zone);
// "YYYY-MM-DD" -> the date; an error naming the text otherwise.
core::result<std::chrono::sys_days> parse_day(std::string_view text);
std::string format_day(std::chrono::sys_days day);

}  // namespace kelu::analytics
