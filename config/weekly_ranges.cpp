// SPDX-License-Identifier: Apache-2.0
#include "weekly_ranges.hpp"

#include <array>

namespace kelu::config {

namespace {

constexpr std::array<std::string_view, 7> day_names{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int day_index(std::string_view s) {
  for (std::size_t i = 0; i < day_names.size(); ++i)
    if (s == day_names[i]) return static_cast<int>(i);
  return -1;
}

bool parse_clock(std::string_view s, int& minutes) {
  if (s.size() != 5 || s[2] != ':') return false;
  for (const std::size_t i : {0u, 1u, 3u, 4u})
    if (s[i] < '0' || s[i] > '9') return false;
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return false;
  minutes = h * 60 + m;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string> parse_weekly_ranges(std::string_view text, bool allow_count, std::vector<weekly_range>& out) {
  out.clear();
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto end = text.find_first_of(",;", pos);
    const auto stop = end == std::string_view::npos ? text.size() : end;
    const auto entry = trim(text.substr(pos, stop - pos));
    auto fail = [&](const std::string& why) -> std::string {
      return "\"" + std::string(entry) + "\" (at character " + std::to_string(pos) + "): " + why;
    };
    if (!entry.empty()) {
      // Split into words.
      std::vector<std::string_view> words;
      for (std::size_t i = 0; i < entry.size();) {
        while (i < entry.size() && entry[i] == ' ') ++i;
        const auto j = entry.find(' ', i);
        const auto w = entry.substr(i, (j == std::string_view::npos ? entry.size() : j) - i);
        if (!w.empty()) words.push_back(w);
        i = j == std::string_view::npos ? entry.size() : j;
      }
      if (words.size() < 2 || words.size() > 3)
        return fail(allow_count ? "expected \"<days> HH:MM-HH:MM [xN]\", e.g. \"mon-fri 09:00-17:00 x2\""
                                : "expected \"<days> HH:MM-HH:MM\", e.g. \"mon-fri 09:00-21:00\"");
      weekly_range r;
      if (words[0] == "daily") {
        r.days = 0x7f;
      } else {
        const auto dash = words[0].find('-');
        const int a = day_index(words[0].substr(0, dash));
        const int b = dash == std::string_view::npos ? a : day_index(words[0].substr(dash + 1));
        if (a < 0 || b < 0) return fail("days must be \"daily\", a day (mon..sun) or a range (mon-fri)");
        for (int d = a;; d = (d + 1) % 7) {
          r.days |= 1u << d;
          if (d == b) break;
        }
      }
      const auto times = words[1];
      const auto dash = times.find('-');
      if (dash == std::string_view::npos || !parse_clock(times.substr(0, dash), r.from_min) ||
          !parse_clock(times.substr(dash + 1), r.to_min) || r.from_min == 1440)
        return fail("times must be HH:MM-HH:MM (00:00 to 24:00)");
      if (r.from_min == r.to_min) return fail("the range is empty");
      if (words.size() == 3) {
        if (!allow_count) return fail("a headcount (xN) is not allowed here");
        const auto w = words[2];
        if (w.size() < 2 || w.size() > 4 || w[0] != 'x') return fail("headcount must be x1 to x999");
        std::int64_t n = 0;
        for (const char ch : w.substr(1)) {
          if (ch < '0' || ch > '9') return fail("headcount must be x1 to x999");
          n = n * 10 + (ch - '0');
        }
        if (n < 1) return fail("headcount must be x1 to x999");
        r.count = n;
      }
      out.push_back(r);
    }
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return std::nullopt;
}

}  // namespace kelu::config

