// SPDX-License-Identifier: Apache-2.0
// Accuracy audits: the judging worked by hand, and the audit's life on the box against a real
// SQLite store and real files (a fake camera stands in for the vision thread's recording; the
// browser test records from the real one).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/accuracy_audit.hpp"
#include "agent/audit_service.hpp"
#include "config/loader.hpp"
#include "support/events.hpp"
#include "support/temp_dir.hpp"
#include "sync/audit_store.hpp"
#include "sync/database.hpp"
#include "sync/event_store.hpp"
#include "sync/outbox.hpp"
#include "sync/topics.hpp"

namespace kelu {
namespace {

using namespace std::chrono;
using nlohmann::json;
using test::at;

camera::audit_crossing crossing(const char* line, bool in, const char* when) { return {line, in, at(when)}; }

TEST(accuracy_audit, a_clip_judged_by_hand) {
  // door: the box counted in at :10, :20, :31 and out at :15; the technician tapped in at
  // :10.5 and :20.3, out at :15.2 and :40. side: nobody crossed.
  const std::vector<camera::audit_crossing> counted{
      crossing("door", true, "2026-12-03T10:00:10Z"), crossing("door", true, "2026-12-03T10:00:20Z"),
      crossing("door", true, "2026-12-03T10:00:31Z"), crossing("door", false, "2026-12-03T10:00:15Z"),
      crossing("elsewhere", true, "2026-12-03T10:00:12Z")};
  const std::vector<camera::audit_crossing> tapped{
      crossing("door", true, "2026-12-03T10:00:10.500Z"), crossing("door", true, "2026-12-03T10:00:20.300Z"),
      crossing("door", false, "2026-12-03T10:00:15.200Z"), crossing("door", false, "2026-12-03T10:00:40Z")};
  const auto r = judge_audit({"door", "side"}, counted, tapped);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].in_box, 3);
  EXPECT_EQ(r[0].out_box, 1);
  EXPECT_EQ(r[0].in_tapped, 2);
  EXPECT_EQ(r[0].out_tapped, 2);
  EXPECT_DOUBLE_EQ(*r[0].accuracy, 0.5);  // 1 − (|3 − 2| + |1 − 2|) ÷ 4
  ASSERT_EQ(r[0].extra.size(), 1u);
  EXPECT_EQ(r[0].extra[0].at, at("2026-12-03T10:00:31Z"));
  ASSERT_EQ(r[0].missed.size(), 1u);
  EXPECT_EQ(r[0].missed[0].at, at("2026-12-03T10:00:40Z"));
  EXPECT_FALSE(r[0].missed[0].in);
  EXPECT_FALSE(r[1].accuracy);  // nobody crossed: proves nothing
  EXPECT_EQ(r[1].in_box + r[1].out_box, 0);
}

TEST(accuracy_audit, pairs_within_the_tolerance_only_and_accuracy_never_goes_below_zero) {
  // 2 s apart pairs; 2.001 s does not.
  auto r = judge_audit({"door"}, {crossing("door", true, "2026-12-03T10:00:00Z")},
                       {crossing("door", true, "2026-12-03T10:00:02Z")});
  EXPECT_TRUE(r[0].missed.empty());
  r = judge_audit({"door"}, {crossing("door", true, "2026-12-03T10:00:00Z")},
                  {crossing("door", true, "2026-12-03T10:00:02.001Z")});
  EXPECT_EQ(r[0].missed.size(), 1u);
  EXPECT_EQ(r[0].extra.size(), 1u);
  EXPECT_DOUBLE_EQ(*r[0].accuracy, 1.0);  // the counts agree: the figure vendors sell; the pairs show the rest
  // Two crossings 0.5 s apart, the technician tapped the second and one 1.9 s later: the
  // closest pairs are made, so the first crossing is the extra one (as the CI run showed, pairing
  // each tap with the earliest free crossing would blame the wrong one).
  r = judge_audit({"door"},
                  {crossing("door", false, "2026-12-03T10:00:00Z"), crossing("door", false, "2026-12-03T10:00:00.500Z"),
                   crossing("door", false, "2026-12-03T10:00:02.400Z")},
                  {crossing("door", false, "2026-12-03T10:00:00.500Z"), crossing("door", false, "2026-12-03T10:00:02.400Z")});
  ASSERT_EQ(r[0].extra.size(), 1u);
  EXPECT_EQ(r[0].extra[0].at, at("2026-12-03T10:00:00Z"));
  EXPECT_TRUE(r[0].missed.empty());
  // The other direction is not a pair.
  r = judge_audit({"door"}, {crossing("door", false, "2026-12-03T10:00:00Z")},
                  {crossing("door", true, "2026-12-03T10:00:00Z")});
  EXPECT_EQ(r[0].missed.size(), 1u);
  EXPECT_DOUBLE_EQ(*r[0].accuracy, 0.0);
  // Ten counted, two there: 1 − 8 ÷ 2 would be −3.
  std::vector<camera::audit_crossing> many(10, crossing("door", true, "2026-12-03T10:00:00Z"));
  r = judge_audit({"door"}, many, {crossing("door", true, "2026-12-03T10:00:00Z"), crossing("door", true, "2026-12-03T10:00:01Z")});
  EXPECT_DOUBLE_EQ(*r[0].accuracy, 0.0);
}

// Records a clip as the vision thread would: three frames written to the file, answered later.
struct fake_camera final : camera::camera_control {
  std::string id = "door";
  bool online = true;
  std::function<void()> finish;  // the recording's answer, when the test lets it come
  const std::string& camera_id() const override { return id; }
  void snapshot(std::function<void(core::result<std::string>)> done) override { done(core::error{"none"}); }
  void set_geometry(std::vector<config::camera_line_config>, std::vector<config::camera_zone_config>) override {}
  camera::live_counts counts() const override { return {}; }
  void record(std::chrono::seconds, std::string path, std::function<void(core::result<camera::clip>)> done) override {
    if (!online) {
      done(core::error{"camera door is offline"});
      return;
    }
    finish = [path, done] {
      std::ofstream(path, std::ios::binary) << "AAAA" << "BBBBBB" << "CC";
      camera::clip c{path, 768, 576, {{0, 4, at("2026-12-03T10:00:00Z")}, {4, 6, at("2026-12-03T10:00:05Z")},
                              {10, 2, at("2026-12-03T10:00:10Z")}}};
      done(c);
    };
  }
};

struct audit_fixture : testing::Test {
  test::temp_dir dir;
  std::unique_ptr<sync::database> db = sync::database::open({dir.file("k.db"), false}).value();
  sync::outbox out{*db};
  sync::event_store store{*db, out, sync::topics("acme", "sh-001")};
  sync::audit_store audits{*db};
  boost::asio::io_context io;
  core::system_clock clock;
  config::config cfg = [] {
    auto loaded = config::load_text(R"({
      "store": {"tenant": "acme", "id": "sh-001", "time_zone": "Asia/Shanghai", "currency": "CNY"},
      "mqtt": {"uri": "tcp://127.0.0.1:1883"},
      "cameras": [{"id": "door", "url": "/dev/video0", "lines": [
        {"name": "entrance", "from": [0, 300], "to": [768, 300]},
        {"name": "staff", "from": [0, 100], "to": [100, 100], "role": "staff"}]}]})");
    EXPECT_TRUE(loaded.ok());
    return loaded.value;
  }();
  fake_camera camera;
  camera_registry cameras{{&camera}};
  std::filesystem::path clips = std::filesystem::path(dir.path()) / "audit";
  std::unique_ptr<audit_service> service = make();

  std::unique_ptr<audit_service> make(audit_limits limits = {}, recounter recount = {}) {
    return std::make_unique<audit_service>(io.get_executor(), clips, cameras, cfg, store,
                                           audits, clock, core::time_zone::load("Asia/Shanghai").value(),
                                           std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>()),
                                           std::move(recount), limits);
  }
  void crossed(const char* line, core::crossing_direction d, const char* when) {
    core::event e;
    e.id = core::new_event_id();
    e.store = "sh-001";
    e.source = "camera-door";
    e.stream = "traffic";
    e.observed_at = e.received_at = at(when);
    e.body = core::traffic_line_cross{"door", line, d, 1};
    std::vector<core::event> batch{e};
    ASSERT_TRUE(store.append(batch, at(when)));
  }
  std::size_t clip_files() const {
    std::size_t n = 0;
    for (const auto& f : std::filesystem::directory_iterator(clips)) n += f.path().extension() == ".clip";
    return n;
  }
};

TEST_F(audit_fixture, an_audit_records_is_judged_against_the_store_and_leaves_no_clip) {
  EXPECT_EQ(service->audited_lines()["door"]["audited"], 0);
  EXPECT_TRUE(service->audited_lines()["lines"][0]["audited_at"].is_null());
  EXPECT_FALSE(service->start("door", 5));  // under the shortest
  EXPECT_FALSE(service->start("back", 30));
  auto started = service->start("door", 30);
  ASSERT_TRUE(started) << started.error_message();
  const auto id = (*started)["id"].get<std::string>();
  EXPECT_EQ((*started)["state"], "recording");
  EXPECT_FALSE(service->start("door", 30));  // one at a time
  EXPECT_FALSE(service->clip_bytes(id));     // not ready
  camera.finish();
  const auto ready = service->state(id);
  ASSERT_EQ((*ready)["state"], "ready");
  EXPECT_EQ((*ready)["frames"], json::parse("[[0,4,0],[4,6,5000],[10,2,10000]]"));
  EXPECT_EQ(*service->clip_bytes(id), "AAAABBBBBBCC");
  // Clips sit in a folder only the agent's user can enter.
  EXPECT_EQ(std::filesystem::status(clips).permissions() & std::filesystem::perms::all, std::filesystem::perms::owner_all);
  // The box counted two in and one out over the clip (and one after it, not the clip's).
  crossed("entrance", core::crossing_direction::in, "2026-12-03T10:00:00Z");
  crossed("entrance", core::crossing_direction::in, "2026-12-03T10:00:05Z");
  crossed("entrance", core::crossing_direction::out, "2026-12-03T10:00:10Z");
  crossed("entrance", core::crossing_direction::in, "2026-12-03T10:00:10.001Z");
  // A bad tap is refused naming it, and the audit stays.
  auto bad = service->finish(id, json::parse(R"({"taps": [{"line": "entrance", "direction": "in", "frame": 0},
                                                           {"line": "entrance", "direction": "in", "frame": 3}]})"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error_message().find("taps[1].frame"), std::string::npos) << bad.error_message();
  EXPECT_FALSE(service->finish(id, json::parse(R"({"taps": [{"line": "exit", "direction": "in", "frame": 0}]})")));
  EXPECT_FALSE(service->finish(id, json::parse(R"({"taps": [{"line": "entrance", "direction": "up", "frame": 0}]})")));
  // Tapped: in at frames 0 and 1, out at frame 2, and an in the box did not see at frame 2.
  auto done = service->finish(id, json::parse(R"({"taps": [
    {"line": "entrance", "direction": "in", "frame": 0}, {"line": "entrance", "direction": "in", "frame": 1},
    {"line": "entrance", "direction": "out", "frame": 2}, {"line": "entrance", "direction": "in", "frame": 2}]})"));
  ASSERT_TRUE(done) << done.error_message();
  const auto& line = (*done)["lines"][0];
  EXPECT_EQ(line["in_box"], 2);
  EXPECT_EQ(line["in_tapped"], 3);
  EXPECT_EQ(line["accuracy"], 0.75);  // 1 − (1 + 0) ÷ 4
  EXPECT_EQ(line["missed"], json::parse(R"([{"direction": "in", "frame": 2, "ms": 10000}])"));
  EXPECT_TRUE((*done)["lines"][1]["accuracy"].is_null());  // the staff line: nobody crossed
  EXPECT_EQ(clip_files(), 0u);
  EXPECT_FALSE(service->state(id));
  // Kept: the manager's page and status read it back.
  const auto lines = service->audited_lines();
  EXPECT_EQ(lines["door"]["audited"], 1);
  EXPECT_EQ(lines["door"]["lines"], 1);  // the staff line is not a door
  EXPECT_EQ(lines["door"]["accuracy"], 0.75);
  EXPECT_EQ(lines["lines"][0]["counted"], json::parse("[2, 1]"));
  EXPECT_EQ(lines["lines"][0]["tapped"], json::parse("[3, 1]"));
}

TEST_F(audit_fixture, clips_go_when_cancelled_left_too_long_or_left_over_and_an_offline_camera_says_so) {
  auto started = service->start("door", 30);
  ASSERT_TRUE(started);
  camera.finish();
  EXPECT_EQ(clip_files(), 1u);
  ASSERT_TRUE(service->cancel((*started)["id"].get<std::string>()));
  EXPECT_EQ(clip_files(), 0u);
  // Nobody finishes it: deleted after the clip's lifetime (the service's own timer).
  service = make({10, 120, std::chrono::minutes(0)});
  started = service->start("door", 30);
  camera.finish();
  EXPECT_EQ(clip_files(), 1u);
  while (clip_files() > 0 && io.run_one() > 0) {
  }  // the expiry (behind the first timer's cancellation)
  EXPECT_EQ(clip_files(), 0u);
  EXPECT_FALSE(service->state((*started)["id"].get<std::string>()));
  // A clip left by a run that died is deleted at the next start.
  std::ofstream(clips / "audit-0123.clip") << "frames";
  service = make();
  EXPECT_EQ(clip_files(), 0u);
  camera.online = false;
  started = service->start("door", 30);
  ASSERT_TRUE(started);
  EXPECT_EQ((*service->state((*started)["id"].get<std::string>()))["state"], "failed");
  EXPECT_NE((*service->state((*started)["id"].get<std::string>()))["error"].get<std::string>().find("offline"),
            std::string::npos);
}

}  // namespace
}  // namespace kelu

namespace kelu {
namespace {

// The box's crossings over the clip of the first test, and the taps that judged them: two in
// and one out counted, three in and one out tapped.
struct compared_fixture : audit_fixture {
  // The worker's answer is posted from its thread: the io_context must wait for it, not stop idle.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::vector<std::string> recounted;
  bool clip_there_while_recounting = true;
  std::string finish_audit() {
    auto started = service->start("door", 30);
    EXPECT_TRUE(started);
    camera.finish();
    crossed("entrance", core::crossing_direction::in, "2026-12-03T10:00:00Z");
    crossed("entrance", core::crossing_direction::in, "2026-12-03T10:00:05Z");
    crossed("entrance", core::crossing_direction::out, "2026-12-03T10:00:10Z");
    const auto id = (*started)["id"].get<std::string>();
    done = service->finish(id, json::parse(R"({"taps": [
      {"line": "entrance", "direction": "in", "frame": 0}, {"line": "entrance", "direction": "in", "frame": 1},
      {"line": "entrance", "direction": "out", "frame": 2}, {"line": "entrance", "direction": "in", "frame": 2}]})"));
    return id;
  }
  // Runs the io_context until the comparison has answered (its worker posts the answer).
  json compared(const std::string& id) {
    while (service->state(id) && (*service->state(id))["state"] == "comparing" &&
           io.run_one_for(std::chrono::seconds(30)) > 0) {
    }
    return service->state(id) ? *service->state(id) : json();
  }
  recounter fake() {
    return [this](const camera::clip& c, const config::camera_config&, const std::vector<config::camera_line_config>& lines,
                  const std::string& detector, const std::atomic<bool>&) -> core::result<std::vector<camera::audit_crossing>> {
      recounted.push_back(detector);  // the worker's; read after its answer came
      clip_there_while_recounting = clip_there_while_recounting && std::filesystem::exists(c.path);
      if (lines.size() != 2) return core::error{"expected the clip's two lines"};
      if (detector == "bgs") return std::vector<camera::audit_crossing>{crossing("entrance", true, "2026-12-03T10:00:00Z")};
      return std::vector<camera::audit_crossing>{crossing("entrance", true, "2026-12-03T10:00:00Z"),
                                         crossing("entrance", true, "2026-12-03T10:00:05Z"),
                                         crossing("entrance", false, "2026-12-03T10:00:10Z"),
                                         crossing("entrance", true, "2026-12-03T10:00:10Z")};
    };
  }
  core::result<json> done = core::error{"not finished"};
};

TEST_F(compared_fixture, each_detector_counts_the_clip_again_and_the_better_one_is_advised) {
  cfg.cameras[0].model = {"/models/person.onnx"};  // dnn can run here
  service = make({}, fake());
  const auto id = finish_audit();
  ASSERT_TRUE(done) << done.error_message();
  EXPECT_EQ((*done)["comparison"], "running");
  EXPECT_EQ((*done)["lines"][0]["accuracy"], 0.75);  // the live figure, as without a comparison
  EXPECT_EQ((*service->state(id))["state"], "comparing");
  EXPECT_FALSE(service->clip_bytes(id)) << "finished: the clip is not served any more";
  EXPECT_FALSE(service->start("door", 30)) << "one audit at a time, comparison included";
  const auto result = compared(id);
  ASSERT_EQ(result["state"], "compared") << result.dump();
  EXPECT_EQ(recounted, (std::vector<std::string>{"bgs", "dnn"}));
  EXPECT_TRUE(clip_there_while_recounting);
  EXPECT_EQ(clip_files(), 0u) << "deleted once compared";
  const auto& c = result["comparison"];
  EXPECT_EQ(c["in_use"], "bgs");
  EXPECT_EQ(c["detectors"][0]["detector"], "bgs");
  EXPECT_EQ(c["detectors"][0]["in_use"], true);
  EXPECT_EQ(c["detectors"][0]["accuracy"], 0.25);  // 1 in counted against 3 in, 1 out tapped
  EXPECT_EQ(c["detectors"][1]["accuracy"], 1.0);
  EXPECT_EQ(c["detectors"][1]["lines"][0], json::parse(R"({"line": "entrance", "in_box": 3, "out_box": 1, "accuracy": 1.0})"));
  EXPECT_EQ(c["best"], "dnn");
  EXPECT_EQ(c["advice"]["en"], "dnn counted this clip at 100.0% against 25.0% for bgs: set cameras[door].detector to "
                               "\"dnn\" and audit again");
  // The figure kept for the installation is the live one.
  EXPECT_EQ(service->audited_lines()["door"]["accuracy"], 0.75);
  // The next audit starts afresh.
  EXPECT_TRUE(service->start("door", 30));
  EXPECT_FALSE(service->state(id));
}

TEST_F(compared_fixture, without_a_recounter_or_a_model_the_audit_ends_at_once_or_compares_bgs_alone) {
  const auto id = finish_audit();  // the fixture's service: no recounter (a build without vision)
  ASSERT_TRUE(done);
  EXPECT_FALSE(done->contains("comparison"));
  EXPECT_EQ(clip_files(), 0u);
  service = make({}, fake());
  const auto second = finish_audit();
  const auto result = compared(second);
  EXPECT_EQ(recounted, std::vector<std::string>{"bgs"});  // no model: no dnn
  EXPECT_EQ(result["comparison"]["best"], "bgs");
  EXPECT_TRUE(result["comparison"]["advice"].is_null());
}

TEST_F(compared_fixture, cancelling_while_the_detectors_recount_deletes_the_clip_and_stops_them) {
  std::atomic<bool> recounting{false};
  service = make({}, [&](const camera::clip&, const config::camera_config&, const std::vector<config::camera_line_config>&,
                         const std::string&, const std::atomic<bool>& cancelled) -> core::result<std::vector<camera::audit_crossing>> {
    recounting = true;
    while (!cancelled) std::this_thread::yield();  // a long recount, until it is told to stop
    return core::error{"cancelled"};
  });
  const auto id = finish_audit();
  ASSERT_EQ((*done)["comparison"], "running");
  while (!recounting) std::this_thread::yield();
  EXPECT_TRUE(service->cancel(id));
  EXPECT_EQ(clip_files(), 0u);
  EXPECT_FALSE(service->state(id));
  // The stopped worker still answers, so the next audit can compare again.
  while (service->comparing() && io.run_one_for(std::chrono::seconds(30)) > 0) {
  }
  ASSERT_FALSE(service->comparing());
  recounting = false;
  const auto second = finish_audit();
  ASSERT_EQ((*done)["comparison"], "running") << "the comparison of the cancelled audit still holds the worker";
  while (!recounting) std::this_thread::yield();
  EXPECT_TRUE(service->cancel(second));
}

TEST(detector_comparison, a_tie_keeps_the_detector_in_use_and_nothing_tapped_advises_nothing) {
  const line_audit l{"door", 3, 1, 3, 1, 1.0, {}, {}};
  const auto tie = comparison_json({{"bgs", "", {l}, 1.0}, {"dnn", "", {l}, 1.0}}, "door", "dnn");
  EXPECT_EQ(tie["best"], "dnn");
  EXPECT_TRUE(tie["advice"].is_null());
  const auto failed = comparison_json({{"bgs", "", {}, std::nullopt}, {"dnn", "detector dnn: no model", {}, std::nullopt}},
                                      "door", "bgs");
  EXPECT_TRUE(failed["best"].is_null());
  EXPECT_EQ(failed["detectors"][1]["error"], "detector dnn: no model");
  EXPECT_DOUBLE_EQ(*pooled_accuracy({l, {"side", 0, 5, 1, 1, 0.0, {}, {}}}), 1.0 - 5.0 / 6.0);  // errors over all taps
  EXPECT_FALSE(pooled_accuracy({}));
}

}  // namespace
}  // namespace kelu
