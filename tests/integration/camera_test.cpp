// SPDX-License-Identifier: Apache-2.0
// Cameras in the running agent: a recorded door video -> kelu run -> SQLite -> mosquitto -> HQ.
#include <signal.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/videoio.hpp>

#include <fstream>
#include <filesystem>
#include <set>

#include "support/mosquitto.hpp"
#include "support/mqtt_collector.hpp"
#include "support/process.hpp"
#include "support/schema_check.hpp"
#include "support/synthetic_scene.hpp"
#include "support/temp_dir.hpp"

namespace kelu {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class camera_agent : public testing::Test {
 protected:
  void SetUp() override {
    if (!test::mosquitto::available()) GTEST_SKIP() << "mosquitto is not installed (scripts/setup installs it)";
    broker.start();
  }

  void start_agent(const json& cameras, const std::string& binary = KELU_BINARY) {
    std::ofstream(dir.file("kelu.json")) << json{
        {"store", {{"tenant", "acme"}, {"id", "sh-001"}, {"time_zone", "Asia/Shanghai"}}},
        {"storage", {{"path", dir.file("kelu.db")}}},
        {"mqtt", {{"uri", broker.uri()}, {"reconnect_min_ms", 50}, {"reconnect_max_ms", 500}}},
        {"sources", {{"pos_tcp", {{"enabled", false}}}}},
        {"cameras", cameras},
        {"health", {{"interval_s", 1}}}}.dump(2);
    agent = std::make_unique<test::process>(
        std::vector<std::string>{binary, "run", "--config", dir.file("kelu.json")}, dir.file("kelu.log"));
  }

  // Publishes `doc` as HQ's desired configuration (retained, as HQ does).
  void desire(const json& doc) {
    std::ofstream(dir.file("desired.json.msg")) << doc.dump();
    test::process pub({"/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker.port()), "-q", "1",
                       "-r", "-t", "kelu/v1/acme/sh-001/config/desired", "-f", dir.file("desired.json.msg")},
                      dir.file("pub.log"));
    ASSERT_EQ(pub.wait(10s), 0);
  }

  static std::int64_t frames_read(const json& health, const std::string& id) {
    for (const auto& c : health["payload"]["cameras"])
      if (c["camera"] == id) return c["frames_read"].get<std::int64_t>();
    return -1;
  }

  std::string log() const {
    std::ifstream in(dir.file("kelu.log"));
    return {std::istreambuf_iterator<char>(in), {}};
  }

  static std::vector<json> of_type(const std::vector<test::received>& msgs, const std::string& type) {
    std::vector<json> out;
    for (const auto& m : msgs) {
      if (m.topic.find("/events/") == std::string::npos && !m.topic.ends_with("/stats")) continue;
      auto j = json::parse(m.payload);
      if (j["type"] == type) out.push_back(std::move(j));
    }
    return out;
  }

  test::temp_dir dir;
  test::mosquitto broker;
  std::unique_ptr<test::process> agent;
};

TEST_F(camera_agent, people_walking_through_the_door_reach_hq_as_crossings_and_zone_visits) {
  const auto video = dir.file("door.avi");
  {
    cv::VideoWriter w(video, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, {640, 480});
    ASSERT_TRUE(w.isOpened());
    const test::scene s;
    for (const auto& f : test::walk_down(s, 2)) w.write(f);
  }
  test::mqtt_collector hq{broker.uri(), "hq-camera", "kelu/v1/acme/sh-001/#"};
  start_agent(json::array({{{"id", "door"},
                            {"url", video},
                            {"person_height_px", 100},
                            {"occupancy_interval_s", 5},
                            {"lines", {{{"name", "entrance"}, {"from", {0, 240}}, {"to", {640, 240}}}}},
                            {"zones", {{{"name", "left_aisle"},
                                        {"polygon", {{0, 0}, {250, 0}, {250, 480}, {0, 480}}}}}}}}));
  const auto crossings = [&](const std::vector<test::received>& m) { return of_type(m, "traffic.line_cross").size(); };
  // The file plays in real time: 105 frames at 10 fps.
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return crossings(m) >= 2; }, 40s)) << log();
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return !of_type(m, "traffic.zone_dwell").empty(); }, 20s)) << log();
  ASSERT_TRUE(hq.wait_until(
      [&](const auto& m) {
        for (const auto& h : of_type(m, "agent.health"))
          if (!h["payload"]["cameras"].empty() && h["payload"]["cameras"][0]["frames_processed"] > 50) return true;
        return false;
      },
      20s));
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0) << log();

  const auto msgs = hq.messages();
  for (const auto& c : of_type(msgs, "traffic.line_cross")) {
    EXPECT_EQ(c["source"], "camera-door");
    EXPECT_EQ(c["stream"], "traffic");
    EXPECT_EQ(c["payload"]["line"], "entrance");
    EXPECT_EQ(c["payload"]["direction"], "in");
  }
  EXPECT_EQ(crossings(msgs), 2u);

  // The funnel joins them: today's live topic and `kelu report` count the two visitors.
  json last_live;
  for (const auto& m : msgs)
    if (m.topic.ends_with("/live")) last_live = json::parse(m.payload);
  ASSERT_FALSE(last_live.is_null()) << "no live message";
  EXPECT_EQ(last_live["visitors"], 2);
  EXPECT_EQ(last_live["occupancy_now"], 2);
  test::process report({KELU_BINARY, "report", "-c", dir.file("kelu.json"), "--json"}, dir.file("report.json"));
  ASSERT_EQ(WEXITSTATUS(report.wait(30s)), 0);
  const auto r = json::parse(std::ifstream(dir.file("report.json")));
  EXPECT_EQ(r["totals"]["visitors"], 2);
  EXPECT_EQ(r["cameras"]["door"]["entries"], 2);
  EXPECT_EQ(r["zones"]["door/left_aisle"]["visits"], 1);
  EXPECT_GT(r["totals"]["covered_ms"], 0);  // the agent's own run
  const auto visits = of_type(msgs, "traffic.zone_dwell");
  ASSERT_EQ(visits.size(), 1u) << "only the left walker is in the left aisle";
  EXPECT_GT(visits[0]["payload"]["dwell_ms"].get<int>(), 2000);
  for (const auto& m : msgs) {
    if (m.topic.find("/events/") == std::string::npos) continue;
    EXPECT_TRUE(m.topic.ends_with("/events/traffic") || m.topic.ends_with("/events/health")) << m.topic;
  }

  const auto checked = test::check_against_schemas(msgs, KELU_SOURCE_DIR, dir.path().string());
  if (!checked.available) GTEST_SKIP() << "python3-jsonschema is not installed (scripts/setup installs it)";
  EXPECT_EQ(checked.status, 0) << checked.text;
  EXPECT_NE(checked.text.find("0 failures"), std::string::npos) << checked.text;
}

// A real RTSP server (GStreamer's, tests/support/rtsp_server.py) serving the door video. It
// goes away mid-run and comes back: the camera reconnects, counts again, and reports the
// time without frames as a camera.gap.
TEST_F(camera_agent, an_rtsp_camera_counts_and_reports_the_outage_when_its_server_restarts) {
  const std::string server = KELU_SOURCE_DIR "/tests/support/rtsp_server.py";
  {
    test::process probe({"/usr/bin/python3", "-c",
                         "import gi; gi.require_version('GstRtspServer', '1.0'); "
                         "from gi.repository import GstRtspServer"},
                        dir.file("probe.log"));
    if (probe.wait(20s) != 0) GTEST_SKIP() << "no gst-rtsp-server for Python (scripts/setup installs it)";
  }
  const auto video = dir.file("door.avi");
  {
    cv::VideoWriter w(video, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, {640, 480});
    ASSERT_TRUE(w.isOpened());
    const test::scene s;
    for (const auto& f : test::walk_down(s, 2)) w.write(f);
  }
  const auto port = test::free_port();
  auto rtsp = std::make_unique<test::process>(
      std::vector<std::string>{"/usr/bin/python3", server, std::to_string(port), video}, dir.file("rtsp1.log"));
  ASSERT_TRUE(test::wait_for_port(port, 20s)) << "the RTSP server did not listen";

  test::mqtt_collector hq{broker.uri(), "hq-rtsp", "kelu/v1/acme/sh-001/#"};
  start_agent(json::array({{{"id", "door"},
                            {"url", "rtsp://127.0.0.1:" + std::to_string(port) + "/door"},
                            {"person_height_px", 100},
                            {"read_timeout_s", 2},
                            {"reconnect_max_s", 1},
                            {"lines", {{{"name", "entrance"}, {"from", {0, 240}}, {"to", {640, 240}}}}}}}));
  const auto crossings = [&](const std::vector<test::received>& m) { return of_type(m, "traffic.line_cross").size(); };
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return crossings(m) >= 2; }, 40s)) << log();

  rtsp->stop(SIGTERM, 10s);  // the camera goes away
  ASSERT_TRUE(hq.wait_until(
      [&](const auto& m) {
        for (const auto& h : of_type(m, "agent.health"))
          if (!h["payload"]["cameras"].empty() && h["payload"]["cameras"][0]["state"] == "offline") return true;
        return false;
      },
      20s))
      << log();
  rtsp = std::make_unique<test::process>(
      std::vector<std::string>{"/usr/bin/python3", server, std::to_string(port), video}, dir.file("rtsp2.log"));
  ASSERT_TRUE(test::wait_for_port(port, 20s));
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return !of_type(m, "camera.gap").empty(); }, 30s)) << log();
  // The video plays again from its start: the same two people, new tracks.
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return crossings(m) >= 4; }, 40s)) << log();
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0) << log();

  const auto msgs = hq.messages();
  const auto gap = of_type(msgs, "camera.gap").at(0)["payload"];
  EXPECT_EQ(gap["camera"], "door");
  EXPECT_LT(gap["from"].get<std::string>(), gap["to"].get<std::string>());
  std::set<std::int64_t> tracks;
  for (const auto& c : of_type(msgs, "traffic.line_cross")) {
    EXPECT_EQ(c["payload"]["direction"], "in");
    tracks.insert(c["payload"]["track_id"].get<std::int64_t>());
  }
  EXPECT_EQ(tracks.size(), crossings(msgs)) << "track ids are never reused, across the outage too";
}

TEST_F(camera_agent, a_camera_that_never_answers_is_offline_and_its_gap_is_reported) {
  test::mqtt_collector hq{broker.uri(), "hq-gap", "kelu/v1/acme/sh-001/#"};
  const auto port = test::free_port();  // nothing listens there
  start_agent(json::array({{{"id", "back"},
                            {"url", "rtsp://127.0.0.1:" + std::to_string(port) + "/stream"},
                            {"read_timeout_s", 1},
                            {"reconnect_max_s", 1}}}));
  ASSERT_TRUE(hq.wait_until(
      [&](const auto& m) {
        for (const auto& h : of_type(m, "agent.health")) {
          const json& cams = h["payload"]["cameras"];
          if (!cams.empty() && cams[0]["state"] == "offline" && cams[0]["last_error"] != "") return true;
        }
        return false;
      },
      20s))
      << log();
  EXPECT_EQ(agent->stop(SIGTERM, 20s), 0) << log();
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return !of_type(m, "camera.gap").empty(); }, 10s)) << log();
  const auto gap = of_type(hq.messages(), "camera.gap").at(0);
  EXPECT_EQ(gap["payload"]["camera"], "back");
  EXPECT_LT(gap["payload"]["from"].get<std::string>(), gap["payload"]["to"].get<std::string>());
  EXPECT_NE(gap["payload"]["reason"].get<std::string>().find("rtsp://127.0.0.1"), std::string::npos);
}

// The real NCR POSLog sale and a recorded door video of the same morning in one store's
// database (`kelu ingest`, then `kelu count --store-at`): one report with both, its revenue
// exactly the till's, its visitors exactly the recording's.
TEST(recorded_day, the_ncr_poslog_and_a_recorded_door_video_make_one_report) {
  const std::filesystem::path shared = KELU_SHARED_DATA;
  if (!std::filesystem::exists(shared / "pos")) GTEST_SKIP() << "needs ../shared/data/pos, which is absent";
  if (!std::filesystem::exists(KELU_SAMPLE_VIDEO)) GTEST_SKIP() << "needs scripts/fetch-sample-video first";
  test::temp_dir dir;
  std::ofstream(dir.file("kelu.json")) << json{
      {"store", {{"tenant", "acme"}, {"id", "us-1"}, {"time_zone", "UTC"}, {"currency", "USD"}}},
      {"storage", {{"path", dir.file("kelu.db")}}},
      {"cameras", {{{"id", "door"}, {"url", KELU_SAMPLE_VIDEO},
                    {"lines", {{{"name", "entrance"}, {"from", {0, 300}}, {"to", {768, 300}}}}}}}}}.dump(2);
  const auto run = [&](std::vector<std::string> args, const std::string& out) {
    args.insert(args.begin(), KELU_BINARY);
    test::process p(args, dir.file(out));
    return WEXITSTATUS(p.wait(180s));
  };
  const auto text = [&](const std::string& f) {
    std::ifstream in(dir.file(f));
    return std::string{std::istreambuf_iterator<char>(in), {}};
  };
  ASSERT_EQ(run({"ingest", "-c", dir.file("kelu.json"), "--format", "poslog", (shared / "pos/poslog-ncr-small.xml").string()},
                "ingest.txt"), 0) << text("ingest.txt");
  // The sale was rung up at 02:02:54; the recording starts at 02:00 and runs 40 s (400 frames).
  const std::vector<std::string> count{"count", "--video", KELU_SAMPLE_VIDEO, "--config", dir.file("kelu.json"),
                                       "--camera", "door", "--max-frames", "400", "--json", "--store-at",
                                       "2017-10-01T02:00:00"};
  ASSERT_EQ(run(count, "count.json"), 0) << text("count.json");
  const auto counted = json::parse(text("count.json").substr(0, text("count.json").find('\n')));
  const auto in = counted["lines"]["entrance"]["in"].get<int>();
  EXPECT_GT(in, 0);
  EXPECT_NE(text("count.json").find("as source recording-door"), std::string::npos) << text("count.json");
  EXPECT_EQ(run(count, "again.txt"), 2);  // the same span twice would count people twice
  EXPECT_NE(text("again.txt").find("already has events"), std::string::npos) << text("again.txt");

  ASSERT_EQ(run({"report", "-c", dir.file("kelu.json"), "--day", "2017-10-01", "--json"}, "report.json"), 0)
      << text("report.json");
  const auto r = json::parse(text("report.json"));
  EXPECT_EQ(r["totals"]["net_sales_minor"], 107);  // 1.07 USD, the till's total
  EXPECT_EQ(r["totals"]["transactions"], 1);
  // The cashier signed on at 02:01:31, after the recording's last entry: that entry was the cashier
  // coming in (analytics.staff_sign_on_entries), the rest are visitors.
  EXPECT_EQ(r["totals"]["staff_entries"]["sign_on"], 1);
  EXPECT_EQ(r["totals"]["visitors"], in - 1);
  EXPECT_EQ(r["totals"]["exits"], counted["lines"]["entrance"]["out"]);
  EXPECT_EQ(r["totals"]["covered_ms"], 40'000);  // what the recording saw, and nothing else
  EXPECT_TRUE(r["totals"]["conversion"].is_null());  // 40 s of a day is not a conversion rate
  for (const auto& h : r["hours"])
    if (h["local_start"] == "2017-10-01T02:00:00+00:00") {
      EXPECT_EQ(h["visitors"], in - 1);
      EXPECT_EQ(h["transactions"], 1);
    }
  ASSERT_EQ(r["associates"].size(), 1u);
  EXPECT_EQ(r["associates"][0]["operator_id"], "94");
}

// HQ changes one camera's stream: that camera is rebuilt and delivers from the new one, the other
// never stops (its frame count never goes back); a stream that gives no frames is rolled back.
TEST_F(camera_agent, hq_changes_a_cameras_stream_and_a_dead_one_is_rolled_back) {
  const auto write_video = [](const std::string& path) {
    cv::VideoWriter w(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, {640, 480});
    ASSERT_TRUE(w.isOpened());
    const test::scene s;
    for (const auto& f : test::walk_down(s, 1)) w.write(f);
  };
  write_video(dir.file("a.avi"));
  write_video(dir.file("b.avi"));
  test::mqtt_collector hq{broker.uri(), "hq-cam-change", "kelu/v1/acme/sh-001/#"};
  start_agent(json::array({{{"id", "door"}, {"url", dir.file("a.avi")}, {"loop", true}},
                           {{"id", "floor"}, {"url", dir.file("a.avi")}, {"loop", true}}}));
  const auto healths = [&] { return of_type(hq.messages(), "agent.health"); };
  const auto delivering = [&](const std::string& id) {
    return hq.wait_until(
        [&](const auto& m) {
          const auto h = of_type(m, "agent.health");
          return !h.empty() && frames_read(h.back(), id) > 0;
        },
        20s);
  };
  ASSERT_TRUE(delivering("door") && delivering("floor")) << log();
  const auto reports = [&](std::size_t n) {
    std::vector<json> out;
    EXPECT_TRUE(hq.wait_until(
        [&](const auto& m) {
          out.clear();
          for (const auto& x : m)
            if (x.topic.ends_with("/config/reported")) out.push_back(json::parse(x.payload));
          return out.size() >= n;
        },
        30s))
        << log();
    return out.size() >= n ? out[n - 1] : json();
  };
  auto cameras = json::array({{{"id", "door"}, {"url", dir.file("b.avi")}, {"loop", true}},
                              {{"id", "floor"}, {"url", dir.file("a.avi")}, {"loop", true}}});
  desire({{"version", 1}, {"config", {{"cameras", cameras}, {"fleet", {{"gate_s", 5}}}}}});
  const auto applied = reports(1);
  EXPECT_EQ(applied["state"], "applied") << applied;
  EXPECT_EQ(applied["rebuilt"], json::array({"cameras[door]"}));
  EXPECT_NE(log().find("camera door: " + dir.file("b.avi")), std::string::npos) << log();

  cameras[0]["url"] = dir.file("missing.avi");
  desire({{"version", 2}, {"config", {{"cameras", cameras}, {"fleet", {{"gate_s", 3}}}}}});
  const auto undone = reports(2);
  EXPECT_EQ(undone["state"], "rolled_back") << undone;
  ASSERT_FALSE(undone["reason"].empty()) << undone;
  EXPECT_EQ(undone["reason"][0].get<std::string>().rfind("cameras[door]: no frames", 0), 0u) << undone;
  EXPECT_EQ(undone["applied_version"], 1);
  // Back on b.avi, and the floor camera ran through both changes without starting over.
  const auto seen = healths().size();
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return of_type(m, "agent.health").size() > seen + 1; }, 10s));
  const auto h = healths();
  EXPECT_GT(frames_read(h.back(), "door"), 0);
  std::int64_t floor_before = 0;
  for (const auto& x : h) {
    const auto n = frames_read(x, "floor");
    EXPECT_GE(n, floor_before) << "the floor camera was restarted";
    floor_before = n;
  }
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0) << log();
}

// The lean box (agent/camera_module.hpp): the camera module, and with it OpenCV's libraries, is
// mapped only once a camera needs it; here when HQ gives a POS-only box its first camera.
bool maps(pid_t pid, const std::string& library) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
  for (std::string line; std::getline(in, line);)
    if (line.find(library) != std::string::npos) return true;
  return false;
}

TEST_F(camera_agent, a_box_without_cameras_maps_no_opencv_until_hq_gives_it_one) {
  {
    cv::VideoWriter w(dir.file("a.avi"), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, {640, 480});
    ASSERT_TRUE(w.isOpened());
    const test::scene s;
    for (const auto& f : test::walk_down(s, 1)) w.write(f);
  }
  test::mqtt_collector hq{broker.uri(), "hq-lean-box", "kelu/v1/acme/sh-001/#"};
  start_agent(json::array());
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return !of_type(m, "agent.health").empty(); }, 30s)) << log();
  EXPECT_FALSE(maps(agent->pid(), "kelu-camera.so"));
  EXPECT_FALSE(maps(agent->pid(), "libopencv_core"));

  desire({{"version", 1},
          {"config", {{"cameras", json::array({{{"id", "door"}, {"url", dir.file("a.avi")}, {"loop", true}}})},
                      {"fleet", {{"gate_s", 3}}}}}});
  ASSERT_TRUE(hq.wait_until(
      [&](const auto& m) {
        const auto h = of_type(m, "agent.health");
        return !h.empty() && frames_read(h.back(), "door") > 0;
      },
      30s))
      << log();
  EXPECT_TRUE(maps(agent->pid(), "kelu-camera.so"));
  EXPECT_TRUE(maps(agent->pid(), "libopencv_videoio"));
}

// Without its module, or with one of another build, a box with cameras refuses to start and says
// why, naming the key; a POS-only box starts without one. The binary is linked into a directory of
// the test's own, where the loader looks: lib/kelu/ beside bin/, then bin/.
TEST_F(camera_agent, without_its_camera_module_or_with_another_builds_cameras_are_refused_by_name) {
  const auto bin = dir.path() / "bin";
  std::filesystem::create_directories(bin);
  std::filesystem::create_directories(dir.path() / "lib" / "kelu");
  const auto kelu = (bin / "kelu").string();
  std::error_code linked;
  std::filesystem::create_hard_link(KELU_BINARY, kelu, linked);
  if (linked) std::filesystem::copy_file(KELU_BINARY, kelu);
  const auto refusal = [&]() -> std::string {
    start_agent(json::array({{{"id", "door"}, {"url", dir.file("none.avi")}}}), kelu);
    EXPECT_NE(agent->wait(60s), 0) << log();
    const auto text = log();
    std::filesystem::remove(dir.file("kelu.log"));
    return text;
  };

  auto text = refusal();
  EXPECT_NE(text.find("cameras: the camera module kelu-camera.so is not installed (looked for " +
                      (dir.path() / "lib" / "kelu" / "kelu-camera.so").string() + ", " + (bin / "kelu-camera.so").string()),
            std::string::npos)
      << text;

  std::ofstream(bin / "kelu-camera.so") << "not a shared object";
  text = refusal();
  EXPECT_NE(text.find("cameras: " + (bin / "kelu-camera.so").string() + ": "), std::string::npos) << text;

  std::filesystem::copy_file(KELU_OTHER_CAMERA_MODULE, dir.path() / "lib" / "kelu" / "kelu-camera.so");
  text = refusal();
  EXPECT_NE(text.find("kelu-camera.so is version 0.0.0-another-build, this kelu is "), std::string::npos) << text;
  EXPECT_NE(text.find("restart kelu after an update"), std::string::npos) << text;

  test::mqtt_collector hq{broker.uri(), "hq-pos-only", "kelu/v1/acme/sh-001/#"};
  start_agent(json::array(), kelu);
  EXPECT_TRUE(hq.wait_until([&](const auto& m) { return !of_type(m, "agent.health").empty(); }, 30s)) << log();
}

}  // namespace
}  // namespace kelu
