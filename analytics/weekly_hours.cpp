// SPDX-License-Identifier: Apache-2.0
#include "weekly_hours.hpp"

#include <array>
#include <cstdio>

namespace kelu::analytics {

using namespace std::chrono;

namespace {

// Monday = 0.
int weekday_of(sys_days d) { return static_cast<int>((weekday{d}.c_encoding() + 6) % 7); }

}  // namespace

core::result<weekly_hours> weekly_hours::parse(std::string_view text, bool allow_count) {
  weekly_hours out;
  out.text_ = std::string(text);
  if (auto problem = config::parse_weekly_ranges(text, allow_count, out.ranges_)) return core::error{*problem};
  return out;
}

weekly_hours weekly_hours::always() {
  weekly_hours w;
  w.ranges_.push_back({.days = 0x7f, .from_min = 0, .to_min = 1440, .count = 1});
  w.text_ = "daily 00:00-24:00";
  return w;
}

std::vector<utc_interval> weekly_hours::on(sys_days day, const core::time_zone& zone) const {
  std::vector<utc_interval> out;
  const auto at = [&](sys_days d, int minutes) {
    if (minutes >= 1440) return local_midnight(d + days{1}, zone);
    return zone.to_utc(local_time<milliseconds>(local_days{d.time_since_epoch()} + std::chrono::minutes{minutes})).utc;
  };
  const int today = weekday_of(day);
  const int yesterday = (today + 6) % 7;
  for (const auto& r : ranges_) {
    const bool overnight = r.to_min < r.from_min;
    if (r.days & (1u << today)) out.push_back({at(day, r.from_min), overnight ? at(day, 1440) : at(day, r.to_min), r.count});
    if (overnight && (r.days & (1u << yesterday)) && r.to_min > 0) out.push_back({at(day, 0), at(day, r.to_min), r.count});
  }
  std::erase_if(out, [](const utc_interval& i) { return i.to <= i.from; });
  return out;
}

core::utc_time local_midnight(sys_days day, const core::time_zone& zone) {
  return zone.to_utc(local_time<milliseconds>(local_days{day.time_since_epoch()})).utc;
}

sys_days local_day(core::utc_time t, const core::time_zone& zone) {
  return sys_days{floor<days>(zone.to_local(t)).time_since_epoch()};
}

std::string format_local(core::utc_time t, const core::time_zone& zone) {
  const auto local = zone.to_local(t);
  const auto d = floor<days>(local);
  const year_month_day ymd{d};
  const hh_mm_ss hms{floor<seconds>(local - d)};
  const auto off = zone.offset_at(t).count();
  const auto abs_off = off < 0 ? -off : off;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), off < 0 ? '-' : '+', static_cast<int>(abs_off / 3600),
                static_cast<int>(abs_off % 3600 / 60));
  return buf;
}

std::string local_hhmm(core::utc_time t, const core::time_zone& zone) { return format_local(t, zone).substr(11, 5); }

core::result<sys_days> parse_day(std::string_view text) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  const std::string s(text);
  if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3)
    return core::error{"\"" + s + "\" is not a date (YYYY-MM-DD)"};
  const year_month_day ymd{year{y}, month{m}, day{d}};
  if (!ymd.ok() || y < core::min_year || y > core::max_year) return core::error{"\"" + s + "\" is not a valid date"};
  return sys_days{ymd};
}

std::string format_day(sys_days day) {
  const year_month_day ymd{day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace kelu::analytics
