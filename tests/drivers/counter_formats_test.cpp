// SPDX-License-Identifier: Apache-2.0
// The people counters' formats, from fixtures written from the vendors' documentation
// (tests/data/counters/README.md), and the arithmetic that turns running totals into periods.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "drivers/counters/axis_counting.hpp"
#include "drivers/counters/counter_emitter.hpp"
#include "drivers/counters/cumulative_counts.hpp"
#include "drivers/counters/dahua_counting.hpp"
#include "drivers/counters/hikvision_counting.hpp"
#include "drivers/counters/http_auth.hpp"
#include "drivers/counters/xovis_counting.hpp"

namespace kelu::drivers {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(KELU_TEST_DATA) + "/counters/" + name, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

core::utc_time at(const char* iso) { return core::parse_iso8601(iso).value(); }

const core::time_zone shanghai = core::time_zone::load("Asia/Shanghai").value();

TEST(hikvision_counting, a_time_range_push_is_the_counts_of_its_period) {
  const auto r = parse_hikvision_alert(fixture("hikvision-timerange.xml"), shanghai);
  ASSERT_TRUE(r) << r.error_message();
  ASSERT_EQ(r->size(), 1u);
  const auto& c = (*r)[0];
  EXPECT_FALSE(c.cumulative);
  EXPECT_EQ(c.start, at("2026-12-01T02:00:00Z"));
  EXPECT_EQ(c.end, at("2026-12-01T02:15:00Z"));
  EXPECT_EQ(c.in, 12);
  EXPECT_EQ(c.out, 9);
  EXPECT_EQ(c.pass, 31);
  EXPECT_EQ(c.channel, "1");
  EXPECT_EQ(c.device, "bc:ad:28:4f:11:02");
  EXPECT_FALSE(c.retransmission);
}

TEST(hikvision_counting, a_resent_period_in_wall_time_ending_at_59_seconds_is_the_same_period) {
  const auto r = parse_hikvision_alert(fixture("hikvision-retransmission.xml"), shanghai);
  ASSERT_TRUE(r) << r.error_message();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_TRUE((*r)[0].retransmission);
  // No offset: the store's wall time (Asia/Shanghai, UTC+8); 10:14:59 closes the quarter at 10:15.
  EXPECT_EQ((*r)[0].start, at("2026-12-01T02:00:00Z"));
  EXPECT_EQ((*r)[0].end, at("2026-12-01T02:15:00Z"));
  EXPECT_EQ((*r)[0].pass, 0);  // absent: this model does not count passers-by
}

TEST(hikvision_counting, a_real_time_push_is_a_reading_of_running_totals) {
  const auto r = parse_hikvision_alert(fixture("hikvision-realtime.xml"), shanghai);
  ASSERT_TRUE(r) << r.error_message();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_TRUE((*r)[0].cumulative);
  EXPECT_EQ((*r)[0].end, at("2026-12-01T02:16:00Z"));
  EXPECT_EQ((*r)[0].in, 140);
  EXPECT_EQ((*r)[0].out, 121);
}

TEST(hikvision_counting, the_alert_is_found_in_a_multipart_body_beside_its_picture) {
  const auto r = parse_hikvision_alert(fixture("hikvision-multipart.txt"), shanghai);
  ASSERT_TRUE(r) << r.error_message();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].start, at("2026-12-01T02:15:00Z"));
  EXPECT_EQ((*r)[0].end, at("2026-12-01T02:30:00Z"));
  EXPECT_EQ((*r)[0].in, 7);
  EXPECT_EQ((*r)[0].out, 8);
}

TEST(hikvision_counting, another_event_type_holds_no_counts_and_is_no_error) {
  const auto r = parse_hikvision_alert(fixture("hikvision-videoloss.xml"), shanghai);
  ASSERT_TRUE(r) << r.error_message();
  EXPECT_TRUE(r->empty());
}

TEST(hikvision_counting, malformed_pushes_are_refused_naming_what_and_where) {
  auto doc = fixture("hikvision-timerange.xml");
  const auto broken = doc.substr(0, doc.find("<enter>")) + "<enter>12</ente></peopleCounting>";
  auto r = parse_hikvision_alert(broken, shanghai);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error_message(), "line 20, byte 719: not XML: Start-end tags mismatch");

  auto bad_count = doc;
  bad_count.replace(bad_count.find("<exit>9"), 7, "<exit>-3");
  r = parse_hikvision_alert(bad_count, shanghai);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error_message(), "peopleCounting/exit: expected a count, got \"-3\"");

  auto no_end = doc;
  no_end.erase(no_end.find("<endTime>"), doc.find("</endTime>") + 10 - doc.find("<endTime>"));
  r = parse_hikvision_alert(no_end, shanghai);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error_message(), "peopleCounting/TimeRange/endTime: missing");

  r = parse_hikvision_alert("<Other/>", shanghai);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error_message().find("not <EventNotificationAlert>"), std::string::npos);
}

TEST(dahua_counting, get_summary_is_a_reading_of_the_lifetime_totals) {
  const auto now = at("2026-12-01T02:00:00Z");
  const auto r = parse_dahua_summary(fixture("dahua-summary.txt"), now);
  ASSERT_TRUE(r) << r.error_message();
  EXPECT_TRUE(r->cumulative);
  EXPECT_EQ(r->end, now);  // the box's clock, not the device's UTC field
  EXPECT_EQ(r->in, 5120);
  EXPECT_EQ(r->out, 5098);
  EXPECT_EQ(r->channel, "0");
}

TEST(dahua_counting, without_lifetime_totals_today_s_are_read_and_bad_lines_are_named) {
  auto r = parse_dahua_summary("summary.EnteredSubtotal.Today=4\nsummary.ExitedSubtotal.Today=3\n", at("2026-12-01T02:00:00Z"));
  ASSERT_TRUE(r) << r.error_message();
  EXPECT_EQ(r->in, 4);
  EXPECT_EQ(r->out, 3);
  r = parse_dahua_summary("summary.Channel=0\nsummary.EnteredSubtotal.Total=x\nsummary.ExitedSubtotal.Total=1\n", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error_message(), "line 2: summary.EnteredSubtotal.Total: not a count: \"x\"");
  r = parse_dahua_summary("Error\nBad Request!\n", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error_message(), "line 1: expected key=value, got \"Error\"");
  r = parse_dahua_summary("summary.Channel=0\n", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error_message(), "summary.EnteredSubtotal.Total: missing (nor .Today)");
}

TEST(axis_counting, live_sum_is_a_reading_of_today_s_totals) {
  const auto r = parse_axis_live_sum(fixture("axis-live-sum.json"), at("2026-12-01T02:00:00Z"));
  ASSERT_TRUE(r) << r.error_message();
  EXPECT_TRUE(r->cumulative);
  EXPECT_EQ(r->in, 12);
  EXPECT_EQ(r->out, 318);
  EXPECT_EQ(r->device, "00408CAC512B");
  auto bad = parse_axis_live_sum(R"({"serial":"x","in":"12","out":3})", {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error_message(), "in: expected a non-negative integer, got \"12\"");
  EXPECT_FALSE(parse_axis_live_sum("<html>", {}));
}

TEST(xovis_counting, a_line_count_push_is_one_period_per_measurement_and_line) {
  const auto r = parse_xovis_push(fixture("xovis-linecount.json"), shanghai);
  ASSERT_TRUE(r) << r.error_message();
  // Entrance's two minutes and the shop window's one; the zone element is no line.
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].channel, "Entrance");
  EXPECT_EQ((*r)[0].device, "00:26:d7:a0:11:3c");
  EXPECT_EQ((*r)[0].start, at("2026-12-01T02:00:00Z"));
  EXPECT_EQ((*r)[0].end, at("2026-12-01T02:01:00Z"));
  EXPECT_EQ((*r)[0].in, 3);
  EXPECT_EQ((*r)[0].out, 1);
  EXPECT_EQ((*r)[1].in, 2);
  EXPECT_EQ((*r)[1].out, 4);
  EXPECT_EQ((*r)[2].channel, "Shop window");
  EXPECT_EQ((*r)[2].in, 17);
  // Taking the Entrance only; with no channel set, the two lines' shared minute is summed.
  counter_emitter entrance({"s1", "door", "main", "Entrance"});
  const auto t = entrance.take(*r, {});
  EXPECT_EQ(t.events.size(), 2u);
  EXPECT_EQ(t.other_channel, 1);
  counter_emitter any({"s1", "door", "main", ""});
  const auto all = any.take(*r, {});
  ASSERT_EQ(all.events.size(), 2u);
  EXPECT_EQ(std::get<core::traffic_count>(all.events[0].body).in, 3 + 17);
}

TEST(xovis_counting, malformed_pushes_are_refused_naming_the_path) {
  auto r = parse_xovis_push("{\"sensor-info\": {}}", shanghai);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error_message(), "content: missing (not a Xovis data push)");
  r = parse_xovis_push(R"({"content":{"element":[{"element-name":"a","measurement":[{"from":"2026-12-01T10:00:00Z",
      "to":"2026-12-01T10:01:00Z","value":[{"label":"fw","value":2},{"label":"bw","value":"x"}]}]}]}})",
                       shanghai);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error_message(), "content.element[0].measurement[0].value[1].value: expected a count, got \"x\"");
  r = parse_xovis_push(R"({"content":{"element":[{"measurement":[{"from":"2026-12-01T10:01:00Z","to":"2026-12-01T10:00:00Z","value":[]}]}]}})",
                       shanghai);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error_message(), "content.element[0].measurement[0]: \"to\" is not after \"from\"");
  EXPECT_FALSE(parse_xovis_push("<xml/>", shanghai));
}

counter_reading total(const char* iso, std::int64_t in, std::int64_t out) {
  counter_reading r;
  r.cumulative = true;
  r.start = r.end = at(iso);
  r.in = in;
  r.out = out;
  return r;
}

TEST(cumulative_counts, differences_of_accepted_readings_are_the_periods_and_a_drop_is_a_new_baseline) {
  cumulative_counts c;
  EXPECT_EQ(c.feed(total("2026-12-01T02:00:00Z", 100, 90)).what, cumulative_counts::outcome::baseline);
  c.accept(total("2026-12-01T02:00:00Z", 100, 90));
  auto r = c.feed(total("2026-12-01T02:01:00Z", 104, 91));
  ASSERT_EQ(r.what, cumulative_counts::outcome::counted);
  EXPECT_EQ(r.period.start, at("2026-12-01T02:00:00Z"));
  EXPECT_EQ(r.period.end, at("2026-12-01T02:01:00Z"));
  EXPECT_EQ(r.period.in, 4);
  EXPECT_EQ(r.period.out, 1);
  // Not accepted (the store refused it): the next reading covers both minutes.
  r = c.feed(total("2026-12-01T02:02:00Z", 107, 95));
  ASSERT_EQ(r.what, cumulative_counts::outcome::counted);
  EXPECT_EQ(r.period.start, at("2026-12-01T02:00:00Z"));
  EXPECT_EQ(r.period.in, 7);
  EXPECT_EQ(r.period.out, 5);
  c.accept(total("2026-12-01T02:02:00Z", 107, 95));
  EXPECT_EQ(c.feed(total("2026-12-01T02:02:00Z", 108, 95)).what, cumulative_counts::outcome::stale);
  EXPECT_EQ(c.feed(total("2026-12-01T02:03:00Z", 2, 1)).what, cumulative_counts::outcome::reset);
}

TEST(counter_emitter, readings_become_traffic_count_events_of_the_configured_channel_only) {
  counter_emitter e({"s1", "door", "main", "1"});
  auto period = parse_hikvision_alert(fixture("hikvision-timerange.xml"), shanghai).value();
  auto other = period;
  other[0].channel = "2";
  period.push_back(other[0]);
  const auto received = at("2026-12-01T02:15:03Z");
  const auto t = e.take(period, received);
  EXPECT_EQ(t.other_channel, 1);
  ASSERT_EQ(t.events.size(), 1u);
  const auto& ev = t.events[0];
  EXPECT_EQ(ev.source, "counter-door");
  EXPECT_EQ(ev.stream, "traffic");
  EXPECT_EQ(ev.observed_at, at("2026-12-01T02:00:00Z"));
  EXPECT_EQ(ev.received_at, received);
  const auto& c = std::get<core::traffic_count>(ev.body);
  EXPECT_EQ(c, (core::traffic_count{"door", "main", at("2026-12-01T02:00:00Z"), at("2026-12-01T02:15:00Z"), 12, 9, 31,
                                    "period"}));
  // The wire form round-trips, and a resent period has the same identity.
  EXPECT_EQ(core::decode(core::encode(ev)).value().body, ev.body);
  const auto again = e.take(parse_hikvision_alert(fixture("hikvision-retransmission.xml"), shanghai).value(), received);
  ASSERT_EQ(again.events.size(), 1u);
  EXPECT_EQ(core::dedupe_key(again.events[0]), core::dedupe_key(ev));
}

TEST(counter_emitter, overlapping_commits_never_count_twice_and_a_refused_period_is_covered_by_the_next) {
  counter_emitter e({"s1", "door", "main", ""});
  const auto t0 = e.take({total("2026-12-01T02:00:00Z", 100, 90)}, {});
  EXPECT_EQ(t0.baselines, 1);
  // Two readings taken before either is committed: the second starts where the first ended.
  const auto t1 = e.take({total("2026-12-01T02:01:00Z", 104, 91)}, {});
  const auto t2 = e.take({total("2026-12-01T02:02:00Z", 107, 95)}, {});
  ASSERT_EQ(t1.events.size(), 1u);
  ASSERT_EQ(t2.events.size(), 1u);
  const auto& c1 = std::get<core::traffic_count>(t1.events[0].body);
  const auto& c2 = std::get<core::traffic_count>(t2.events[0].body);
  EXPECT_EQ(c1.in + c2.in, 7);
  EXPECT_EQ(c2.start, c1.end);
  // The second was refused and nothing was taken since: the next difference covers its minute.
  e.not_stored(t2.steps);
  const auto t3 = e.take({total("2026-12-01T02:03:00Z", 110, 95)}, {});
  ASSERT_EQ(t3.events.size(), 1u);
  EXPECT_EQ(std::get<core::traffic_count>(t3.events[0].body).start, at("2026-12-01T02:01:00Z"));
  EXPECT_EQ(std::get<core::traffic_count>(t3.events[0].body).in, 6);
  // A refusal after a later reading was taken changes nothing: that one is already out.
  e.not_stored(t1.steps);
  const auto t4 = e.take({total("2026-12-01T02:04:00Z", 111, 96)}, {});
  EXPECT_EQ(std::get<core::traffic_count>(t4.events.at(0).body).in, 1);
}

// RFC 2617 §3.5's worked example: the same answer, byte for byte.
TEST(http_auth, the_digest_answer_matches_rfc_2617) {
  digest_challenge c{"testrealm@host.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "5ccc069c403ebaf9f0171e9517f40e41",
                     "auth", "MD5"};
  const auto a = digest_answer(c, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", 1, "0a4f113b");
  EXPECT_NE(a.find("response=\"6629fae49393a05397450978507c4ef1\""), std::string::npos) << a;
  EXPECT_NE(a.find("nc=00000001"), std::string::npos);
  EXPECT_NE(a.find("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""), std::string::npos);
}

TEST(http_auth, a_challenge_is_parsed_among_other_schemes) {
  const auto c = parse_digest_challenge(
      R"(Basic realm="x", Digest realm="Login to 4L0E3F", qop="auth", nonce="1843318551", opaque="ab")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->realm, "Login to 4L0E3F");
  EXPECT_EQ(c->nonce, "1843318551");
  EXPECT_EQ(c->qop, "auth");
  EXPECT_EQ(c->algorithm, "MD5");
  EXPECT_FALSE(parse_digest_challenge(R"(Basic realm="only")"));
}

TEST(http_auth, the_receiver_accepts_its_own_challenge_answered_and_nothing_else) {
  const http_auth_check check("digest", "hik", "pa55-word", "");
  const auto now = std::chrono::system_clock::now();
  const auto c = parse_digest_challenge(check.challenge(now)).value();
  const auto right = digest_answer(c, "hik", "pa55-word", "POST", "/counters/door", 1, "c0ffee");
  EXPECT_TRUE(check.verify("POST", "/counters/door", right, now));
  EXPECT_FALSE(check.verify("POST", "/counters/other", right, now));  // another target
  EXPECT_FALSE(check.verify("POST", "/counters/door", digest_answer(c, "hik", "wrong", "POST", "/counters/door", 1, "c0ffee"), now));
  EXPECT_FALSE(check.verify("POST", "/counters/door", right, now + std::chrono::minutes{11}));  // stale nonce
  auto forged = c;
  forged.nonce = "1764583200-00000000000000000000000000000000";
  EXPECT_FALSE(check.verify("POST", "/counters/door", digest_answer(forged, "hik", "pa55-word", "POST", "/counters/door", 1, "c"), now));
  EXPECT_TRUE(check.verify("POST", "/counters/door", basic_authorization("hik", "pa55-word"), now));
  EXPECT_FALSE(check.verify("POST", "/counters/door", basic_authorization("hik", "pa55-wore"), now));
  EXPECT_FALSE(check.verify("POST", "/counters/door", "", now));

  const http_auth_check token("token", "", "", "0123456789abcdef-token");
  EXPECT_TRUE(token.verify("POST", "/counters/door", "Bearer 0123456789abcdef-token", now));
  EXPECT_TRUE(token.verify("POST", "/counters/door?x=1&token=0123456789abcdef-token", "", now));
  EXPECT_FALSE(token.verify("POST", "/counters/door?token=0123456789abcdef-toke", "", now));
  EXPECT_FALSE(token.verify("POST", "/counters/door", basic_authorization("a", "b"), now));
}

}  // namespace
}  // namespace kelu::drivers
