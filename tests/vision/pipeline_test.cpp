// SPDX-License-Identifier: Apache-2.0
// The OpenCV half of vision/: detectors, motion gate, video files, the per-camera pipeline
// and heat-map images, on synthetic frames written here and on vtest.avi when fetched
// (scripts/fetch-sample-video).
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include <sstream>

#include "camera/clip_recount.hpp"
#include "camera/count_command.hpp"
#include "support/synthetic_scene.hpp"
#include "support/temp_dir.hpp"
#include "vision/frame_source.hpp"
#include "vision/heatmap_image.hpp"
#include "vision/motion_gate.hpp"
#include "vision/pipeline.hpp"

namespace kelu::vision {
namespace {

std::unique_ptr<detector> bgs() {
  detector_options o;
  o.person_height_px = 100;
  o.person_width_px = 40;
  auto d = make_detector(o);
  return std::move(d.value());
}

TEST(pipeline, background_subtraction_counts_people_walking_through_a_door_line) {
  pipeline_options o;
  o.lines = {{"door", {0, 240}, {640, 240}}};
  pipeline p{o, bgs(), 640, 480};
  const test::scene s;
  std::int64_t f = 0;
  for (const auto& frame : test::walk_down(s, 2)) {
    p.process(frame, static_cast<double>(f) * 0.1, f);
    ++f;
  }
  p.finish();
  EXPECT_EQ(p.lines().totals()[0].in, 2);
  EXPECT_EQ(p.lines().totals()[0].out, 0);
  EXPECT_GT(p.heat().total(), 0) << "the walkers stood somewhere";
}

// The pilot's complaint: people walk up to a table one after another and stand there 10-30 s.
// Background subtraction absorbs a person who stands still; without parking each time the
// detector found them again was a new track and a new visit (dozens of 1 s visits).
std::vector<zone_visit> table_visits(double park_s, int seed) {
  cv::setRNGSeed(seed);  // the scene's textures: the same footage whatever ran before
  pipeline_options o;
  o.zones = {{"table", {{200, 120}, {440, 120}, {440, 360}, {200, 360}}, false}};
  o.zoning.engaged_dwell_s = 5;
  o.tracking.park_s = park_s;
  pipeline p{o, bgs(), 640, 480};
  const test::scene s;
  std::vector<cv::Mat> frames;
  for (int i = 0; i < 60; ++i) frames.push_back(s.with({}));
  for (const int stand_s : {10, 20, 30}) {
    // Walks in, slowing down over the last steps.
    int x = 0;
    for (const int step : {16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 14, 12, 10, 8, 6, 4, 2, 0, 0}) {
      frames.push_back(s.with({{x, 160, 40, 100}}));
      x += step;
    }
    // Stands: people shift their weight now and then (a couple of pixels every second or so);
    // between shifts the frames are identical, and the background model absorbs them.
    for (int k = 0; k < stand_s * 10; ++k) frames.push_back(s.with({{x + 2 * ((k / 13) % 2), 160, 40, 100}}));
    for (int k = 1; k <= 20; ++k) frames.push_back(s.with({{x + 15 * k, 160, 40, 100}}));  // leaves
    for (int k = 0; k < 20; ++k) frames.push_back(s.with({}));
  }
  std::vector<zone_visit> visits;
  std::int64_t f = 0;
  for (const auto& frame : frames) {
    auto r = p.process(frame, static_cast<double>(f) * 0.1, f);
    visits.insert(visits.end(), r.visits.begin(), r.visits.end());
    ++f;
  }
  auto tail = p.finish();
  visits.insert(visits.end(), tail.visits.begin(), tail.visits.end());
  return visits;
}

TEST(pipeline, a_person_standing_at_a_table_is_one_visit_with_background_subtraction) {
  const auto visits = table_visits(tracker_options{}.park_s, 1);
  ASSERT_EQ(visits.size(), 3u) << "three people, one visit each";
  const double stood[] = {10, 20, 30};
  for (std::size_t i = 0; i < visits.size(); ++i) {
    EXPECT_GT(visits[i].dwell_s, stood[i] - 3) << "visit " << i;
    EXPECT_LT(visits[i].dwell_s, stood[i] + 4) << "visit " << i;
    EXPECT_TRUE(visits[i].engaged);
  }
  // The same footage without parking: what the pilot saw.
  const auto unparked = table_visits(0, 1);
  RecordProperty("visits_without_parking", static_cast<int>(unparked.size()));
  EXPECT_GT(unparked.size(), 3u) << "the scene no longer fades a still person: the test lost its point";
}

TEST(pipeline, new_lines_set_mid_stream_settle_the_old_ones_and_count_from_then_on) {
  pipeline_options o;
  o.lines = {{"door", {0, 240}, {640, 240}}};
  pipeline p{o, bgs(), 640, 480};
  const test::scene s;
  const auto frames = test::walk_down(s, 2);  // feet from y=140 down to y=460
  std::int64_t f = 0;
  std::vector<line_crossing> crossings;
  frame_outcome old;
  for (const auto& frame : frames) {
    if (f == 60 + 22) {  // both past y=240, not yet at y=400: a technician draws another line
      old = p.set_geometry({{"inner", {0, 400}, {640, 400}}}, {{"aisle", {{0, 0}, {640, 0}, {640, 480}, {0, 480}}, false}});
    }
    const auto r = p.process(frame, static_cast<double>(f) * 0.1, f);
    crossings.insert(crossings.end(), r.crossings.begin(), r.crossings.end());
    ++f;
  }
  const auto tail = p.finish();
  crossings.insert(crossings.end(), tail.crossings.begin(), tail.crossings.end());
  // The door line's crossings are all out by the change (settled then, not lost).
  std::int64_t door_in = 0;
  for (const auto& c : crossings) door_in += c.line == "door" && c.direction == crossing_direction::in;
  for (const auto& c : old.crossings) door_in += c.line == "door" && c.direction == crossing_direction::in;
  EXPECT_EQ(door_in, 2);
  ASSERT_EQ(p.lines().lines().size(), 1u);
  EXPECT_EQ(p.lines().lines()[0].name, "inner");
  EXPECT_EQ(p.lines().totals()[0].in, 2);
  EXPECT_EQ(p.lines().totals()[0].out, 0);
  EXPECT_EQ(p.zones().zones()[0].name, "aisle");
  for (const auto& c : crossings) EXPECT_TRUE(c.line == "door" || c.line == "inner") << c.line;
}

TEST(pipeline, the_motion_gate_skips_still_frames_but_keeps_a_still_person_tracked) {
  pipeline_options o;
  o.gate.max_still_s = 100;
  pipeline p{o, bgs(), 640, 480};
  const test::scene s;
  std::int64_t f = 0;
  auto feed = [&](const cv::Mat& m) {
    const auto n = f++;
    return p.process(m, static_cast<double>(n) * 0.1, n);
  };
  for (int i = 0; i < 30; ++i) feed(s.with({}));
  for (int k = 0; k < 10; ++k) feed(s.with({{100 + 6 * k, 100, 40, 100}}));
  const auto moving = p.stats().detected;
  frame_outcome last;
  for (int i = 0; i < 20; ++i) last = feed(s.with({{154, 100, 40, 100}}));  // stands still
  EXPECT_LE(p.stats().detected - moving, 1) << "still frames skip the detector";
  EXPECT_FALSE(last.detected);
  ASSERT_EQ(last.tracks.size(), 1u) << "and the person standing there is still tracked";
  EXPECT_TRUE(last.tracks[0].confirmed);
}

// An audit clip as camera_source records it (JPEGs back to back, each with its capture time),
// with people in view from its first frame: counted again from scratch, the background model
// primed on the clip itself.
camera::clip write_clip(const std::filesystem::path& path, const std::vector<cv::Mat>& frames) {
  camera::clip c{path.string(), 640, 480, {}};
  std::ofstream out(path, std::ios::binary);
  const auto t0 = core::parse_iso8601("2026-12-03T10:00:00Z").value();
  for (std::size_t i = 0; i < frames.size(); ++i) {
    std::vector<unsigned char> jpeg;
    cv::imencode(".jpg", frames[i], jpeg, {cv::IMWRITE_JPEG_QUALITY, 70});
    c.frames.push_back({static_cast<std::int64_t>(out.tellp()), static_cast<std::int64_t>(jpeg.size()),
                        t0 + std::chrono::milliseconds(100 * static_cast<std::int64_t>(i))});
    out.write(reinterpret_cast<const char*>(jpeg.data()), static_cast<std::streamsize>(jpeg.size()));
  }
  return c;
}

TEST(clip_recount, an_audit_clip_is_counted_again_with_another_detector_at_its_frames_times) {
  test::temp_dir dir;
  test::scene s;
  auto frames = test::walk_down(s, 2);
  frames.erase(frames.begin(), frames.begin() + 58);  // two empty frames, then the walk: no time to learn the floor
  const auto c = write_clip(dir.path() / "a.clip", frames);
  config::camera_config cam;
  cam.id = "door";
  cam.process_fps = 10;
  cam.heat_cols = 16;
  cam.heat_rows = 12;
  const std::vector<config::camera_line_config> lines{{"entrance", {0, 240}, {640, 240}, "entrance"}};
  std::atomic<bool> cancelled{false};
  const auto counted = camera::recount_clip(c, cam, lines, "bgs", cancelled);
  ASSERT_TRUE(counted) << counted.error_message();
  ASSERT_EQ(counted->size(), 2u);
  for (const auto& x : *counted) {
    EXPECT_EQ(x.line, "entrance");
    EXPECT_TRUE(x.in);
    // Feet reach y=240 on the walk's 13th frame or so: at the clip's own times.
    EXPECT_GE(x.at, c.frames[10].at);
    EXPECT_LE(x.at, c.frames[20].at);
  }
  // What can go wrong says what and where.
  const auto no_model = camera::recount_clip(c, cam, lines, "dnn", cancelled);
  ASSERT_FALSE(no_model);
  EXPECT_NE(no_model.error_message().find("detector dnn"), std::string::npos) << no_model.error_message();
  auto broken = c;
  broken.frames[5].offset += 3;  // not where a JPEG starts
  const auto bad = camera::recount_clip(broken, cam, lines, "bgs", cancelled);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error_message().find("frame 5 is not a JPEG of the clip's size"), std::string::npos) << bad.error_message();
  cancelled = true;
  EXPECT_EQ(camera::recount_clip(c, cam, lines, "bgs", cancelled).error_message(), "cancelled");
}

TEST(motion_gate, runs_on_change_and_at_least_every_max_still_seconds) {
  motion_gate g{{.max_still_s = 1.0}};
  const test::scene s;
  const cv::Mat empty = s.with({});
  EXPECT_TRUE(g.should_detect(empty, 0.0)) << "the first frame";
  EXPECT_FALSE(g.should_detect(empty, 0.1));
  EXPECT_TRUE(g.should_detect(s.with({{300, 200, 40, 100}}), 0.2));
  EXPECT_FALSE(g.should_detect(s.with({{300, 200, 40, 100}}), 0.3));
  EXPECT_TRUE(g.should_detect(s.with({{300, 200, 40, 100}}), 1.3)) << "a second without detecting";
}

TEST(detector, bad_choices_are_errors_that_say_what_is_wrong) {
  detector_options o;
  o.kind = "yolo";
  EXPECT_EQ(make_detector(o).error_message(), "unknown detector 'yolo' (expected bgs, hog or dnn)");
  o.kind = "dnn";
  EXPECT_EQ(make_detector(o).error_message(), "dnn model: dnn needs a model: a Darknet .cfg and .weights, or one .onnx file");
  o.model = {"/nonexistent/model.onnx"};
  EXPECT_EQ(make_detector(o).error_message(), "dnn model /nonexistent/model.onnx: no such file");
  test::temp_dir dir;
  const auto junk = dir.path() / "junk.onnx";
  std::ofstream(junk) << "this is not a network";
  o.model = {junk.string()};
  auto d = make_detector(o);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error_message().find("dnn model: "), std::string::npos);
}

// What background subtraction finds in a frame with these people (filled rectangles) on an
// empty floor, after `walkers` frames of lone people of `walker` size walking across it.
std::vector<detection> bgs_blobs(detector& d, cv::Size walker, int walkers, const std::vector<cv::Rect>& people) {
  const cv::Mat floor(480, 640, CV_8UC3, cv::Scalar(90, 90, 90));
  for (int i = 0; i < 20; ++i) d.detect(floor);
  for (int i = 0; i < walkers; ++i) {
    cv::Mat frame = floor.clone();
    cv::rectangle(frame, cv::Rect({40 + 15 * i, 200}, walker), cv::Scalar(40, 160, 200), cv::FILLED);
    d.detect(frame);
  }
  cv::Mat frame = floor.clone();
  for (const auto& r : people) cv::rectangle(frame, r, cv::Scalar(20, 200, 240), cv::FILLED);
  auto found = d.detect(frame);
  std::sort(found.begin(), found.end(), [](const detection& a, const detection& b) { return a.bbox.x < b.bbox.x; });
  return found;
}

// Far from an oblique camera people are smaller: two walking side by side there make a blob no
// wider than one person near the camera. The width that makes a blob two people follows the
// blob's own height, at the aspect the detector learnt from the lone people it saw.
TEST(detector, background_subtraction_splits_a_distant_pair_by_their_own_size) {
  auto d = make_detector(detector_options{});  // bgs, person size unset: 72 px tall in this frame
  ASSERT_TRUE(d);
  const auto found = bgs_blobs(**d, {28, 72}, 30,
                               {{40, 60, 52, 48},      // a distant pair
                                {300, 300, 28, 72},    // one person near
                                {500, 60, 20, 48}});   // one person far
  ASSERT_EQ(found.size(), 4u);
  EXPECT_NEAR(found[0].bbox.w, 26, 3);
  EXPECT_NEAR(found[1].bbox.x, 66, 3);
  EXPECT_NEAR(found[2].bbox.w, 28, 3);
  EXPECT_NEAR(found[3].bbox.w, 20, 3);
}

// From above a person is about as wide as long: an upright person's width (0.4 of the height)
// would cut each of them in two, and a door camera would count everyone twice.
TEST(detector, background_subtraction_seen_from_above_keeps_one_person_whole_and_splits_a_pair) {
  auto d = make_detector(detector_options{});
  ASSERT_TRUE(d);
  const auto first = bgs_blobs(**d, {60, 48}, 0, {{100, 100, 60, 48}});
  ASSERT_EQ(first.size(), 1u) << "nothing is split before the camera's people are learnt";
  auto again = make_detector(detector_options{});
  const auto found = bgs_blobs(**again, {60, 48}, 30, {{100, 100, 60, 48}, {300, 300, 124, 50}});
  ASSERT_EQ(found.size(), 3u);
  EXPECT_NEAR(found[0].bbox.w, 60, 3);
  EXPECT_NEAR(found[1].bbox.w, 62, 3);
  EXPECT_NEAR(found[2].bbox.x, 362, 3);
}

TEST(detector, suppress_overlaps_keeps_the_most_confident_box) {
  const auto kept = suppress_overlaps({{{0, 0, 10, 10}, 0.6}, {{1, 0, 10, 10}, 0.9}, {{50, 0, 10, 10}, 0.5}}, 0.5);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_DOUBLE_EQ(kept[0].score, 0.9);
  EXPECT_DOUBLE_EQ(kept[1].bbox.x, 50);
}

TEST(detector, the_shipped_person_model_finds_people_in_the_sample_video) {
  const std::string video = KELU_SAMPLE_VIDEO;
  const std::string model = std::string(KELU_SHARED_MODELS) + "/yolo-fastest-1.1-body/yolo-fastest-1.1_body";
  if (!std::filesystem::exists(video)) GTEST_SKIP() << "no " << video << " (scripts/fetch-sample-video)";
  if (!std::filesystem::exists(model + ".cfg")) GTEST_SKIP() << "no " << model << ".cfg (../shared absent)";
  detector_options o;
  o.kind = "dnn";
  o.model = {model + ".cfg", model + ".weights"};
  auto d = make_detector(o);
  ASSERT_TRUE(d) << d.error_message();
  frame_source src{{.url = video}};
  ASSERT_TRUE(src.open());
  cv::Mat frame;
  ASSERT_TRUE(src.read(frame));
  const auto found = (*d)->detect(frame);
  // Frame 0 of PETS S2L1: three annotated people (ids 9, 15, 19), each found where the
  // annotation puts them.
  const std::vector<box> annotated{{499.20, 157.69, 31.03, 75.17}, {258.03, 218.65, 32.91, 88.70},
                                   {633.19, 241.93, 42.34, 81.07}};
  EXPECT_GE(found.size(), 3u);
  EXPECT_LE(found.size(), 6u);
  for (const auto& a : annotated) {
    double best = 0;
    for (const auto& f : found) best = std::max(best, iou(a, f.bbox));
    EXPECT_GE(best, 0.5) << "annotated person at x=" << a.x;
  }
  for (const auto& f : found) {
    EXPECT_GT(f.bbox.h, f.bbox.w) << "people are taller than wide";
    EXPECT_GE(f.bbox.x, 0);
    EXPECT_LE(f.bbox.x + f.bbox.w, 768.001);
  }
}

TEST(frame_source, a_missing_file_is_an_error_and_a_written_video_reads_back) {
  frame_source missing{{.url = "/nonexistent/door.avi"}};
  EXPECT_EQ(missing.open().error_message(), "/nonexistent/door.avi: no such video file");

  test::temp_dir dir;
  const auto path = (dir.path() / "door.avi").string();
  cv::VideoWriter w(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, {640, 480});
  ASSERT_TRUE(w.isOpened());
  const test::scene s;
  for (int i = 0; i < 12; ++i) w.write(s.with({{10 * i, 100, 40, 100}}));
  w.release();
  frame_source src{{.url = path, .loop = true}};
  ASSERT_TRUE(src.open());
  EXPECT_EQ(src.width(), 640);
  EXPECT_DOUBLE_EQ(src.declared_fps(), 10);
  cv::Mat f;
  int n = 0;
  while (n < 30 && src.read(f)) ++n;
  EXPECT_EQ(n, 30) << "looping past the end";
}

TEST(heatmap_image, hot_cells_are_coloured_and_cold_ones_keep_the_canvas) {
  heat_grid g{8, 6, 640, 480};
  g.add({40, 40}, 100);  // cell (0, 0)
  g.add({600, 440}, 1);  // cell (7, 5)
  test::temp_dir dir;
  const auto path = (dir.path() / "heat.png").string();
  ASSERT_TRUE(write_heatmap_png(g, cv::Mat(), {640, 480}, path));
  const cv::Mat img = cv::imread(path);
  ASSERT_EQ(img.cols, 640);
  ASSERT_EQ(img.rows, 480);
  const auto hot = img.at<cv::Vec3b>(40, 40);
  const auto cold = img.at<cv::Vec3b>(250, 330);
  EXPECT_EQ(cold, cv::Vec3b(245, 245, 245)) << "nobody stood in the middle";
  EXPECT_GT(hot[2], hot[0]) << "the hottest cell is red, not blue";
  EXPECT_FALSE(write_heatmap_png(g, cv::Mat(), {640, 480}, "/nonexistent/dir/heat.png"));
}

}  // namespace
}  // namespace kelu::vision

namespace kelu::camera {
namespace {

TEST(count_command, counts_a_recorded_door_video_and_prints_the_documented_json) {
  test::temp_dir dir;
  const auto path = (dir.path() / "door.avi").string();
  {
    cv::VideoWriter w(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, {640, 480});
    ASSERT_TRUE(w.isOpened());
    const test::scene s;
    for (const auto& f : test::walk_down(s, 2)) w.write(f);
  }
  count_options o;
  o.video = path;
  o.lines = {"door=0,240,640,240", "reversed=640,240,0,240", "beside=600,100,600,400"};
  o.person_height_px = 100;
  o.json = true;
  o.heatmap = (dir.path() / "heat.png").string();
  std::ostringstream out, err;
  ASSERT_EQ(run_count(o, out, err), 0) << err.str();
  const auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["frames"], 105);
  EXPECT_GT(j["fps"].get<double>(), 0);
  EXPECT_EQ(j["lines"]["door"], (nlohmann::json{{"in", 2}, {"out", 0}}));
  EXPECT_EQ(j["lines"]["reversed"], (nlohmann::json{{"in", 0}, {"out", 2}}));
  EXPECT_EQ(j["lines"]["beside"], (nlohmann::json{{"in", 0}, {"out", 0}}));
  EXPECT_EQ(cv::imread(o.heatmap).cols, 640);
}

TEST(count_command, takes_a_cameras_lines_and_detector_from_the_config_and_lines_given_replace_them) {
  test::temp_dir dir;
  const auto path = (dir.path() / "door.avi").string();
  {
    cv::VideoWriter w(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, {640, 480});
    const test::scene s;
    for (const auto& f : test::walk_down(s, 2)) w.write(f);
    cv::imwrite((dir.path() / "snapshot.png").string(), s.with({}));
  }
  std::ofstream(dir.path() / "kelu.json") << R"({"store": {"tenant": "acme", "id": "s1"},
    "cameras": [{"id": "back", "url": "rtsp://x/1"},
                {"id": "door", "url": "rtsp://x/2", "person_height_px": 100,
                 "lines": [{"name": "entrance", "from": [0, 240], "to": [640, 240]},
                           {"name": "exit", "from": [0, 100], "to": [640, 100]}]}]})";
  count_options o;
  o.video = path;
  o.config_path = (dir.path() / "kelu.json").string();
  o.camera_id = "door";
  o.lines = {"exit=640,300,0,300"};  // trying the exit line elsewhere, the other way round
  o.json = true;
  o.heatmap = (dir.path() / "heat.png").string();
  o.background = (dir.path() / "snapshot.png").string();
  std::ostringstream out, err;
  ASSERT_EQ(run_count(o, out, err), 0) << err.str();
  const auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["camera"], "door");
  EXPECT_EQ(j["detector"], "bgs");
  EXPECT_EQ(j["lines"]["entrance"], (nlohmann::json{{"in", 2}, {"out", 0}}));
  EXPECT_EQ(j["lines"]["exit"], (nlohmann::json{{"in", 0}, {"out", 2}})) << "the given line replaced the config's";
  EXPECT_EQ(j["lines"].size(), 2u);
  // Over the snapshot, greyed: a cell nobody stood in shows the floor's grey, not the plain canvas.
  const auto px = cv::imread(o.heatmap).at<cv::Vec3b>(20, 600);
  EXPECT_EQ(px[0], px[2]);
  EXPECT_NE(px, cv::Vec3b(245, 245, 245));

  o.camera_id = "side";
  err.str("");
  EXPECT_EQ(run_count(o, out, err), 2);
  EXPECT_EQ(err.str(), "--config " + o.config_path + ": has no camera with id side\n");
}

TEST(count_command, bad_options_name_the_option_and_the_problem) {
  std::ostringstream out, err;
  count_options o;
  o.video = "/nonexistent.avi";
  o.lines = {"door=0,240,640"};
  EXPECT_EQ(run_count(o, out, err), 2);
  EXPECT_EQ(err.str(), "--line door=0,240,640: expected four numbers x1,y1,x2,y2\n");
  err.str("");
  o.lines = {"door=1,1,1,1"};
  EXPECT_EQ(run_count(o, out, err), 2);
  EXPECT_EQ(err.str(), "--line door=1,1,1,1: the two ends are the same point\n");
  err.str("");
  o.lines = {"door=0,1,2,3", "door=4,5,6,7"};
  EXPECT_EQ(run_count(o, out, err), 2);
  EXPECT_EQ(err.str(), "--line door=4,5,6,7: a line named door is already given\n");
  err.str("");
  o.lines = {"door=0,1,2,3"};
  EXPECT_EQ(run_count(o, out, err), 2);
  EXPECT_EQ(err.str(), "--video: /nonexistent.avi: no such video file\n");
  err.str("");
  o.background = "/nonexistent.png";
  EXPECT_EQ(run_count(o, out, err), 2);
  EXPECT_EQ(err.str(), "--background: cannot read an image from /nonexistent.png\n");
}

TEST(count_command, the_sample_video_gives_counts_near_the_published_ones) {
  const std::string video = KELU_SAMPLE_VIDEO;
  if (!std::filesystem::exists(video)) GTEST_SKIP() << "no " << video << " (scripts/fetch-sample-video)";
  count_options o;
  o.video = video;
  o.lines = {"door=0,300,768,300"};
  o.max_frames = 400;
  o.json = true;
  std::ostringstream out, err;
  ASSERT_EQ(run_count(o, out, err), 0) << err.str();
  const auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["frames"], 400);
  // Truth 7 in, 10 out (bench/vision_accuracy scores it); a guard against gross regressions,
  // not an accuracy figure.
  EXPECT_NEAR(j["lines"]["door"]["in"].get<int>(), 7, 2);
  EXPECT_NEAR(j["lines"]["door"]["out"].get<int>(), 10, 3);
}

}  // namespace
}  // namespace kelu::camera
