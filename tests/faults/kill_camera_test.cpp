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

#include "core/time.hpp"
#include "dashboard/access_token.hpp"
#include "faults/disk_fault.hpp"
#include "faults/fault_figure.hpp"
#include "support/http_get.hpp"
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
    // each wave further right: MOG2 keeps a second mode per pixel, so the same clothes over the
    // same pixels were background to it from the second wave on (3 crossings in 4 waves, `kelu
    // count`). Shifted: 12 crossings in 14.2 s.
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

// The heat of the hour so far, on the manager's heat map, over a restart and over a kill: kept
// beside the database (cameras[].heat_checkpoint_s, 1 s here) and carried on by the next run,
// instead of the hour starting empty after every update, settings change or crash.
TEST_F(kill_9_camera, the_hours_heat_so_far_survives_a_restart_and_a_kill) {
  const auto http_port = test::free_port();
  auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
  cfg["cameras"][0]["heat_checkpoint_s"] = 1;
  cfg["dashboard"]["port"] = http_port;
  std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  start_agent();
  ASSERT_TRUE(test::wait_for_port(http_port, 10s)) << log();  // its key made: reading it now makes none
  const auto key = dashboard::load_or_create_key(data() / "dashboard.key");
  ASSERT_TRUE(key) << key.error_message();
  const auto token = dashboard::make_token(*key, "acme", "sh-001");
  // The door camera's person-tenths of a second today, as the manager's page gets them, if the
  // hour in progress is in it since `since` (its `until` is then the time of the answer).
  const auto heat_today = [&](std::chrono::system_clock::time_point since = {}) -> std::int64_t {
    const auto r = test::http_get(http_port, "/api/v1/heatmap", {{"Authorization", "Bearer " + token}});
    if (r.status != 200) return -1;
    const auto doc = json::parse(r.body);
    const auto& cam = doc["cameras"][0];
    if (!cam["until"].is_string() || *core::parse_iso8601(cam["until"].get<std::string>()) < since) return -1;
    std::int64_t ds = 0;
    for (const auto& v : cam["cells_ds"]) ds += v.get<std::int64_t>();
    return ds;
  };
  // The first heat the restarted agent shows with the hour in progress in it (after its first
  // frame): carried on, it is all of it at once; started afresh, it would be the first few
  // frames' (tenths of a second, against the 15 s before) and the day's closed hours.
  const auto first_heat_after_start = [&](std::chrono::system_clock::time_point started) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    std::int64_t h = 0;
    while ((h = heat_today(started)) <= 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    return h;
  };
  const auto wait_for_heat = [&](std::int64_t ds) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (heat_today() < ds && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(100ms);
    return heat_today();
  };
  const auto before_stop = wait_for_heat(150);
  ASSERT_GE(before_stop, 150) << log();
  ASSERT_EQ(agent->stop(SIGTERM, 15s), 0) << log();
  auto restarted = std::chrono::system_clock::now();
  start_agent();
  const auto after_stop = first_heat_after_start(restarted);
  EXPECT_GE(after_stop, before_stop) << "the hour's heat did not survive a stop\n" << log();

  // A kill: what the last checkpoint held (the file is the agent's own record of it) comes back.
  ASSERT_GE(wait_for_heat(after_stop + 150), after_stop + 150) << log();
  const auto checkpoint = dir.path() / "data" / "heat-door.json";
  const auto saved_ds = [&] {
    const auto doc = json::parse(std::ifstream(checkpoint), nullptr, false);
    double s = 0;
    if (doc.is_discarded()) return std::int64_t{-1};
    for (const auto* k : {"hour_cells", "day_cells"})
      for (const auto& v : doc[k]) s += v.get<double>();
    return static_cast<std::int64_t>(s * 10);
  };
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (saved_ds() < after_stop + 150 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(100ms);
  agent->stop(SIGKILL, 10s);
  const auto saved = saved_ds();
  ASSERT_GE(saved, after_stop + 150) << "no checkpoint in 30 s with heat_checkpoint_s 1";
  restarted = std::chrono::system_clock::now();
  start_agent();
  const auto after_kill = first_heat_after_start(restarted);
  // Each cell's tenths are rounded on the page: at most half a tenth a cell lower than the sum.
  EXPECT_GE(after_kill, saved - 32 * 24 / 2) << "the checkpoint's heat did not survive a kill\n" << log();
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0) << log();
  test::fault_figure("camera_heat_over_restarts", {{"before_stop_ds", before_stop}, {"after_stop_ds", after_stop},
                                                  {"checkpoint_at_kill_ds", saved}, {"after_kill_ds", after_kill}});
}

}  // namespace
}  // namespace kelu
