// SPDX-License-Identifier: Apache-2.0
#include "time_zone.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace kelu::core {

namespace chr = std::chrono;

namespace {

class reader {
 public:
  explicit reader(std::string_view b) : b_(b) {}
  bool has(std::size_t n) const { return pos_ + n <= b_.size(); }
  std::int64_t be(std::size_t n) {  // big-endian signed integer of n bytes (4 or 8)
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(b_[pos_ + i]);
    pos_ += n;
    if (n == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    return static_cast<std::int64_t>(v);
  }
  std::uint8_t byte() { return static_cast<std::uint8_t>(b_[pos_++]); }
  void skip(std::size_t n) { pos_ += n; }
  std::size_t pos() const { return pos_; }
  std::string_view rest() const { return b_.substr(pos_); }

 private:
  std::string_view b_;
  std::size_t pos_ = 0;
};

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  return chr::sys_days{chr::year{y} / chr::month{m} / chr::day{d}}.time_since_epoch().count();
}

// POSIX TZ offsets are "hh[:mm[:ss]]"; a sign of + (or none) means west of Greenwich.
bool parse_hms(std::string_view& s, std::int64_t& out, bool allow_sign) {
  int sign = 1;
  if (allow_sign && !s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  std::int64_t parts[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0]))) return i > 0;
    std::int64_t v = 0;
    int digits = 0;
    while (!s.empty() && std::isdigit(static_cast<unsigned char>(s[0])) && digits < 3) {
      v = v * 10 + (s[0] - '0');
      s.remove_prefix(1);
      ++digits;
    }
    parts[i] = v;
    out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
    if (s.empty() || s[0] != ':' || i == 2) return true;
    s.remove_prefix(1);
  }
  return true;
}

bool parse_abbreviation(std::string_view& s) {
  if (!s.empty() && s[0] == '<') {
    const auto close = s.find('>');
    if (close == std::string_view::npos) return false;
    s.remove_prefix(close + 1);
    return true;
  }
  std::size_t n = 0;
  while (n < s.size() && std::isalpha(static_cast<unsigned char>(s[n]))) ++n;
  if (n < 3) return false;
  s.remove_prefix(n);
  return true;
}

}  // namespace

result<time_zone::posix_rule> time_zone::parse_posix(std::string_view tz) {
  posix_rule r;
  const auto bad = [&] { return error{"unsupported POSIX TZ rule \"" + std::string(tz) + "\""}; };
  auto s = tz;
  std::int64_t west = 0;
  if (!parse_abbreviation(s) || !parse_hms(s, west, true)) return bad();
  r.std_offset = -west;
  if (s.empty()) return r;
  if (!parse_abbreviation(s)) return bad();
  r.has_dst = true;
  r.dst_offset = r.std_offset + 3600;
  if (!s.empty() && s[0] != ',') {
    if (!parse_hms(s, west, true)) return bad();
    r.dst_offset = -west;
  }
  // Without explicit dates POSIX leaves the rule to the implementation; TZif footers always give them.
  for (rule_date* d : {&r.start, &r.end}) {
    if (s.empty() || s[0] != ',') return bad();
    s.remove_prefix(1);
    int nums[3] = {0, 0, 0};
    int count = 0;
    if (!s.empty() && (s[0] == 'M' || s[0] == 'J')) {
      d->kind = s[0];
      s.remove_prefix(1);
    } else {
      d->kind = 'D';
    }
    for (;;) {
      if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0])) || count == 3) return bad();
      int v = 0;
      while (!s.empty() && std::isdigit(static_cast<unsigned char>(s[0]))) {
        if (v > 1000) return bad();  // no field of a rule date has more than three digits
        v = v * 10 + (s[0] - '0');
        s.remove_prefix(1);
      }
      nums[count++] = v;
      if (d->kind == 'M' && count < 3) {
        if (s.empty() || s[0] != '.') return bad();
        s.remove_prefix(1);
        continue;
      }
      break;
    }
    if (d->kind == 'M') {
      if (nums[0] < 1 || nums[0] > 12 || nums[1] < 1 || nums[1] > 5 || nums[2] > 6) return bad();
      d->month = nums[0];
      d->week = nums[1];
      d->weekday = nums[2];
    } else {
      d->day = nums[0];
      if ((d->kind == 'J' && (d->day < 1 || d->day > 365)) || d->day > 365) return bad();
    }
    if (!s.empty() && s[0] == '/') {
      s.remove_prefix(1);
      if (!parse_hms(s, d->time_s, true)) return bad();  // RFC 8536 allows -167..167 hours
    }
  }
  if (!s.empty()) return bad();
  return r;
}

std::int64_t time_zone::rule_instant(const rule_date& d, int year, std::int64_t offset) {
  std::int64_t day = 0;
  if (d.kind == 'J') {
    day = days_from_civil(year, 1, 1) + d.day - 1 + (is_leap(year) && d.day >= 60 ? 1 : 0);
  } else if (d.kind == 'D') {
    day = days_from_civil(year, 1, 1) + d.day;
  } else {
    const auto first = days_from_civil(year, static_cast<unsigned>(d.month), 1);
    const auto first_weekday = (first + 4) % 7 < 0 ? (first + 4) % 7 + 7 : (first + 4) % 7;  // 1970-01-01 was a Thursday
    day = first + (d.weekday - first_weekday + 7) % 7 + 7 * (d.week - 1);
    const int month_days = static_cast<int>(
        (chr::sys_days{chr::year{year} / chr::month{static_cast<unsigned>(d.month)} / chr::last}.time_since_epoch().count()) -
        first + 1);
    while (day - first >= month_days) day -= 7;  // week 5 means "the last"
  }
  return day * 86400 + d.time_s - offset;
}

time_zone::type time_zone::rule_type_at(std::int64_t unix_s) const {
  if (!rule_.has_dst) return {rule_.std_offset, false};
  const auto year = static_cast<int>(chr::year_month_day{chr::floor<chr::days>(chr::sys_seconds{chr::seconds{unix_s}})}.year());
  // Start is given in standard time, end in daylight time.
  const auto start = rule_instant(rule_.start, year, rule_.std_offset);
  const auto end = rule_instant(rule_.end, year, rule_.dst_offset);
  const bool dst = start < end ? (unix_s >= start && unix_s < end) : !(unix_s >= end && unix_s < start);
  return dst ? type{rule_.dst_offset, true} : type{rule_.std_offset, false};
}

time_zone::type time_zone::type_at(std::int64_t unix_s) const {
  if (transitions_.empty() || unix_s < transitions_.front()) {
    if (transitions_.empty() && has_rule_) return rule_type_at(unix_s);
    return types_.empty() ? type{} : types_.front();
  }
  if (unix_s >= transitions_.back() && has_rule_) return rule_type_at(unix_s);
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), unix_s);
  return types_[transition_types_[static_cast<std::size_t>(it - transitions_.begin() - 1)]];
}

result<time_zone> time_zone::from_tzif(std::string name, std::string_view bytes) {
  const auto bad = [&](const std::string& why) { return error{"time zone " + name + ": " + why}; };
  reader r{bytes};
  if (!r.has(44) || bytes.substr(0, 4) != "TZif") return bad("not a TZif file");
  const char version = bytes[4];
  struct header {
    std::int64_t isut, isstd, leap, timecnt, typecnt, charcnt;
  };
  const auto read_header = [&r](header& h) {
    r.skip(20);
    for (std::int64_t* c : {&h.isut, &h.isstd, &h.leap, &h.timecnt, &h.typecnt, &h.charcnt}) *c = r.be(4);
    for (const auto c : {h.isut, h.isstd, h.leap, h.timecnt, h.typecnt, h.charcnt})
      if (c < 0 || c > 100000) return false;
    return true;
  };
  header h{};
  if (!read_header(h)) return bad("implausible header counts");
  std::size_t time_size = 4;
  if (version >= '2') {
    // Skip the 32-bit block; the 64-bit one after the second header is complete.
    r.skip(static_cast<std::size_t>(h.timecnt * 5 + h.typecnt * 6 + h.charcnt + h.leap * 8 + h.isstd + h.isut));
    if (!r.has(44) || r.rest().substr(0, 4) != "TZif") return bad("truncated (no second header)");
    if (!read_header(h)) return bad("implausible header counts");
    time_size = 8;
  }
  const auto [isut, isstd, leap, timecnt, typecnt, charcnt] = h;
  if (typecnt < 1) return bad("no local time types");
  const auto data = static_cast<std::size_t>(timecnt) * (time_size + 1) + static_cast<std::size_t>(typecnt) * 6 +
                    static_cast<std::size_t>(charcnt) + static_cast<std::size_t>(leap) * (time_size + 4) +
                    static_cast<std::size_t>(isstd + isut);
  if (!r.has(data)) return bad("truncated");
  time_zone z;
  z.name_ = std::move(name);
  for (std::int64_t i = 0; i < timecnt; ++i) z.transitions_.push_back(r.be(time_size));
  for (std::int64_t i = 0; i < timecnt; ++i) {
    const auto t = r.byte();
    if (t >= typecnt) return bad("transition refers to a missing type");
    z.transition_types_.push_back(t);
  }
  if (!std::is_sorted(z.transitions_.begin(), z.transitions_.end())) return bad("transitions out of order");
  for (std::int64_t i = 0; i < typecnt; ++i) {
    const auto offset = r.be(4);
    const bool dst = r.byte() != 0;
    r.skip(1);  // abbreviation index
    z.types_.push_back({offset, dst});
  }
  r.skip(static_cast<std::size_t>(charcnt) + static_cast<std::size_t>(leap) * (time_size + 4) +
         static_cast<std::size_t>(isstd + isut));
  if (version >= '2') {
    auto footer = r.rest();
    if (footer.size() >= 2 && footer[0] == '\n') {
      footer.remove_prefix(1);
      footer = footer.substr(0, footer.find('\n'));
      if (!footer.empty()) {
        auto rule = parse_posix(footer);
        if (!rule) return bad(rule.error_message());
        z.rule_ = *rule;
        z.has_rule_ = true;
      }
    }
  }
  return z;
}

result<time_zone> time_zone::load(std::string_view name, const std::string& zoneinfo_dir) {
  if (name == "UTC" || name == "Etc/UTC") return utc();
  const bool shaped = !name.empty() && name.find("..") == std::string_view::npos && name.front() != '/';
  if (!shaped) return error{"\"" + std::string(name) + "\" is not an IANA time zone name"};
  const auto path = zoneinfo_dir + "/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) return error{"time zone " + std::string(name) + ": cannot read " + path};
  std::ostringstream ss;
  ss << in.rdbuf();
  return from_tzif(std::string(name), ss.str());
}

time_zone time_zone::utc() {
  time_zone z;
  z.name_ = "UTC";
  z.types_.push_back({0, false});
  return z;
}

std::chrono::seconds time_zone::offset_at(utc_time t) const {
  return chr::seconds{type_at(chr::floor<chr::seconds>(t.time_since_epoch()).count()).offset};
}

bool time_zone::is_dst_at(utc_time t) const {
  return type_at(chr::floor<chr::seconds>(t.time_since_epoch()).count()).dst;
}

local_time time_zone::to_local(utc_time t) const { return local_time{t.time_since_epoch() + offset_at(t)}; }

local_result time_zone::to_utc(local_time t) const {
  // The offsets in force a day either side bracket any change near t (no zone changes twice
  // within two days); each is a candidate if applying it lands where it is in force.
  const utc_time as_utc{t.time_since_epoch()};
  const auto before = offset_at(as_utc - chr::hours(24));
  const auto after = offset_at(as_utc + chr::hours(24));
  const utc_time u1 = as_utc - before;
  const utc_time u2 = as_utc - after;
  const bool ok1 = offset_at(u1) == before;
  const bool ok2 = offset_at(u2) == after;
  if (ok1 && ok2 && u1 != u2) return {std::min(u1, u2), local_match::ambiguous};
  if (ok1) return {u1, local_match::unique};
  if (ok2) return {u2, local_match::unique};
  // In the gap: read with the offset from before the change, i.e. moved forward by the gap.
  return {u1, local_match::nonexistent};
}

result<utc_time> parse_iso8601(std::string_view text, const time_zone& zone) {
  auto parts = parse_iso8601_parts(text);
  if (!parts) return error{parts.error_message()};
  if (parts->offset) return utc_time{parts->wall.time_since_epoch() - *parts->offset};
  return zone.to_utc(parts->wall).utc;
}

}  // namespace kelu::core
