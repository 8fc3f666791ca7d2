// SPDX-License-Identifier: Apache-2.0
// Counting accuracy on PETS 2009 S2L1 (../shared/data), per line:
//   (a) counting from the hand-annotated boxes: must reproduce the published 7 in / 10 out;
//   (b) tracker + counting from the public Faster R-CNN detections;
//   (c) the full pipeline on the video, per detector (when built with vision and given it).
// Truth for lines other than the published one is (a) on that line: the annotations are
// the reference. Accuracy = 1 − (|in − in_true| + |out − out_true|) / (in_true + out_true).
// With --explain after the arguments, each error of (b) and (c) is listed: the true crossing
// missed or the counted one that matches none (same line and direction, within 2 s), with its
// frame, track and foot point, so an error can be looked at in the video.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#ifdef KELU_WITH_VISION
#include <opencv2/videoio.hpp>

#include "vision/empty_scene.hpp"
#include "vision/pipeline.hpp"
#endif
#include "vision/box_file.hpp"
#include "vision/line_counter.hpp"
#include "vision/tracker.hpp"

using namespace kelu::vision;

namespace {

constexpr int width = 768;
constexpr int height = 576;
constexpr double fps = 7;  // PETS 2009 S2 was recorded at ~7 fps; only ratios of time matter here
[[maybe_unused]] constexpr double fps_of_video = 10;  // what vtest.avi declares, as kelu count uses it
constexpr std::int64_t last_annotated = 399;

// Lines across the walkway at different heights and angles, none of them tuned to.
std::vector<counting_line> evaluation_lines() {
  return {{"published_y300", {0, 300}, {768, 300}}, {"y200", {0, 200}, {768, 200}},
          {"y400", {0, 400}, {768, 400}},           {"x300", {300, 0}, {300, 576}},
          {"x500", {500, 576}, {500, 0}},           {"diagonal", {0, 150}, {768, 450}},
          {"short_door", {250, 350}, {550, 350}}};
}

double accuracy(const line_totals& got, const line_totals& truth) {
  const double total = static_cast<double>(truth.in + truth.out);
  if (total == 0) return got.in + got.out == 0 ? 1.0 : 0.0;
  return 1.0 - static_cast<double>(std::llabs(got.in - truth.in) + std::llabs(got.out - truth.out)) / total;
}

// With `exact`, every sign change of the foot point counts (no band): the published rule,
// which is the truth on annotations; without it, the counter as the agent runs it.
struct counted {
  std::vector<line_totals> totals;
  std::vector<line_crossing> crossings;
};

void append(std::vector<line_crossing>& to, std::vector<line_crossing> from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

counted count_annotations(const std::vector<box_row>& gt, bool exact) {
  line_counter_options o{.frame_width = width, .frame_height = height};
  if (exact) o.band_px = o.band_height_fraction = o.settle_s = 0;
  line_counter counter{evaluation_lines(), o};
  counted c;
  for (const auto& f : tracks_by_frame(gt, 0, 0, last_annotated, fps)) append(c.crossings, counter.update(f));
  append(c.crossings, counter.finish());
  c.totals = counter.totals();
  return c;
}

counted count_detections(const std::vector<box_row>& dets, double min_score) {
  tracker t{{.frame_width = width, .frame_height = height, .merge_containment = 0}};  // one box per person
  line_counter counter{evaluation_lines(), {.frame_width = width, .frame_height = height}};
  const auto by_frame = detections_by_frame(dets, -1);
  counted c;
  for (std::int64_t f = 0; f <= last_annotated; ++f) {
    std::vector<detection> in;
    if (auto it = by_frame.find(f); it != by_frame.end())
      for (const auto& d : it->second)
        if (d.score >= min_score) in.push_back(d);
    const double ts = static_cast<double>(f) / fps;
    append(c.crossings, counter.update({f, ts, t.update(in, ts)}));
  }
  append(c.crossings, counter.finish());
  c.totals = counter.totals();
  return c;
}

#ifdef KELU_WITH_VISION
// The empty scene of the whole video (vision/empty_scene.hpp), from 15 frames across it.
cv::Mat video_empty_scene(const std::string& video) {
  cv::VideoCapture cap(video);
  const auto n = static_cast<std::int64_t>(cap.get(cv::CAP_PROP_FRAME_COUNT));
  std::vector<cv::Mat> picked;
  cv::Mat frame;
  for (std::int64_t f = 0; n > 0 && cap.read(frame); ++f)
    if (f % (n / 15 + 1) == 0) picked.push_back(frame.clone());
  return picked.empty() ? cv::Mat{} : empty_scene(picked);
}

// The whole pipeline on the video's first 400 frames, as `kelu count` runs it. With a plate
// (the empty scene), the detector first watches it for 5 s, as a camera that has been running
// for hours has learnt its background; without, it starts cold on the first frame, as a camera
// does the moment it is switched on.
bool count_video(const std::string& video, const detector_options& d, const cv::Mat& plate, counted& got,
                 double& frames_per_s) {
  auto det = make_detector(d);
  if (!det) {
    std::fprintf(stderr, "%s: %s\n", d.kind.c_str(), det.error_message().c_str());
    return false;
  }
  cv::VideoCapture cap(video);
  if (!cap.isOpened()) return false;
  pipeline_options o;
  o.lines = evaluation_lines();
  pipeline p{o, std::move(*det), width, height};
  constexpr int prime_frames = 50;
  for (int i = 0; !plate.empty() && i < prime_frames; ++i) p.process(plate, i / fps_of_video, i);
  p.finish();
  const double t0_s = plate.empty() ? 0 : prime_frames / fps_of_video + 1;
  cv::Mat frame;
  const auto started = std::chrono::steady_clock::now();
  for (std::int64_t f = 0; f <= last_annotated && cap.read(frame); ++f)
    append(got.crossings, p.process(frame, t0_s + static_cast<double>(f) / fps_of_video, f).crossings);
  append(got.crossings, p.finish().crossings);
  frames_per_s = (last_annotated + 1) / std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  got.totals = p.lines().totals();
  return true;
}
#endif

void report(const char* title, const std::vector<line_totals>& got, const std::vector<line_totals>& truth) {
  std::printf("\n%s\n%-16s %9s %9s %9s\n", title, "line", "in", "out", "accuracy");
  double sum = 0;
  double worst = 1;
  const auto lines = evaluation_lines();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const double a = accuracy(got[i], truth[i]);
    sum += a;
    worst = std::min(worst, a);
    std::printf("%-16s %4lld/%-4lld %4lld/%-4lld %8.1f%%\n", lines[i].name.c_str(), static_cast<long long>(got[i].in),
                static_cast<long long>(truth[i].in), static_cast<long long>(got[i].out),
                static_cast<long long>(truth[i].out), 100 * a);
  }
  long long errors = 0, truth_total = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    errors += std::llabs(got[i].in - truth[i].in) + std::llabs(got[i].out - truth[i].out);
    truth_total += truth[i].in + truth[i].out;
  }
  std::printf("%-16s %29s %5.1f%% (worst %.1f%%)\n", "mean", "", 100 * sum / static_cast<double>(lines.size()),
              100 * worst);
  std::printf("%-16s %29s %5.1f%% (%lld errors in %lld crossings)\n", "pooled", "",
              100.0 * (1.0 - static_cast<double>(errors) / static_cast<double>(truth_total)), errors, truth_total);
}

// Pairs each counted crossing with a true one on the same line and direction, nearest in
// frames within 2 s, and prints what is left on either side: the errors, one per line.
void explain(const std::vector<line_crossing>& got, const std::vector<line_crossing>& truth) {
  constexpr std::int64_t window = static_cast<std::int64_t>(2 * fps);
  std::vector<bool> used(truth.size(), false);
  std::vector<const line_crossing*> extra;
  for (const auto& g : got) {
    std::size_t best = truth.size();
    for (std::size_t i = 0; i < truth.size(); ++i) {
      const auto& t = truth[i];
      if (used[i] || t.line != g.line || t.direction != g.direction || std::llabs(t.frame - g.frame) > window)
        continue;
      if (best == truth.size() || std::llabs(t.frame - g.frame) < std::llabs(truth[best].frame - g.frame)) best = i;
    }
    if (best == truth.size())
      extra.push_back(&g);
    else
      used[best] = true;
  }
  for (std::size_t i = 0; i < truth.size(); ++i)
    if (!used[i])
      std::printf("  missed %-14s %-3s frame %3lld  person %lld at (%.0f, %.0f)\n", truth[i].line.c_str(),
                  direction_name(truth[i].direction), static_cast<long long>(truth[i].frame),
                  static_cast<long long>(truth[i].track_id), truth[i].at.x, truth[i].at.y);
  for (const auto* g : extra)
    std::printf("  extra  %-14s %-3s frame %3lld  track %lld at (%.0f, %.0f)\n", g->line.c_str(),
                direction_name(g->direction), static_cast<long long>(g->frame), static_cast<long long>(g->track_id),
                g->at.x, g->at.y);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string shared = argc > 1 ? argv[1] : KELU_SHARED_DATA;
  const auto gt = load_box_file(shared + "/pets2009-s2l1/gt-frames-0-399.csv");
  const auto dets = load_box_file(shared + "/pets2009-s2l1/detections-frcnn-mot.txt");
  if (!gt || !dets) {
    std::fprintf(stderr, "vision_accuracy: %s\n", (!gt ? gt.error_message() : dets.error_message()).c_str());
    return 1;
  }
  bool explaining = false;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--explain") {
      explaining = true;
      argc = i;  // the positional arguments come first
    }
  const auto truth_counted = count_annotations(*gt, true);
  const auto& truth = truth_counted.totals;
  std::printf("PETS 2009 S2L1 frames 0-399; published truth for published_y300: in 7, out 10\n");
  const auto annotated = count_annotations(*gt, false).totals;
  report("(a) counting from the annotated boxes (in got/true, out got/true)", annotated, truth);
  const bool exact = truth[0].in == 7 && truth[0].out == 10 && annotated[0].in == 7 && annotated[0].out == 10;
  std::printf("(a) published line %s\n", exact ? "exact" : "NOT EXACT");
  const auto from_detections = count_detections(*dets, 0.0);
  report("(b) tracker + counting from public detections", from_detections.totals, truth);
  if (explaining) explain(from_detections.crossings, truth_counted.crossings);
#ifdef KELU_WITH_VISION
  // (c): argv[2] is vtest.avi (scripts/fetch-sample-video puts it in build/data/).
  if (argc > 2) {
    const std::string video = argv[2];
    std::vector<detector_options> detectors(3);
    detectors[0].kind = "bgs";
    detectors[1].kind = "dnn";
    const std::string models = shared + "/../models/yolo-fastest-1.1-body/yolo-fastest-1.1_body";
    detectors[1].model = {models + ".cfg", models + ".weights"};
    detectors[2].kind = "hog";
    const cv::Mat plate = video_empty_scene(video);
    for (const auto& d : detectors) {
      if (argc > 3 && d.kind != argv[3]) continue;
      for (const bool warm : {false, true}) {
        counted got;
        double speed = 0;
        if (!count_video(video, d, warm ? plate : cv::Mat{}, got, speed)) break;
        const std::string title = std::string(warm ? "(d) running camera" : "(c) cold start") + ", detector " +
                                  d.kind + " (" + std::to_string(std::lround(speed)) + " fps on this machine)";
        report(title.c_str(), got.totals, truth);
        if (explaining) explain(got.crossings, truth_counted.crossings);
      }
    }
  }
#endif
  return exact ? 0 : 1;
}
