// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "core/time_zone.hpp"

namespace kelu::core {
namespace {

using namespace std::chrono;

// glibc reads the same TZif files: with TZ set, localtime_r is an independent oracle.
long glibc_offset(const std::string& zone, std::int64_t unix_s) {
  ::setenv("TZ", zone.c_str(), 1);
  ::tzset();
  const std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  return tm.tm_gmtoff;
}

// glibc is the oracle only where its time_t reaches: 32 bits on Debian 12's armhf, so from
// 1901-12-13 to 2038-01-19 there (our own times are 64-bit everywhere).
bool oracle_reaches(std::int64_t unix_s) {
  return sizeof(std::time_t) >= 8 || (unix_s >= INT32_MIN && unix_s <= INT32_MAX);
}

class zones : public testing::TestWithParam<const char*> {};

TEST_P(zones, offsets_match_glibc_from_1900_to_2100) {
  const std::string name = GetParam();
  auto z = time_zone::load(name);
  ASSERT_TRUE(z) << z.error_message();
  int checked = 0;
  // Every 6 hours plus a prime stride, so instants fall on all hours and both sides of changes.
  for (std::int64_t s = -2'208'988'800; s < 4'102'444'800; s += 6 * 3600 + 7 * 60 + 13) {
    if (!oracle_reaches(s)) continue;
    const auto t = utc_time{seconds{s}};
    ASSERT_EQ(z->offset_at(t).count(), glibc_offset(name, s)) << name << " at " << format_iso8601(t);
    ++checked;
  }
  EXPECT_GT(checked, 100000);
}

INSTANTIATE_TEST_SUITE_P(iana, zones,
                         testing::Values("Asia/Shanghai", "America/New_York", "Europe/London", "Europe/Dublin",
                                         "Australia/Sydney", "Australia/Lord_Howe", "America/Sao_Paulo",
                                         "Asia/Kolkata", "Pacific/Chatham", "America/St_Johns", "Africa/Casablanca"),
                         [](const testing::TestParamInfo<const char*>& p) {
                           std::string n = p.param;
                           for (auto& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

local_time wall(int y, unsigned m, unsigned d, int h, int mi) {
  return local_time{local_days{year{y} / month{m} / day{d}} + hours{h} + minutes{mi}};
}

TEST(time_zone, wall_time_to_utc_across_dst_changes) {
  const auto ny = time_zone::load("America/New_York").value();
  auto r = ny.to_utc(wall(2026, 7, 1, 12, 0));
  EXPECT_EQ(r.match, local_match::unique);
  EXPECT_EQ(format_iso8601(r.utc), "2026-07-01T16:00:00.000Z");
  // Spring forward: 02:30 does not exist; read as 03:30 EDT.
  r = ny.to_utc(wall(2026, 3, 8, 2, 30));
  EXPECT_EQ(r.match, local_match::nonexistent);
  EXPECT_EQ(format_iso8601(r.utc), "2026-03-08T07:30:00.000Z");
  // Fall back: 01:30 happens twice; the earlier (EDT) is chosen.
  r = ny.to_utc(wall(2026, 11, 1, 1, 30));
  EXPECT_EQ(r.match, local_match::ambiguous);
  EXPECT_EQ(format_iso8601(r.utc), "2026-11-01T05:30:00.000Z");
  // Round trip for a day of minutes in Shanghai (no DST).
  const auto sh = time_zone::load("Asia/Shanghai").value();
  for (int m = 0; m < 24 * 60; m += 7) {
    const auto t = utc_time{sys_days{year{2026} / 11 / 27}.time_since_epoch() + minutes{m}};
    const auto back = sh.to_utc(sh.to_local(t));
    EXPECT_EQ(back.utc, t);
    EXPECT_EQ(back.match, local_match::unique);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A "slim" TZif file lists no transitions and relies on the footer rule alone.
TEST(time_zone, a_footer_rule_alone_gives_the_same_offsets) {
  std::string slim = "TZif2";
  slim.resize(20, '\0');
  const auto header = [&](std::uint32_t typecnt, std::uint32_t charcnt) {
    for (std::uint32_t v : {0u, 0u, 0u, 0u, typecnt, charcnt})
      for (int shift = 24; shift >= 0; shift -= 8) slim += static_cast<char>((v >> shift) & 0xFF);
  };
  header(1, 4);
  slim += std::string("\xff\xff\xb9\xb0\x00\x00", 6) + "EST" + '\0';  // one type: -18000, not DST
  slim += "TZif2";
  slim.resize(slim.size() + 15, '\0');
  header(1, 4);
  slim += std::string("\xff\xff\xb9\xb0\x00\x00", 6) + "EST" + '\0';
  slim += "\nEST5EDT,M3.2.0,M11.1.0\n";
  auto z = time_zone::from_tzif("slim/New_York", slim);
  ASSERT_TRUE(z) << z.error_message();
  const auto full = time_zone::load("America/New_York").value();
  for (std::int64_t s = 1'167'609'600; s < 4'102'444'800; s += 3 * 3600 + 17) {  // 2007 (current US rules) on
    const auto t = utc_time{seconds{s}};
    ASSERT_EQ(z->offset_at(t), full.offset_at(t)) << format_iso8601(t);
  }
}

TEST(time_zone, southern_and_negative_rules_in_footers) {
  if (!oracle_reaches(4'102'444'800)) GTEST_SKIP() << "glibc's 32-bit time_t cannot check instants past 2038";
  for (const char* name : {"Australia/Sydney", "Europe/Dublin", "America/Santiago"}) {
    const auto bytes = read_file("/usr/share/zoneinfo/" + std::string(name));
    auto z = time_zone::from_tzif(name, bytes);
    ASSERT_TRUE(z) << z.error_message();
    // Far past the last listed transition, only the footer speaks.
    for (std::int64_t s = 4'102'444'800; s < 4'102'444'800 + 3 * 365 * 86400LL; s += 3600 * 5 + 11)
      ASSERT_EQ(z->offset_at(utc_time{seconds{s}}).count(), glibc_offset(name, s)) << name << " " << s;
  }
}

TEST(time_zone, bad_files_and_names_are_errors_not_crashes) {
  EXPECT_FALSE(time_zone::load("Mars/Olympus"));
  EXPECT_FALSE(time_zone::load("../../etc/passwd"));
  EXPECT_FALSE(time_zone::from_tzif("x", "not a tz file at all, but long enough to have a header......"));
  const auto ny = read_file("/usr/share/zoneinfo/America/New_York");
  for (std::size_t cut : {std::size_t{10}, std::size_t{44}, std::size_t{100}, ny.size() / 2}) {
    EXPECT_FALSE(time_zone::from_tzif("cut", ny.substr(0, cut))) << cut;
  }
  auto garbled = ny;
  garbled[garbled.size() - 5] = '!';  // breaks the footer rule
  const auto r = time_zone::from_tzif("garbled", garbled);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error_message().find("POSIX TZ"), std::string::npos);
}

TEST(time_zone, parse_reads_times_without_a_zone_in_the_store_zone) {
  const auto sh = time_zone::load("Asia/Shanghai").value();
  EXPECT_EQ(format_iso8601(*parse_iso8601("2026-11-27 18:03:11", sh)), "2026-11-27T10:03:11.000Z");
  EXPECT_EQ(format_iso8601(*parse_iso8601("2026-11-27T18:03:11Z", sh)), "2026-11-27T18:03:11.000Z");
  EXPECT_FALSE(parse_iso8601("2026-11-27T18:03", sh));
}

}  // namespace
}  // namespace kelu::core
