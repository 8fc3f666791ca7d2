// Cameras in the running agent: a recorded door video -> kelu run -> SQLite -> mosquitto -> HQ.
#include <signal.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/videoio.hpp>

#include <fstream>
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

  void start_agent(const json& cameras) {
    std::ofstream(dir.file("kelu.json")) << json{
        {"store", {{"tenant", "acme"}, {"id", "sh-001"}, {"time_zone", "Asia/Shanghai"}}},
        {"storage", {{"path", dir.file("kelu.db")}}},
        {"mqtt", {{"uri", broker.uri()}, {"reconnect_min_ms", 50}, {"reconnect_max_ms", 500}}},
        {"sources", {{"pos_tcp", {{"enabled", false}}}}},
        {"cameras", cameras},
        {"health", {{"interval_s", 1}}}}.dump(2);
    agent = std::make_unique<test::process>(
        std::vector<std::string>{KELU_BINARY, "run", "--config", dir.file("kelu.json")}, dir.file("kelu.log"));
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

}  // namespace
}  // namespace kelu
