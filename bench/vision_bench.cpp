// SPDX-License-Identifier: Apache-2.0
// Cost of one camera's pipeline per frame, beside the costs nothing can avoid, measured in the
// same run on the same frames (ratios, not pass/fail timings: these machines are shared):
//   decode           cv::VideoCapture::read alone
//   + model          decode + MOG2 at the bgs working resolution (bgs's unavoidable part)
//   + forward        decode + letterbox + the network's forward pass (dnn's unavoidable part)
//   pipeline         decode + motion gate + detector + tracker + lines + zones + heat grid
// "overhead" = (pipeline − unavoidable) / unavoidable: what Kelu's own code adds.
// Also: a still scene (the first frame repeated) through the gated pipeline, cameras per core
// at 10 processed fps, and resident memory.
//   vision_bench VIDEO [MODEL_PREFIX] [FRAMES]
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/background_segm.hpp>
#include <opencv2/videoio.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "vision/pipeline.hpp"

using namespace kelu::vision;
using clock_type = std::chrono::steady_clock;

namespace {

double rss_mib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(std::string(field).size())) / 1024;
  return 0;
}

std::vector<cv::Mat> load(const std::string& video, int frames) {
  std::vector<cv::Mat> out;
  cv::VideoCapture cap(video);
  cv::Mat f;
  while (static_cast<int>(out.size()) < frames && cap.read(f)) out.push_back(f.clone());
  return out;
}

// Seconds per frame of `step(frame)` after decoding each frame from the file.
template <class F>
double per_frame(const std::string& video, int frames, F&& step) {
  cv::VideoCapture cap(video);
  cv::Mat f;
  const auto t0 = clock_type::now();
  int n = 0;
  while (n < frames && cap.read(f)) {
    step(f);
    ++n;
  }
  return std::chrono::duration<double>(clock_type::now() - t0).count() / n;
}

pipeline_options door_options() {
  pipeline_options o;
  o.lines = {{"door", {0, 300}, {768, 300}}, {"aisle", {400, 0}, {400, 576}}};
  o.zones = {{"left", {{0, 200}, {380, 200}, {380, 576}, {0, 576}}}, {"right", {{400, 200}, {768, 200}, {768, 576}, {400, 576}}}};
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: vision_bench VIDEO [MODEL_PREFIX] [FRAMES]\n");
    return 2;
  }
  const std::string video = argv[1];
  const std::string model = argc > 2 ? argv[2] : "";
  const int frames = argc > 3 ? std::stoi(argv[3]) : 400;
  cv::setNumThreads(1);  // one core: the figure a camera costs
  const double rss_start = rss_mib("VmRSS:");

  const double decode = per_frame(video, frames, [](const cv::Mat&) {});
  std::printf("vtest.avi %d frames, one thread (cv::setNumThreads(1))\n", frames);
  std::printf("%-34s %8.2f ms/frame %8.0f fps\n", "decode alone", decode * 1e3, 1 / decode);

  auto mog = cv::createBackgroundSubtractorMOG2(500, 16, true);
  cv::Mat small, mask;
  const double decode_model = per_frame(video, frames, [&](const cv::Mat& f) {
    cv::resize(f, small, {}, 0.5, 0.5, cv::INTER_AREA);
    mog->apply(small, mask);
  });
  std::printf("%-34s %8.2f ms/frame %8.0f fps\n", "decode + MOG2 at half resolution", decode_model * 1e3,
              1 / decode_model);

  struct row {
    const char* kind;
    double unavoidable;
    int frames;
  };
  std::vector<row> rows{{"bgs", decode_model, frames}};
  if (!model.empty()) {
    auto net = cv::dnn::readNetFromDarknet(model + ".cfg", model + ".weights");
    const auto outs = net.getUnconnectedOutLayersNames();
    cv::Mat box(320, 320, CV_8UC3), blob;
    const double decode_forward = per_frame(video, frames, [&](const cv::Mat& f) {
      box.setTo(cv::Scalar(114, 114, 114));
      cv::resize(f, box(cv::Rect(0, 40, 320, 240)), {320, 240});
      cv::dnn::blobFromImage(box, blob, 1.0 / 255, {}, {}, true, false);
      net.setInput(blob);
      std::vector<cv::Mat> o;
      net.forward(o, outs);
    });
    std::printf("%-34s %8.2f ms/frame %8.0f fps\n", "decode + forward at 320x320", decode_forward * 1e3,
                1 / decode_forward);
    rows.push_back({"dnn", decode_forward, frames});
  }
  rows.push_back({"hog", 0, std::min(frames, 40)});

  std::printf("\n%-6s %12s %12s %10s %14s %12s\n", "det", "pipeline", "unavoidable", "overhead", "cameras/core@10",
              "RSS +MiB");
  for (const auto& r : rows) {
    detector_options d;
    d.kind = r.kind;
    if (d.kind == "dnn") d.model = {model + ".cfg", model + ".weights"};
    const double before = rss_mib("VmRSS:");
    auto det = make_detector(d);
    if (!det) {
      std::printf("%-6s %s\n", r.kind, det.error_message().c_str());
      continue;
    }
    pipeline p{door_options(), std::move(*det), 768, 576};
    std::int64_t i = 0;
    const double cost = per_frame(video, r.frames, [&](const cv::Mat& f) {
      p.process(f, static_cast<double>(i) / 10, i);
      ++i;
    });
    const double after = rss_mib("VmRSS:");
    if (r.unavoidable > 0)
      std::printf("%-6s %9.2f ms %9.2f ms %9.0f%% %14.1f %12.1f\n", r.kind, cost * 1e3, r.unavoidable * 1e3,
                  100 * (cost - r.unavoidable) / r.unavoidable, 1 / cost / 10, after - before);
    else
      std::printf("%-6s %9.2f ms %12s %10s %14.1f %12.1f\n", r.kind, cost * 1e3, "-", "-", 1 / cost / 10,
                  after - before);
  }

  // A still scene: the first frame again and again, as an empty shop at night.
  const auto first = load(video, 1);
  for (const char* kind : {"bgs", "dnn"}) {
    if (std::string(kind) == "dnn" && model.empty()) continue;
    detector_options d;
    d.kind = kind;
    if (d.kind == "dnn") d.model = {model + ".cfg", model + ".weights"};
    auto det = make_detector(d);
    if (!det) continue;
    pipeline p{door_options(), std::move(det).value(), 768, 576};
    const auto t0 = clock_type::now();
    for (int i = 0; i < frames; ++i) p.process(first[0], static_cast<double>(i) / 10, i);
    const double cost = std::chrono::duration<double>(clock_type::now() - t0).count() / frames;
    std::printf("still scene, %s: %.3f ms/frame without decoding (%.0f%% of decoding one frame), detector ran on %lld "
                "of %d frames\n",
                kind, cost * 1e3, 100 * cost / decode, static_cast<long long>(p.stats().detected), frames);
  }
  std::printf("\nresident memory: %.1f MiB at start, %.1f MiB now, peak %.1f MiB\n", rss_start,
              rss_mib("VmRSS:"), rss_mib("VmHWM:"));
  return 0;
}
