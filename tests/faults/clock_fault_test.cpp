// SPDX-License-Identifier: Apache-2.0
// The wall clock stepped under a running agent, as NTP does to a box that booted three hours off,
// and stepped back: the agent runs under libfaketime (Debian's libfaketime, preloaded) with an
// offset the test rewrites, the monotonic clock left alone. Sales keep flowing through both steps;
// none is dropped or doubled, their hour stays the one their till gave, and HQ is told of each step.
#include <glob.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>


#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>

#include "core/time.hpp"
#include "dashboard/password_hash.hpp"
#include "faults/hq_buckets.hpp"
#include "integration/agent_fixture.hpp"
#include "support/http_get.hpp"

namespace kelu {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::view_of;

std::string libfaketime() {
  glob_t g{};
  std::string found;
  if (::glob("/usr/lib/*/faketime/libfaketimeMT.so.1", 0, nullptr, &g) == 0 && g.gl_pathc > 0) found = g.gl_pathv[0];
  ::globfree(&g);
  return found;
}

class clock_fault : public test::agent_process {
 protected:
  void SetUp() override {
    library = libfaketime();
    if (library.empty()) GTEST_SKIP() << "libfaketime is not installed (scripts/setup installs it)";
    agent_process::SetUp();
  }

  void start_faked_agent(long offset_s = 0) {
    set_offset_s(offset_s);
    const char* asan = std::getenv("ASAN_OPTIONS");
    start_agent({"LD_PRELOAD=" KELU_TIMERFD_SHIM ":" + library, "FAKETIME_TIMESTAMP_FILE=" + dir.file("faketime"),
                 "FAKETIME_CACHE_DURATION=1", "FAKETIME_DONT_FAKE_MONOTONIC=1",
                 // ASan wants to be first among the preloaded libraries; libfaketime only wraps time calls.
                 std::string("ASAN_OPTIONS=") + (asan ? std::string(asan) + ":" : "") + "verify_asan_link_order=0"});
  }
  // The agent's wall clock is this far from the real one from the next second on.
  void set_offset_s(long s) {
    std::ofstream(dir.file("faketime.new")) << (s >= 0 ? "+" : "") << s << "\n";
    std::filesystem::rename(dir.file("faketime.new"), dir.file("faketime"));  // never half-written
  }

  // The clock_steps HQ was last told of (an empty object before any).
  static json last_clock_steps(const std::vector<test::received>& m) {
    auto last = json::object();
    for (const auto& r : m)
      if (r.topic.ends_with("/stats")) {
        const auto p = json::parse(r.payload)["payload"];
        if (p.contains("clock_steps")) last = p["clock_steps"];
      }
    return last;
  }

  std::string library;
};

TEST_F(clock_fault, the_wall_clock_stepped_three_hours_and_back_loses_nothing_and_hq_is_told) {
  test::mqtt_collector hq{broker->uri(), "hq-clock", "kelu/v1/acme/sh-001/#"};
  start_faked_agent();
  auto c = till();
  ASSERT_EQ(send(c, 0, 100).size(), 100u);

  set_offset_s(3 * 3600);  // NTP finds the box three hours behind
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return last_clock_steps(m).value("count", 0) == 1; }, 60s)) << log();
  const auto forward = last_clock_steps(hq.messages());
  EXPECT_NEAR(forward["last_step_s"].get<double>(), 10800, 5) << forward;
  ASSERT_EQ(send(c, 100, 200).size(), 100u);

  set_offset_s(0);  // and back
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return last_clock_steps(m).value("count", 0) == 2; }, 60s)) << log();
  const auto back = last_clock_steps(hq.messages());
  EXPECT_NEAR(back["last_step_s"].get<double>(), -10800, 5) << back;
  ASSERT_EQ(send(c, 200, 300).size(), 100u);

  ASSERT_TRUE(hq.wait_until([](const auto& m) { return view_of(m).by_identity.size() >= 300; }, 60s))
      << "HQ has " << view_of(hq.messages()).by_identity.size() << "\n" << log();
  const auto v = view_of(hq.messages());
  EXPECT_EQ(v.by_identity.size(), 300u);
  for (const auto& [id, s] : v.seqs_of_txn) EXPECT_EQ(s.size(), 1u) << id << " stored twice";
  EXPECT_NE(log().find("clock: the wall clock was stepped +"), std::string::npos) << log();
  EXPECT_NE(log().find("clock: the wall clock was stepped -"), std::string::npos) << log();
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0) << log();

  // Every sale in the hour its till gave, whatever the box's clock did meanwhile.
  const auto text = kelu_output({"report", "-c", dir.file("kelu.json"), "--day", "2026-11-27", "--json"});
  const auto report = json::parse(text, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << text;
  EXPECT_EQ(report["totals"]["transactions"], 300) << report["totals"];
  for (const auto& h : report["hours"]) {
    if (h["local_start"] == "2026-11-27T18:00:00+08:00") {
      EXPECT_EQ(h["transactions"], 300);
    }
  }
  std::cout << "fault_figure "
            << json{{"case", "wall_clock_steps"}, {"steps", 2}, {"forward_s", forward["last_step_s"]},
                    {"back_s", back["last_step_s"]}, {"sales", 300}, {"lost", 0}}
                   .dump()
            << std::endl;
}

// A sale `terminal` stamps with its own clock, `off` from the real time.
std::string stamped_sale(const std::string& terminal, int n, std::chrono::seconds off) {
  const auto at = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() + off);
  return json{{"terminal", terminal},
              {"transaction_id", terminal + "-" + std::to_string(n)},
              {"time", core::format_iso8601(at)},
              {"total", "12.00"},
              {"items", json::array({{{"item_id", "SKU1"}, {"quantity", 1}}})}}
             .dump() +
         "\n";
}

// The clock_offsets of the till source HQ last heard of.
json last_clock_offsets(const std::vector<test::received>& m) {
  auto last = json::array();
  for (const auto& r : m)
    if (r.topic.ends_with("/stats"))
      for (const auto& s : json::parse(r.payload)["payload"].value("sources", json::array()))
        if (s["driver"] == "pos-tcp") last = s.value("clock_offsets", json::array());
  return last;
}

// What the technician page's "test" button answers for `target`: signed in with `password`, then
// POST /tech/api/test, as the page does.
json technician_test(std::uint16_t port, const std::string& password, const std::string& target) {
  const auto login = test::http_post(port, "/tech/login", json{{"password", password}}.dump());
  const auto cookie = login.set_cookie.substr(0, login.set_cookie.find(';'));
  return json::parse(test::http_post(port, "/tech/api/test?target=" + target, "", {{"Cookie", cookie}}).body, nullptr,
                     false);
}

// A till whose clock runs three hours ahead (its sales "in the future" for the box) next to one that
// is right: every sale stored under its till's time, and the wrong clock reported to HQ by terminal
// once its sales cover ten minutes of the box's time (here: the box's clock moved on 11 min).
TEST_F(clock_fault, a_till_hours_ahead_keeps_its_sales_and_is_reported_by_terminal) {
  test::mqtt_collector hq{broker->uri(), "hq-till-clock", "kelu/v1/acme/sh-001/#"};
  auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
  const auto dashboard_port = test::free_port();
  cfg["dashboard"]["port"] = dashboard_port;
  cfg["dashboard"]["technician_password"] = dashboard::hash_password("tech-pw", 10000);
  std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  start_faked_agent();
  auto c = till();
  const auto sell = [&](int from) {
    std::string burst;
    for (int n = from; n < from + 5; ++n) burst += stamped_sale("T1", n, 3h) + stamped_sale("T2", n, 0s);
    ASSERT_TRUE(c.send(burst, 5s));
    for (int i = 0; i < 10; ++i) {
      const auto a = c.read_line(10s);
      ASSERT_TRUE(a) << log();
      EXPECT_TRUE(json::parse(*a)["ok"].get<bool>()) << *a;  // nothing refused as "in the future"
    }
  };
  sell(0);
  // The box's clock moves on 11 min. T2 keeps the real time, 11 min behind the box from now on: not
  // off, as its sales before were on time.
  set_offset_s(660);
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return last_clock_steps(m).value("count", 0) == 1; }, 60s)) << log();
  sell(5);
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return !last_clock_offsets(m).empty(); }, 30s)) << log();
  const auto offsets = last_clock_offsets(hq.messages());
  ASSERT_EQ(offsets.size(), 1u) << offsets;  // T2 had sales on time before the step: nearest zero
  EXPECT_EQ(offsets[0]["terminal"], "T1");
  // Three hours ahead of the real time, 2 h 49 min of the stepped box's: the nearest to on time.
  EXPECT_NEAR(offsets[0]["offset_s"].get<double>(), 3 * 3600 - 660, 30) << offsets;
  const auto line = log().find("terminal T1's clock is 2 h 4");  // 2 h 48 or 49 min, by milliseconds
  ASSERT_NE(line, std::string::npos) << log();
  EXPECT_NE(log().find("min ahead of the box's", line), std::string::npos) << log();
  EXPECT_EQ(log().find("terminal T2's clock"), std::string::npos) << log();
  // The technician on site sees it too: the till's test fails, saying which terminal and how far.
  std::string till_source;
  for (const auto& r : hq.messages())
    if (r.topic.ends_with("/stats")) {
      const auto stats = json::parse(r.payload);
      for (const auto& src : stats["payload"]["sources"])
        if (src["driver"] == "pos-tcp") till_source = src["source"].get<std::string>();
    }
  const auto tested = technician_test(dashboard_port, "tech-pw", "source%3A" + till_source);
  EXPECT_EQ(tested.value("ok", true), false) << tested;
  EXPECT_NE(tested.value("detail", "").find("terminal T1's clock is 2 h 4"), std::string::npos) << tested;
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return view_of(m).by_identity.size() >= 20; }, 30s)) << log();
  EXPECT_EQ(view_of(hq.messages()).by_identity.size(), 20u);
  std::cout << "fault_figure "
            << json{{"case", "till_clock_ahead"}, {"offset_s", offsets[0]["offset_s"]}, {"sales", 20}, {"lost", 0}}.dump()
            << std::endl;
}

// The night the clocks go back in Berlin, lived by the agent. Sales dated in both 02:00 hours (the
// second an hour after the first in UTC) wait in the store from before, dated hours ahead of the
// box's clock (kept, not refused as "in the future"). The box's wall clock then steps through the
// night (libfaketime offsets: a real night is too long for a test) and stops inside each hour that
// matters. A bucket goes to HQ only once closed, so each stop shows which hours the agent took as
// over: inside the repeated 02:00 the first one is closed and the second is not.
TEST_F(clock_fault, the_night_the_clocks_go_back_has_two_two_oclock_hours_at_hq) {
  auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
  cfg["store"]["time_zone"] = "Europe/Berlin";
  cfg["analytics"] = {{"close_grace_s", 0}, {"live_interval_s", 1}};
  std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  const auto real_now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const auto wall_at = [&](const char* utc) {  // the offset that puts the agent's clock at `utc`
    return static_cast<long>(core::to_unix_ms(*core::parse_iso8601(utc)) / 1000 - real_now);
  };
  test::mqtt_collector hq{broker->uri(), "hq-dst", "kelu/v1/acme/sh-001/#"};
  start_faked_agent(wall_at("2026-10-24T22:50:00Z"));  // 00:50 summer time
  auto c = till();
  const std::vector<std::pair<const char*, int>> sales{{"2026-10-25T01:30:00+02:00", 1},
                                                      {"2026-10-25T02:30:00+02:00", 2},
                                                      {"2026-10-25T02:30:00+01:00", 3},
                                                      {"2026-10-25T03:30:00+01:00", 1}};
  std::string burst;
  int n = 0;
  for (const auto& [time, count] : sales)
    for (int i = 0; i < count; ++i) {
      auto line = json::parse(test::txn_line(n++));
      line["time"] = time;
      burst += line.dump() + "\n";
    }
  ASSERT_TRUE(c.send(burst, 5s));
  for (int i = 0; i < n; ++i) {
    const auto ack = c.read_line(10s);
    ASSERT_TRUE(ack);
    EXPECT_TRUE(json::parse(*ack)["ok"].get<bool>()) << *ack;
  }

  struct stop {
    const char* wall;         // the box's clock, UTC
    const char* closed;       // the hour HQ now has
    const char* still_open;   // and the one it must not have yet
  };
  const std::vector<stop> night{
      {"2026-10-25T00:50:00Z", "2026-10-25T01:00:00+02:00", "2026-10-25T02:00:00+02:00"},  // 02:50 summer time
      {"2026-10-25T01:50:00Z", "2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00"},  // 02:50 again, winter time
      {"2026-10-25T03:50:00Z", "2026-10-25T03:00:00+01:00", nullptr}};                     // 04:50
  for (std::size_t i = 0; i < night.size(); ++i) {
    set_offset_s(wall_at(night[i].wall));
    const auto seen = [&](const auto& m) {
      return last_clock_steps(m).value("count", 0) == static_cast<int>(i + 1) && test::hour_buckets(m).count(night[i].closed);
    };
    ASSERT_TRUE(hq.wait_until(seen, 60s)) << "at " << night[i].wall << "\n" << log();
    if (night[i].still_open) {
      EXPECT_EQ(test::hour_buckets(hq.messages()).count(night[i].still_open), 0u) << night[i].still_open << " closed early";
    }
  }
  auto hours = test::hour_buckets(hq.messages());
  const std::map<std::string, int> expected{{"2026-10-25T01:00:00+02:00", 1},
                                            {"2026-10-25T02:00:00+02:00", 2},
                                            {"2026-10-25T02:00:00+01:00", 3},
                                            {"2026-10-25T03:00:00+01:00", 1}};
  for (const auto& [start, count] : expected) {
    ASSERT_TRUE(hours.count(start)) << start << " was not sent";
    EXPECT_EQ(hours[start]["figures"]["transactions"], count) << start;
  }
  EXPECT_EQ(hours["2026-10-25T02:00:00+02:00"]["start"], "2026-10-25T00:00:00.000Z");
  EXPECT_EQ(hours["2026-10-25T02:00:00+01:00"]["start"], "2026-10-25T01:00:00.000Z");
  EXPECT_EQ(test::revisions_reused(hq.messages()), std::vector<std::string>{});
  std::cout << "fault_figure "
            << json{{"case", "dst_night"}, {"stops", night.size()}, {"sales", n}, {"hours_at_hq", hours.size()}}.dump()
            << std::endl;
}

}  // namespace
}  // namespace kelu
