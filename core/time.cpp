// SPDX-License-Identifier: Apache-2.0
#include "time.hpp"

#include <array>
#include <cstdio>

namespace kelu::core {

namespace chr = std::chrono;

std::int64_t to_unix_ms(utc_time t) { return t.time_since_epoch().count(); }

utc_time from_unix_ms(std::int64_t ms) { return utc_time{chr::milliseconds{ms}}; }

std::string format_iso8601(utc_time t) {
  const auto day = chr::floor<chr::days>(t);
  const chr::year_month_day ymd{day};
  const chr::hh_mm_ss<chr::milliseconds> hms{t - day};
  std::array<char, 48> buf{};  // room for any int year, so nothing truncates
  std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long>(hms.seconds().count()), static_cast<long>(hms.subseconds().count()));
  return buf.data();
}

namespace {

class cursor {
 public:
  explicit cursor(std::string_view s) : s_(s) {}
  bool digits(std::size_t n, int& out) {
    if (pos_ + n > s_.size()) return false;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = s_[pos_ + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    out = v;
    pos_ += n;
    return true;
  }
  bool literal(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool at_end() const { return pos_ == s_.size(); }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  std::size_t pos() const { return pos_; }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

error bad_time(std::string_view text, std::size_t at, const char* what) {
  return error{"bad timestamp \"" + std::string(text) + "\" at character " + std::to_string(at) + ": " + what};
}

}  // namespace

result<iso8601_parts> parse_iso8601_parts(std::string_view text) {
  cursor c{text};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!c.digits(4, y) || !c.literal('-') || !c.digits(2, mo) || !c.literal('-') || !c.digits(2, d))
    return bad_time(text, c.pos(), "expected YYYY-MM-DD");
  if (!c.literal('T') && !c.literal(' ')) return bad_time(text, c.pos(), "expected 'T' between date and time");
  if (!c.digits(2, h) || !c.literal(':') || !c.digits(2, mi) || !c.literal(':') || !c.digits(2, s))
    return bad_time(text, c.pos(), "expected HH:MM:SS");
  int ms = 0;
  if (c.literal('.')) {
    int scale = 100;
    int digit = 0;
    bool any = false;
    while (c.digits(1, digit)) {
      any = true;
      ms += digit * scale;
      scale /= 10;
    }
    if (!any) return bad_time(text, c.pos(), "expected digits after '.'");
  }
  const chr::year_month_day ymd{chr::year{y}, chr::month{static_cast<unsigned>(mo)},
                                chr::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return bad_time(text, 0, "no such date");
  // Year 0000 at a negative offset is year -1 in UTC, which no ISO 8601 reader takes back: a
  // sale outside these years is a typo or a till with a dead clock battery.
  if (y < min_year || y > max_year)
    return bad_time(text, 0, "year outside 1900..2199");
  if (h > 23 || mi > 59 || s > 60) return bad_time(text, 11, "time of day out of range");
  std::optional<std::chrono::minutes> offset;
  if (c.literal('Z') || c.literal('z')) {
    offset = chr::minutes{0};
  } else if (c.peek() == '+' || c.peek() == '-') {
    const int sign = c.peek() == '-' ? -1 : 1;
    c.literal(c.peek());
    int oh = 0, om = 0;
    if (!c.digits(2, oh)) return bad_time(text, c.pos(), "expected zone offset hours");
    c.literal(':');
    if (!c.digits(2, om)) return bad_time(text, c.pos(), "expected zone offset minutes");
    if (oh > 18 || om > 59) return bad_time(text, c.pos(), "zone offset out of range");
    offset = chr::minutes{sign * (oh * 60 + om)};
  }
  if (!c.at_end()) return bad_time(text, c.pos(), "unexpected trailing characters");
  // A leap second (:60) is read as :59.999 of the same minute, keeping the order of events.
  const auto wall = chr::local_days{ymd} + chr::hours{h} + chr::minutes{mi} +
                    (s == 60 ? chr::milliseconds{59'999} : chr::seconds{s} + chr::milliseconds{ms});
  return iso8601_parts{local_time{wall}, offset};
}

result<utc_time> parse_iso8601(std::string_view text) {
  auto parts = parse_iso8601_parts(text);
  if (!parts) return error{parts.error_message()};
  if (!parts->offset)
    return bad_time(text, text.size(), "missing zone designator (Z or +HH:MM)");
  return utc_time{parts->wall.time_since_epoch() - *parts->offset};
}

}  // namespace kelu::core
