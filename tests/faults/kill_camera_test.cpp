// SPDX-License-Identifier: Apache-2.0
// kill -9 under a camera counting people (built with vision only). The promise: a camera has no
// resend, so what was in flight when the agent died (frames read and not yet analysed, a crossing
// the line counter had not yet settled, heat not yet written) may be lost; what was committed is
// not, it reaches HQ once under the (source, seq) it was stored with, and the restarted camera
// counts no crossing a second time.
#include <signal.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/videoio.hpp>

#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include "faults/disk_fault.hpp"
#include "faults/fault_figure.hpp"
#include "support/synthetic_scene.hpp"

namespace kelu {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The camera's events HQ received, by "source/seq" (each kept once: HQ files them by identity).
std::map<std::string, json> camera_events_at_hq(const std::vector<test::received>& msgs) {
  std::map<std::string, json> out;
  for (const auto& m : msgs) {
    if (m.topic.find("/events/") == std::string::npos) continue;
    auto e = json::parse(m.payload);
    if (!e["source"].get<std::string>().starts_with("camera-")) continue;
    out.emplace(e["source"].get<std::string>() + "/" + std::to_string(e["seq"].get<std::int64_t>()), std::move(e));
  }
  return out;
}

class kill_9_camera : public test::disk_fault {
 protected:
  void SetUp() override {
    disk_fault::SetUp();
    if (IsSkipped()) return;
    // 3 s of empty floor to learn, then four waves of three people walking down through y = 240,
    // each wave further right: background subtraction learns what stood still where, and the same
    // clothes at the same place are background to it by the fourth time. 12 crossings in 14.2 s.
    const auto video = dir.file("door.avi");
    cv::VideoWriter w(video, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, {640, 480});
    ASSERT_TRUE(w.isOpened());
    const test::scene s;
    for (int i = 0; i < 30; ++i) w.write(s.with({}));
    for (int wave = 0; wave < 4; ++wave) {
      for (int k = 0; k < 25; ++k) {
        std::vector<cv::Rect> people;
        for (int p = 0; p < 3; ++p) people.emplace_back(40 + 220 * p + 50 * wave, 40 + 12 * k, 40, 100);
        w.write(s.with(people));
      }
      for (int i = 0; i < 3; ++i) w.write(s.with({}));
    }
    auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
    cfg["cameras"] = json::array({{{"id", "door"},
                                   {"url", video},
                                   {"loop", true},
                                   {"person_height_px", 100},
                                   {"occupancy_interval_s", 5},
                                   {"lines", {{{"name", "entrance"}, {"from", {0, 240}}, {"to", {640, 240}}}}},
                                   {"zones", {{{"name", "left"}, {"polygon", {{0, 0}, {320, 0}, {320, 480}, {0, 480}}}}}}}});
    std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  }

  // With the agent down: the database is whole and holds every camera event HQ has, as HQ has it.
  void expect_database_holds_hq(const std::vector<test::received>& msgs, const std::string& when) {
    const auto check = test::check_database(data(), dir.path() / "check");
    EXPECT_EQ(check.integrity, "ok") << when;
    for (const auto& [identity, e] : camera_events_at_hq(msgs)) {
      const auto it = check.events.find(identity);
      ASSERT_NE(it, check.events.end()) << when << ": " << identity << " is at HQ and not in the database";
      EXPECT_EQ(it->second, e["id"]) << when << ": " << identity << " names another event at HQ";
    }
  }
};

TEST_F(kill_9_camera, committed_events_reach_hq_once_and_no_crossing_is_counted_twice) {
  test::mqtt_collector hq{broker->uri(), "hq-kill-camera", "kelu/v1/acme/sh-001/events/#"};
  const auto at_hq = [&] { return camera_events_at_hq(hq.messages()).size(); };
  const int kills = 20 * test::fault_scale();
  for (int k = 0; k < kills; ++k) {
    start_agent();
    const auto before = at_hq();
    // Killed once HQ has 1 to 3 more of the camera's events: mid-stream, at a different point of
    // the pipeline each time (crossings and zone visits as the waves pass, occupancy every 5 s).
    ASSERT_TRUE(hq.wait_until([&](const auto& m) { return camera_events_at_hq(m).size() >= before + 1 + std::size_t(k % 3); }, 30s))
        << "round " << k << ": no camera events in 30 s\n" << log();
    agent->stop(SIGKILL, 10s);
    expect_database_holds_hq(hq.messages(), "after kill " + std::to_string(k + 1));
    if (HasFailure()) return;
  }
  // Everything committed before the last kill, still in the outbox, reaches HQ after a restart.
  const auto stored = test::check_database(data(), dir.path() / "check").events;
  std::set<std::string> camera_stored;
  for (const auto& [identity, id] : stored)
    if (identity.starts_with("camera-")) camera_stored.insert(identity);
  start_agent();
  ASSERT_TRUE(hq.wait_until(
      [&](const auto& m) {
        const auto got = camera_events_at_hq(m);
        return std::all_of(camera_stored.begin(), camera_stored.end(), [&](const auto& i) { return got.count(i) > 0; });
      },
      60s))
      << "HQ has " << at_hq() << " camera events of the " << camera_stored.size() << " stored\n" << log();
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0) << log();
  const auto msgs = hq.messages();
  expect_database_holds_hq(msgs, "at the end");

  // Each crossing once: no (track, frame time, line, direction) under two identities.
  std::set<std::tuple<std::int64_t, std::string, std::string, std::string>> crossings;
  std::size_t doubled = 0;
  std::map<std::string, std::set<std::string>> ids_of_identity;
  for (const auto& m : msgs) {
    if (m.topic.find("/events/") == std::string::npos) continue;
    const auto e = json::parse(m.payload);
    if (!e["source"].get<std::string>().starts_with("camera-")) continue;
    ids_of_identity[e["source"].get<std::string>() + "/" + std::to_string(e["seq"].get<std::int64_t>())].insert(
        e["id"].get<std::string>());
  }
  for (const auto& [identity, e] : camera_events_at_hq(msgs)) {
    EXPECT_EQ(ids_of_identity[identity].size(), 1u) << identity << " sent as two different events";
    if (e["type"] != "traffic.line_cross") continue;
    const auto& p = e["payload"];
    doubled += !crossings
                    .insert({p["track_id"].get<std::int64_t>(), e["observed_at"].get<std::string>(),
                             p["line"].get<std::string>(), p["direction"].get<std::string>()})
                    .second;
  }
  EXPECT_EQ(doubled, 0u);
  EXPECT_GT(crossings.size(), 0u) << "no crossing was counted: the kills tested nothing of the line counter";
  test::fault_figure("kill_9_camera", {{"kills", kills}, {"camera_events", camera_events_at_hq(msgs).size()},
                                       {"crossings", crossings.size()}, {"lost", 0}, {"doubled", doubled}});
}

}  // namespace
}  // namespace kelu
