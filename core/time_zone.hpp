// SPDX-License-Identifier: Apache-2.0
#pragma once
// An IANA time zone read from the system's TZif files (RFC 8536), including the POSIX TZ
// rule in the footer that covers instants after the last listed transition (slim files list
// none). libstdc++ 12 has no chrono tzdb, and TZ/localtime_r would make the zone process-wide
// state; this is a value, safe to share between threads once loaded.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "result.hpp"
#include "time.hpp"

namespace kelu::core {


// How a wall-clock time maps to UTC around DST changes.
enum class local_match {
  unique,
  ambiguous,    // the hour repeated when clocks go back: the earlier instant was chosen
  nonexistent,  // the hour skipped when clocks go forward: moved forward by the gap
};

struct local_result {
  utc_time utc;
  local_match match = local_match::unique;
};

class time_zone {
 public:
  // "Asia/Shanghai", "UTC", "America/New_York". Errors name the zone and what is wrong.
  static result<time_zone> load(std::string_view name, const std::string& zoneinfo_dir = "/usr/share/zoneinfo");
  static result<time_zone> from_tzif(std::string name, std::string_view bytes);
  static time_zone utc();

  const std::string& name() const { return name_; }
  std::chrono::seconds offset_at(utc_time t) const;
  bool is_dst_at(utc_time t) const;
  local_time to_local(utc_time t) const;
  local_result to_utc(local_time t) const;

 private:
  struct rule_date {
    char kind = 'M';  // 'M' month.week.day, 'J' Julian 1..365 without Feb 29, 'D' zero-based day 0..365
    int month = 0, week = 0, weekday = 0, day = 0;
    std::int64_t time_s = 7200;  // local time of the change, seconds
  };
  struct posix_rule {
    std::int64_t std_offset = 0;  // seconds east of UTC
    std::int64_t dst_offset = 0;
    bool has_dst = false;
    rule_date start, end;
  };
  struct type {
    std::int64_t offset = 0;
    bool dst = false;
  };
  static result<posix_rule> parse_posix(std::string_view tz);
  type type_at(std::int64_t unix_s) const;
  type rule_type_at(std::int64_t unix_s) const;
  static std::int64_t rule_instant(const rule_date& d, int year, std::int64_t offset);

  std::string name_;
  std::vector<std::int64_t> transitions_;  // unix seconds, ascending
  std::vector<std::uint8_t> transition_types_;
  std::vector<type> types_;
  bool has_rule_ = false;
  posix_rule rule_;
};

// Like parse_iso8601, but a time without a zone designator is read as wall time in `zone`.
result<utc_time> parse_iso8601(std::string_view text, const time_zone& zone);

}  // namespace kelu::core
